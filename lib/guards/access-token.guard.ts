import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUTH_OPTIONS, IS_PUBLIC_KEY } from '../auth.constants.js';
import { AuthException } from '../errors/auth.exception.js';
import { RevocationFeed } from '../sessions/revocation-feed.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { SESSION_STORE, type SessionStore } from '../stores/session.store.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import { isUnsafeMethod } from '../transport/cookies.js';
import type { AuthRequest } from '../transport/http.types.js';
import { TOKEN_TRANSPORT, type TokenTransport } from '../transport/token-transport.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';

/**
 * Requires a valid access token, except on `@Public()` routes. Registered app-wide by default
 * (`globalGuard: true`); also usable with `@UseGuards(AccessTokenGuard)`.
 *
 * The hot path verifies the JWT and looks its session up in this instance's revocation list (one
 * map lookup, see {@link RevocationFeed}): no store read, no promise, no allocation, unless
 * `sessionCheck` is on. A revoked session's token → 401 `ACCESS_TOKEN_INVALID`.
 * Subclass it and override the protected hooks to change how a request or a principal is found.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly tokens: AccessTokenService,
    @Inject(TOKEN_TRANSPORT) protected readonly transport: TokenTransport,
    @Inject(AUTH_OPTIONS) protected readonly options: ResolvedAuthOptions,
    @Inject(SESSION_STORE) protected readonly sessions: SessionStore,
    @Inject(AUTH_CLOCK) protected readonly clock: Clock,
    /** Optional so that subclasses written before it still compile; without it no revocation list is read. */
    @Optional() protected readonly revocations?: RevocationFeed,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.isPublic(context)) return true;
    const request = this.getRequest(context);
    const presented = this.transport.readAccessToken(request);
    if (presented === null) throw new AuthException('UNAUTHENTICATED');
    const principal = this.tokens.verify(presented.token);
    const revocations = this.revocations;
    if (revocations !== undefined && revocations.isRevoked(principal.sessionId)) {
      throw new AuthException('ACCESS_TOKEN_INVALID', { tokenPresented: true });
    }
    // Two credentials (cookie modes): a header and a different access cookie must name one session.
    if (presented.cookieBeside !== undefined && this.tokens.sessionIdOf(presented.cookieBeside) !== principal.sessionId) {
      throw new AuthException('ACCESS_TOKEN_INVALID', { tokenPresented: true });
    }
    if (presented.source === 'cookie' && isUnsafeMethod(request)) this.transport.assertCsrf(request, principal.sessionId);
    request.user = principal;
    // At the revocation list's cap, tokens old enough to belong to a dropped entry are checked in the store.
    const checkStore = this.options.sessionCheck || (revocations !== undefined && revocations.needsStoreCheck(principal.expiresAt));
    return checkStore ? this.checkSession(principal) : true;
  }

  /** Whether the route is `@Public()`. */
  protected isPublic(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]) === true;
  }

  /** The HTTP request (override for GraphQL or other transports). */
  protected getRequest(context: ExecutionContext): AuthRequest {
    if (context.getType() !== 'http') throw new AuthException('UNAUTHENTICATED');
    return context.switchToHttp().getRequest<AuthRequest>();
  }

  /** With `sessionCheck`: the token's session must still be live. */
  protected async checkSession(principal: AuthPrincipal): Promise<boolean> {
    const session = await this.sessions.findById(principal.sessionId);
    const now = this.clock.now();
    if (
      !session ||
      session.userId !== principal.id ||
      session.revokedAt !== null ||
      session.expiresAt <= now ||
      session.absoluteExpiresAt <= now
    ) {
      throw new AuthException('ACCESS_TOKEN_INVALID', { tokenPresented: true });
    }
    return true;
  }
}
