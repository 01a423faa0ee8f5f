import { Controller, Delete, Get, HttpCode, Param, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthService } from '../auth.service.js';
import { ApiProblemResponses } from '../decorators/api-problem-responses.decorator.js';
import { ClientContext } from '../decorators/client-context.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { LiveSession } from '../decorators/live-session.decorator.js';
import { SessionDto } from '../dto/auth-responses.dto.js';
import { AuthException } from '../errors/auth.exception.js';
import { ProblemDetailsFilter } from '../errors/problem-details.filter.js';
import type { SessionView } from '../sessions/session.service.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import { isSessionId } from '../tokens/refresh-token.js';

/** `GET /sessions` and `DELETE /sessions/:id`, for a live session (switch off with `routes.sessions: false`). */
@ApiTags('auth')
@ApiBearerAuth()
@LiveSession()
@Controller()
@UseFilters(ProblemDetailsFilter)
export class SessionsController {
  constructor(protected readonly auth: AuthService) {}

  @Get('sessions')
  @ApiOperation({ summary: "The caller's live sessions" })
  @ApiOkResponse({ type: [SessionDto] })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID')
  list(@CurrentUser() user: AuthPrincipal): Promise<SessionView[]> {
    return this.auth.listSessions(user);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of the caller’s sessions' })
  @ApiParam({ name: 'id', description: 'Session id from GET /sessions' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID', 'CSRF_TOKEN_INVALID', 'NOT_FOUND')
  async revoke(@CurrentUser() user: AuthPrincipal, @Param('id') id: string, @ClientContext() client: ClientContext): Promise<void> {
    if (!isSessionId(id)) throw new AuthException('NOT_FOUND', { detail: 'Session not found.' });
    await this.auth.revokeSession(user, id, client);
  }
}
