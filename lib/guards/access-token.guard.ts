import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUTH_OPTIONS, IS_PUBLIC_KEY, LIVE_SESSION_KEY, VERIFIED_EMAIL_KEY } from '../auth.constants.js';
import { AuthException } from '../errors/auth.exception.js';
import { RevocationFeed } from '../sessions/revocation-feed.js';
import { isSessionLive } from '../sessions/session-liveness.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { SESSION_STORE, type SessionStore } from '../stores/session.store.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import type { AuthRequest } from '../transport/http.types.js';
import { TOKEN_TRANSPORT, type TokenTransport } from '../transport/token-transport.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';

/**
 * Requires a valid access token, except on `@Public()` routes. Registered app-wide by default
 * (`globalGuard: true`); also usable with `@UseGuards(AccessTokenGuard)`.
 *
 * The hot path verifies the JWT and looks its session up in this instance's revocation list (one
 * map lookup, see {@link RevocationFeed}): no store read, no promise, no allocation. A revoked
 * session's token → 401 `ACCESS_TOKEN_INVALID`. The session store is read (one `findById`, see
 * {@link checkSession}) only on `@LiveSession()` routes, with `sessionCheck`, or for a token old
 * enough to belong to an entry the full revocation list had to drop.
 * Subclass it and override the protected hooks to change how a request or a principal is found.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  /** `@LiveSession()` per controller class and handler, read once (metadata does not change at run time). */
  private readonly liveRoutes = new WeakMap<object, WeakMap<object, boolean>>();
  /** `@VerifiedEmail()` per controller class and handler, read once (only for tokens without `email_verified`). */
  private readonly verifiedEmailRoutes = new WeakMap<object, WeakMap<object, boolean>>();

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
    this.transport.assertCsrf(request, presented, principal.sessionId);
    if (!principal.emailVerified && this.requiresVerifiedEmail(context)) throw new AuthException('EMAIL_NOT_VERIFIED');
    request.user = principal;
    // The store is read on @LiveSession() routes, with sessionCheck, and (at the revocation list's cap)
    // for tokens old enough to belong to a dropped entry.
    const checkStore =
      this.options.sessionCheck ||
      this.requiresLiveSession(context) ||
      (revocations !== undefined && revocations.needsStoreCheck(principal.expiresAt));
    return checkStore ? this.checkSession(principal) : true;
  }

  /** Whether the route is `@Public()`. */
  protected isPublic(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]) === true;
  }

  /**
   * Whether the route carries `@LiveSession()` (handler over class; `@SkipLiveSession()` opts out).
   * Cached per class and handler, so routes without it pay two `WeakMap` look-ups, no store read.
   */
  protected requiresLiveSession(context: ExecutionContext): boolean {
    return this.routeFlag(this.liveRoutes, LIVE_SESSION_KEY, context);
  }

  /** Whether the route carries `@VerifiedEmail()` (handler over class), cached like {@link requiresLiveSession}. */
  protected requiresVerifiedEmail(context: ExecutionContext): boolean {
    return this.routeFlag(this.verifiedEmailRoutes, VERIFIED_EMAIL_KEY, context);
  }

  private routeFlag(cache: WeakMap<object, WeakMap<object, boolean>>, key: string, context: ExecutionContext): boolean {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = cache.get(controller);
    if (byHandler === undefined) cache.set(controller, (byHandler = new WeakMap()));
    let flag = byHandler.get(handler);
    if (flag === undefined) {
      flag = this.reflector.getAllAndOverride<boolean | undefined>(key, [handler, controller]) === true;
      byHandler.set(handler, flag);
    }
    return flag;
  }

  /** The HTTP request (override for GraphQL or other transports). */
  protected getRequest(context: ExecutionContext): AuthRequest {
    if (context.getType() !== 'http') throw new AuthException('UNAUTHENTICATED');
    return context.switchToHttp().getRequest<AuthRequest>();
  }

  /**
   * On `@LiveSession()` routes and with `sessionCheck`: the token's session must still be live (see
   * `isSessionLive`), else 401 `ACCESS_TOKEN_INVALID`.
   */
  protected async checkSession(principal: AuthPrincipal): Promise<boolean> {
    const session = await this.sessions.findById(principal.sessionId);
    if (!isSessionLive(session, this.clock.now(), principal.id)) {
      throw new AuthException('ACCESS_TOKEN_INVALID', { tokenPresented: true });
    }
    return true;
  }
}
