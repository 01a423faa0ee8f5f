// The public API of nest-gatekeeper: named exports only. Each name here is a semver promise, so the
// root exports what an app needs (the module, the service, guards, decorators, errors, the store,
// hasher and sender contracts with their tokens, the memory stores, the option types) and the types
// that appear in those signatures; the services, controllers and DTOs the module wires itself stay
// internal. `test/package/package-entries.e2e-spec.ts` snapshots every entry.
// Other entries: `nest-gatekeeper/typeorm` (TypeORM stores, entities, migrations),
// `nest-gatekeeper/redis` (Redis stores), `nest-gatekeeper/testing` (the store contract suites).

// The module and its use cases
export { AuthModule, type AuthModuleForRootOptions, type AuthModuleAsyncOptions } from './auth.module.js';
export {
  AuthService,
  type LoginInput,
  type LoginOutcome,
  type MfaLoginResult,
  type RegisterInput,
  type VerifyMfaInput,
} from './auth.service.js';
export type { PublicUser } from './users/public-user.js';
export type { IssuedTokens, TokenGrant } from './transport/token-transport.js';
export type { SessionContext, SessionView } from './sessions/session.service.js';
export { MfaService, type MfaVerifyMethod, type PendingMfaBody, type TrustedDeviceView } from './mfa/mfa.service.js';

// Options
export { AUTH_OPTIONS } from './auth.constants.js';
export type { ResolvedAuthOptions } from './options/resolved-auth-options.js';
export type {
  AccessTokenType,
  AttemptLimit,
  AuthModuleExtras,
  AuthModuleOptions,
  AuthRouteName,
  CookieOptions,
  Duration,
  JwtAlgorithm,
  JsonObject,
  JwtOptions,
  MfaOptions,
  MfaSendersOptions,
  PasswordHashingOptions,
  PasswordPolicyOptions,
  ProviderOption,
  RateLimitOptions,
  RegistrationOptions,
  RefreshTokenOptions,
  ResponsesOptions,
  RoutesOptions,
  TokenBodyContext,
  TokenResponseRoute,
} from './options/auth-module-options.interface.js';

// Guards and decorators
export { AccessTokenGuard } from './guards/access-token.guard.js';
export { RolesGuard } from './guards/roles.guard.js';
export type { AuthPrincipal } from './tokens/access-token.claims.js';
export { Public } from './decorators/public.decorator.js';
export { Roles } from './decorators/roles.decorator.js';
export { CurrentUser } from './decorators/current-user.decorator.js';
export { ApiProblemResponses } from './decorators/api-problem-responses.decorator.js';
export {
  InjectAuthOptions,
  InjectPasswordHasher,
  InjectRateLimitStore,
  InjectSessionStore,
  InjectUserStore,
} from './decorators/inject.decorators.js';

// Errors
export { AuthErrorCodes, type AuthErrorCode } from './errors/error-codes.js';
export { AuthException, type AuthExceptionOptions } from './errors/auth.exception.js';
export { AuthConfigError } from './errors/auth-config.error.js';
export { DuplicateUserError, StoreUnavailableError } from './errors/store.errors.js';
export { ProblemDetailsFilter } from './errors/problem-details.filter.js';
export type { FieldError, ProblemDetails } from './errors/problem-details.js';

// Stores: the contracts, their tokens and the memory stores
export type { AuthUser, JsonValue, MfaMethod, NewUser, UserStore } from './stores/user.store.js';
export type { RevocationWatcher, SessionRevocation, SessionRotation, SessionStore, StoredSession } from './stores/session.store.js';
export type { CounterState, RateLimitStore } from './stores/rate-limit.store.js';
export type { DeliveredMfaMethod, MfaStore, MfaUserState, StoredOneTimeCode, StoredTrustedDevice } from './stores/mfa.store.js';
export { MFA_STORE, RATE_LIMIT_STORE, SESSION_STORE, USER_STORE } from './stores/store.tokens.js';
export { MemoryMfaStore } from './stores/memory/memory-mfa.store.js';
export { SplitMfaStore } from './stores/split-mfa.store.js';
export { MemoryUserStore } from './stores/memory/memory-user.store.js';
export { MemorySessionStore } from './stores/memory/memory-session.store.js';
export { MemoryRateLimitStore } from './stores/memory/memory-rate-limit.store.js';

// MFA code senders
export { EMAIL_SENDER, SMS_SENDER, type EmailSender, type MfaCodeMessage, type SmsSender } from './mfa/mfa-senders.js';

// Password hashing
export { PASSWORD_HASHER, type PasswordHasher } from './crypto/password-hasher.js';
export { Argon2idPasswordHasher, type Argon2idParams, type Argon2idThreadOptions } from './crypto/argon2id-password.hasher.js';

// Time (override AUTH_CLOCK in tests)
export { AUTH_CLOCK, type Clock } from './util/clock.js';
