import { Controller, HttpCode, Inject, Post, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthService } from '../auth.service.js';
import { ApiProblemResponses } from '../decorators/api-problem-responses.decorator.js';
import { ClientContext } from '../decorators/client-context.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { authValidationPipe, JsonBody } from '../decorators/json-body.decorator.js';
import { LiveSession } from '../decorators/live-session.decorator.js';
import { ChangePasswordDto } from '../dto/auth-requests.dto.js';
import { MessageResponseDto } from '../dto/auth-responses.dto.js';
import { ProblemDetailsFilter } from '../errors/problem-details.filter.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';

/** `POST /password/change`, for a live session (switch off with `routes.password: false`). */
@ApiTags('auth')
@ApiBearerAuth()
@LiveSession()
@Controller()
@UseFilters(ProblemDetailsFilter)
export class PasswordController {
  constructor(
    protected readonly auth: AuthService,
    @Inject(AUTH_OPTIONS) protected readonly options: ResolvedAuthOptions,
  ) {}

  @Post('password/change')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change the password; every other session is revoked' })
  @ApiBody({ type: ChangePasswordDto })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'INVALID_CREDENTIALS',
    'TOO_MANY_REQUESTS',
    'AUTH_BUSY',
  )
  async change(
    @JsonBody(authValidationPipe) dto: ChangePasswordDto,
    @CurrentUser() user: AuthPrincipal,
    @ClientContext() client: ClientContext,
  ): Promise<{ message: string }> {
    await this.auth.changePassword(user, dto.currentPassword, dto.newPassword, client);
    return { message: 'Password changed. Other sessions were signed out.' };
  }
}
