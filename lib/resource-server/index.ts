// The `nest-gatekeeper/resource-server` entry: verify-only authentication for services that trust an
// issuer running AuthModule. Its closure loads no store, no password hasher, no cookie or TOTP code
// (test/package/package-entries.e2e-spec.ts checks it). The decorators are the root entry's own, so a
// controller written for the issuer works unchanged.

export { ResourceServerModule, type ResourceServerAsyncOptions, type ResourceServerForRootOptions } from './resource-server.module.js';
export type {
  ResourceServerAlgorithm,
  ResourceServerJwksOptions,
  ResourceServerModuleExtras,
  ResourceServerOptions,
} from './resource-server-options.interface.js';
export type { Duration } from '../options/duration.js';
export { ResourceServerGuard } from './resource-server.guard.js';
/**
 * The resource server's guard under the name the issuer's entry uses, so that
 * `@UseGuards(AccessTokenGuard)` reads the same in both kinds of service. It is
 * {@link ResourceServerGuard}: no session check, no revocation list (see docs/resource-server.md).
 */
export { ResourceServerGuard as AccessTokenGuard } from './resource-server.guard.js';
export { ResourceServerTokenService } from './resource-server-token.service.js';
export { RolesGuard } from '../guards/roles.guard.js';
export type { AuthPrincipal } from '../tokens/access-token.claims.js';
export { Public } from '../decorators/public.decorator.js';
export { Roles } from '../decorators/roles.decorator.js';
export { CurrentUser } from '../decorators/current-user.decorator.js';
export { VerifiedEmail } from '../decorators/verified-email.decorator.js';
export { AuthException, type AuthExceptionOptions } from '../errors/auth.exception.js';
export { AuthErrorCodes, type AuthErrorCode } from '../errors/error-codes.js';
export { AuthConfigError } from '../errors/auth-config.error.js';
export type { ProblemDetails, FieldError } from '../errors/problem-details.js';
export { AUTH_CLOCK, type Clock } from '../util/clock.js';
