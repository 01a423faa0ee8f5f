import { SetMetadata } from '@nestjs/common';
import { LIVE_SESSION_KEY } from '../auth.constants.js';

/**
 * Requires the access token's session to be live — not revoked, not expired (idle or absolute) and
 * belonging to the token's user — checked in the session store by {@link AccessTokenGuard} (one read)
 * before the handler runs; a dead session's token gets 401 `ACCESS_TOKEN_INVALID`. On a class it
 * covers every route of the controller; {@link SkipLiveSession} opts one route out, and `@Public()`
 * routes are never checked. Routes without it only consult the in-memory revocation list (no store
 * read), which learns of revocations through the feed but not of expiries.
 *
 * ```ts
 * @LiveSession()
 * @Post('delete')
 * deleteAccount(@CurrentUser('id') userId: string) {
 *   return { deleted: userId }; // a revoked or expired session never gets here
 * }
 * ```
 *
 * Enforced wherever `AccessTokenGuard` runs (app-wide by default, or `@UseGuards(AccessTokenGuard)`).
 */
export const LiveSession = (): MethodDecorator & ClassDecorator => SetMetadata(LIVE_SESSION_KEY, true);

/**
 * Opts a route out of a controller-level {@link LiveSession}: the token is still verified and checked
 * against the revocation list, without the store read.
 */
export const SkipLiveSession = (): MethodDecorator & ClassDecorator => SetMetadata(LIVE_SESSION_KEY, false);
