import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROLES_KEY } from '../auth.constants.js';
import { AuthException } from '../errors/auth.exception.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';

/**
 * Enforces `@Roles(...)`: the caller needs at least one of the listed roles, else 403 `FORBIDDEN`
 * (401 when nobody is authenticated). Routes without `@Roles()` pass. Runs after
 * {@link AccessTokenGuard}; registered app-wide with it by default.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(protected readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!required || required.length === 0) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthPrincipal }>().user;
    if (!user) throw new AuthException('UNAUTHENTICATED');
    if (!this.hasRole(user, required)) throw new AuthException('FORBIDDEN');
    return true;
  }

  /** Whether the principal satisfies the required roles (any of them). */
  protected hasRole(user: AuthPrincipal, required: readonly string[]): boolean {
    return required.some((role) => user.roles.includes(role));
  }
}
