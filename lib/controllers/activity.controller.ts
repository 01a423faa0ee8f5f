import { Controller, Get, Header, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses } from '../decorators/api-problem-responses.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { LiveSession } from '../decorators/live-session.decorator.js';
import { ActivityEntryDto } from '../dto/auth-responses.dto.js';
import { AuthException } from '../errors/auth.exception.js';
import { ProblemDetailsFilter } from '../errors/problem-details.filter.js';
import { ActivityFeed, type ActivityView } from '../events/activity-feed.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import { HttpPlatformRef } from '../transport/http-platform.js';
import type { AuthRequest, AuthResponse } from '../transport/http.types.js';

/** A query parameter given once, as a string (`?a=1&a=2` or `?a[b]=1` is a validation problem). */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new AuthException('VALIDATION_FAILED', { errors: [{ field: name, message: 'must be given once' }] });
  return value;
}

/** `GET /activity`: the caller's security events, for a live session (switch off with `routes.activity: false`). */
@ApiTags('auth')
@ApiBearerAuth()
@LiveSession()
@Controller()
@UseFilters(ProblemDetailsFilter)
export class ActivityController {
  constructor(
    protected readonly feed: ActivityFeed,
    protected readonly http: HttpPlatformRef,
  ) {}

  @Get('activity')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "The caller's recent security events, newest first",
    description:
      'Logins (and failed ones), second factors, password and e-mail changes, revoked sessions, detected refresh-token reuse. The next page, if any, is in the `Link` header (`rel="next"`).',
  })
  @ApiQuery({ name: 'limit', required: false, description: 'Entries per page (1–100; default `activity.pageSize`, 20).' })
  @ApiQuery({ name: 'before', required: false, description: 'The cursor of the next page (from the `Link` header).' })
  @ApiOkResponse({ type: [ActivityEntryDto] })
  @ApiHeader({ name: 'Link', required: false, description: '`<…?before=…>; rel="next"` when there are older entries.' })
  @ApiProblemResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID', 'NOT_FOUND')
  async list(
    @CurrentUser() user: AuthPrincipal,
    @Query() query: Record<string, unknown>,
    @Req() req: AuthRequest,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<ActivityView[]> {
    const limit = single(query, 'limit');
    const page = await this.feed.list(user, limit, single(query, 'before'));
    const path = (req.originalUrl ?? req.url).split('?')[0];
    if (page.next !== undefined && /^\/[!-;=?-~]*$/.test(path)) {
      const params = new URLSearchParams({ ...(limit === undefined ? {} : { limit }), before: page.next });
      this.http.platform.setHeader(res, 'Link', `<${path}?${params.toString()}>; rel="next"`);
    }
    return page.entries;
  }
}
