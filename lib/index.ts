// The public API of nest-gatekeeper: named exports only.

export { AuthModule, type AuthModuleForRootOptions, type AuthModuleAsyncOptions } from './auth.module.js';
export {
  AuthService,
  type LoginInput,
  type LoginOutcome,
  type MfaLoginResult,
  type RegisterInput,
  type VerifyMfaInput,
} from './auth.service.js';
export { AUTH_OPTIONS, AUTH_ROUTES } from './auth.constants.js';
export { AUTH_SECURITY_SCHEMES, setupAuthSwagger } from './swagger/auth-swagger.js';

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
export type { ResolvedAuthOptions, ResolvedAuthRoutes } from './options/resolved-auth-options.js';
export { resolveAuthOptions, resolveAuthRoutes } from './options/resolve-options.js';

export { AccessTokenGuard } from './guards/access-token.guard.js';
export { RolesGuard } from './guards/roles.guard.js';
export { Public } from './decorators/public.decorator.js';
export { Roles } from './decorators/roles.decorator.js';
export { CurrentUser } from './decorators/current-user.decorator.js';
export { LiveSession, SkipLiveSession } from './decorators/live-session.decorator.js';
export { ClientContext } from './decorators/client-context.decorator.js';
export { ApiProblemResponses } from './decorators/api-problem-responses.decorator.js';
export { InjectAuthClock, InjectAuthOptions, InjectPasswordHasher, InjectTokenTransport } from './decorators/inject.decorators.js';

export { AuthController } from './controllers/auth.controller.js';
export { SessionsController } from './controllers/sessions.controller.js';
export { TokenController, type OAuthTokenResponse } from './controllers/token.controller.js';
export { OAuthProblemFilter } from './errors/oauth-problem.filter.js';
export { FormBody, type FormFields } from './decorators/form-body.decorator.js';
export { PasswordController } from './controllers/password.controller.js';
export { MfaController } from './controllers/mfa.controller.js';
export { MfaService, type MfaChallenge, type MfaSendResult, type PendingMfaBody, type VerifiedMfa } from './mfa/mfa.service.js';
export { MfaEnrolmentService } from './mfa/mfa-enrolment.service.js';
export { TrustedDeviceService, type TrustedDeviceView } from './mfa/trusted-device.service.js';
export { DELIVERED_MFA_METHODS, MFA_METHODS, RECOVERY_METHOD, type BuiltInMfaMethod, type MfaVerifyMethod } from './mfa/mfa-methods.js';
export type { MfaCodeSent, MfaFactor, MfaSendContext, MfaVerifyContext } from './mfa/factors/mfa-factor.js';
export { EMAIL_SENDER, SMS_SENDER, type MfaCodeMessage, type MfaSender } from './mfa/mfa-sender.js';
export { MfaTokenService, MFA_TOKEN_TYPE, type PendingMfaLogin } from './tokens/mfa-token.service.js';
export {
  ChangePasswordDto,
  LoginDto,
  LogoutDto,
  MfaDisableDto,
  MfaSendDto,
  MfaVerifyDto,
  RefreshDto,
  RegisterDto,
  TokenRequestDto,
  TotpEnableDto,
} from './dto/auth-requests.dto.js';
export {
  FieldErrorDto,
  MessageResponseDto,
  ProblemDto,
  PublicUserDto,
  RegisterResponseDto,
  MfaSendResponseDto,
  RecoveryCodesResponseDto,
  SessionDto,
  TokenResponseDto,
  TotpSetupResponseDto,
  TrustedDeviceDto,
} from './dto/auth-responses.dto.js';

export { AuthErrorCodes, type AuthErrorCode } from './errors/error-codes.js';
export { AuthException, type AuthExceptionOptions } from './errors/auth.exception.js';
export { AuthConfigError } from './errors/auth-config.error.js';
export { DuplicateUserError, StoreUnavailableError } from './errors/store.errors.js';
export { ProblemDetailsFilter, renderProblem } from './errors/problem-details.filter.js';
export type { FieldError, ProblemDetails } from './errors/problem-details.js';

export {
  USER_STORE,
  InjectUserStore,
  type AuthUser,
  type JsonValue,
  type MfaMethod,
  type NewUser,
  type UserStore,
} from './stores/user.store.js';
export {
  SESSION_STORE,
  InjectSessionStore,
  type RevocationWatcher,
  type SessionRevocation,
  type SessionRotation,
  type SessionStore,
  type StoredSession,
} from './stores/session.store.js';
export { RATE_LIMIT_STORE, InjectRateLimitStore, type CounterState, type RateLimitStore } from './stores/rate-limit.store.js';
export {
  MFA_ENROLMENT_STORE,
  InjectMfaEnrolmentStore,
  type MfaEnrolmentStore,
  type MfaUserState,
} from './stores/mfa-enrolment.store.js';
export {
  MFA_CHALLENGE_STORE,
  InjectMfaChallengeStore,
  type DeliveredMfaMethod,
  type MfaChallengeStore,
  type StoredOneTimeCode,
  type StoredTrustedDevice,
} from './stores/mfa-challenge.store.js';
export type { MfaStore } from './stores/mfa.store.js';
export { MemoryMfaStore } from './stores/memory/memory-mfa.store.js';
export { MemoryUserStore } from './stores/memory/memory-user.store.js';
export { MemorySessionStore } from './stores/memory/memory-session.store.js';
export { MemoryRateLimitStore } from './stores/memory/memory-rate-limit.store.js';

export { PASSWORD_HASHER, type PasswordHasher } from './crypto/password-hasher.js';
export { Argon2idPasswordHasher, type Argon2idParams, type Argon2idThreadOptions } from './crypto/argon2id-password.hasher.js';
export {
  BoundedPasswordHasher,
  HashPermit,
  PasswordHashingBusyError,
  type PasswordHashingLimits,
} from './crypto/bounded-password-hasher.js';

export { AccessTokenService, ACCESS_TOKEN_TYPE, type AccessTokenSubject, type SignedAccessToken } from './tokens/access-token.service.js';
export type { AuthPrincipal } from './tokens/access-token.claims.js';
export { SessionService, type SessionContext, type SessionView } from './sessions/session.service.js';
export { LoginRateLimiter } from './rate-limit/login-rate-limiter.js';
export { SessionJanitor } from './sessions/session.janitor.js';
export { RevocationFeed } from './sessions/revocation-feed.js';

export {
  TOKEN_TRANSPORT,
  type IssuedTokens,
  type TokenGrant,
  type TokenResponseBody,
  type TokenTransport,
} from './transport/token-transport.js';
export { HeaderTokenTransport } from './transport/header.transport.js';
export type { AuthRequest, AuthResponse } from './transport/http.types.js';
export { toPublicUser, type PublicUser } from './users/public-user.js';
export { AUTH_CLOCK, systemClock, type Clock } from './util/clock.js';
export * from './stores/typeorm/index.js';
/**
 * Runs `work`, rethrowing a TypeORM/driver connection failure as {@link StoreUnavailableError}
 * (answered 503 `STORE_UNAVAILABLE`); other errors pass through. For your own TypeORM-based stores.
 */
export { withStoreErrors as withTypeOrmStoreErrors } from './stores/typeorm/typeorm-error.mapper.js';
