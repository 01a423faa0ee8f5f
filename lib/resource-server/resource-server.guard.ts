import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, VERIFIED_EMAIL_KEY } from '../auth.constants.js';
import { AuthException } from '../errors/auth.exception.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import { readBearer } from '../transport/header.transport.js';
import type { AuthRequest } from '../transport/http.types.js';
import { ResourceServerTokenService } from './resource-server-token.service.js';

/**
 * The access guard of a resource server: requires `Authorization: Bearer <access token>` issued by
 * the configured issuer, except on `@Public()` routes, and puts the {@link AuthPrincipal} on
 * `request.user` (read it with `@CurrentUser()`). `@VerifiedEmail()` routes also need the token's
 * `email_verified` claim (403 `EMAIL_NOT_VERIFIED`). Registered app-wide by default
 * (`globalGuard: true`); also usable with `@UseGuards(ResourceServerGuard)`.
 *
 * No token → 401 `UNAUTHENTICATED`; a malformed, forged, expired or foreign token → 401
 * `ACCESS_TOKEN_INVALID`. Cookies are not read (cookie mode needs the issuer's CSRF secret).
 * A known token costs what the issuer's own guard costs: a verified-token cache hit, or one
 * signature check; no store read, no promise. Subclass it and override the protected hooks to find
 * the request elsewhere (GraphQL) or change what is public.
 */
@Injectable()
export class ResourceServerGuard implements CanActivate {
  /** `@VerifiedEmail()` per controller class and handler, read once (only for tokens without `email_verified`). */
  private readonly verifiedEmailRoutes = new WeakMap<object, WeakMap<object, boolean>>();

  constructor(
    protected readonly reflector: Reflector,
    protected readonly tokens: ResourceServerTokenService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.isPublic(context)) return true;
    const request = this.getRequest(context);
    const token = readBearer(request);
    if (token === null) throw new AuthException('UNAUTHENTICATED');
    const principal = this.tokens.verify(token);
    return principal instanceof Promise
      ? principal.then((verified) => this.admit(context, request, verified))
      : this.admit(context, request, principal);
  }

  /** Whether the route is `@Public()`. */
  protected isPublic(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]) === true;
  }

  /** Whether the route carries `@VerifiedEmail()` (handler over class), cached per class and handler. */
  protected requiresVerifiedEmail(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.verifiedEmailRoutes.get(controller);
    if (byHandler === undefined) this.verifiedEmailRoutes.set(controller, (byHandler = new WeakMap()));
    let flag = byHandler.get(handler);
    if (flag === undefined) {
      flag = this.reflector.getAllAndOverride<boolean | undefined>(VERIFIED_EMAIL_KEY, [handler, controller]) === true;
      byHandler.set(handler, flag);
    }
    return flag;
  }

  /** The HTTP request (override for GraphQL or other transports). */
  protected getRequest(context: ExecutionContext): AuthRequest {
    if (context.getType() !== 'http') throw new AuthException('UNAUTHENTICATED');
    return context.switchToHttp().getRequest<AuthRequest>();
  }

  private admit(context: ExecutionContext, request: AuthRequest, principal: AuthPrincipal): boolean {
    if (!principal.emailVerified && this.requiresVerifiedEmail(context)) throw new AuthException('EMAIL_NOT_VERIFIED');
    request.user = principal;
    return true;
  }
}
