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
export type { PendingMfaBody } from './mfa/mfa.service.js';
export { MfaEnrolmentService } from './mfa/mfa-enrolment.service.js';
export { AccountService, type AccountIdentifier, type ResetPasswordInput } from './account/account.service.js';
export { ACCOUNT_MESSAGE_PURPOSES, type AccountMessage, type AccountMessagePurpose } from './account/account-messages.js';
export { TrustedDeviceService, type TrustedDeviceView } from './mfa/trusted-device.service.js';

// Options
export { AUTH_OPTIONS } from './auth.constants.js';
export type { ResolvedAuthOptions, ResolvedJwtKey } from './options/resolved-auth-options.js';
export type {
  AccessTokenType,
  AccountDeletionOptions,
  AccountEmailsOptions,
  AccountLinksOptions,
  AccountMessageTemplate,
  AccountMessageVariables,
  ActivityOptions,
  AttemptLimit,
  EventsOptions,
  EmailVerificationOptions,
  LoginCodeOptions,
  OAuthOptions,
  PasskeyOptions,
  PasswordResetOptions,
  AuthModuleExtras,
  AuthModuleOptions,
  AuthRouteName,
  CookieOptions,
  Duration,
  JwtAlgorithm,
  JsonObject,
  JwtKeyOptions,
  JwtKeyStatus,
  JwtOptions,
  KeyProvider,
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

// Signing keys in use (reload from a KeyProvider, inspect the schedule)
export { JwtKeyRing, type JwtKeyInfo, type KeyReloadResult } from './tokens/jwt-key-ring.js';

// Guards and decorators
export { AccessTokenGuard } from './guards/access-token.guard.js';
export { RolesGuard } from './guards/roles.guard.js';
export type { AuthPrincipal } from './tokens/access-token.claims.js';
export { Public } from './decorators/public.decorator.js';
export { Roles } from './decorators/roles.decorator.js';
export { CurrentUser } from './decorators/current-user.decorator.js';
export { ApiProblemResponses } from './decorators/api-problem-responses.decorator.js';
export { LiveSession, SkipLiveSession } from './decorators/live-session.decorator.js';
export { VerifiedEmail } from './decorators/verified-email.decorator.js';
export { ClientContext } from './decorators/client-context.decorator.js';
export { InjectAuthOptions, InjectPasswordHasher } from './decorators/inject.decorators.js';

// Errors
export { AuthErrorCodes, type AuthErrorCode } from './errors/error-codes.js';
export { AuthException, type AuthExceptionOptions } from './errors/auth.exception.js';
export { AuthConfigError } from './errors/auth-config.error.js';
export { DuplicateUserError, StoreUnavailableError } from './errors/store.errors.js';
export { ProblemDetailsFilter } from './errors/problem-details.filter.js';
export type { FieldError, ProblemDetails } from './errors/problem-details.js';

// Stores: the contracts, their tokens and the memory stores
export { USER_STORE, InjectUserStore, type AuthUser, type JsonValue, type NewUser, type UserStore } from './stores/user.store.js';
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
export { MFA_ENROLMENT_STORE, InjectMfaEnrolmentStore, type MfaEnrolmentStore, type MfaUserState } from './stores/mfa-enrolment.store.js';
export {
  MFA_CHALLENGE_STORE,
  InjectMfaChallengeStore,
  type MfaChallengeStore,
  type StoredOneTimeCode,
  type StoredTrustedDevice,
} from './stores/mfa-challenge.store.js';
export type { MfaStore } from './stores/mfa.store.js';
export {
  ACCOUNT_TOKEN_PURPOSES,
  ACCOUNT_TOKEN_STORE,
  InjectAccountTokenStore,
  type AccountTokenPurpose,
  type AccountTokenStore,
  type StoredAccountToken,
} from './stores/account-token.store.js';
export { MemoryAccountTokenStore } from './stores/memory/memory-account-token.store.js';
export { MemoryMfaStore } from './stores/memory/memory-mfa.store.js';
export { MemoryUserStore } from './stores/memory/memory-user.store.js';
export { MemorySessionStore } from './stores/memory/memory-session.store.js';
export { MemoryRateLimitStore } from './stores/memory/memory-rate-limit.store.js';

// MFA: the method list, the factor contract (mfa.factors) and the code senders
export {
  DELIVERED_MFA_METHODS,
  MFA_METHODS,
  RECOVERY_METHOD,
  type BuiltInMfaMethod,
  type DeliveredMfaMethod,
  type MfaMethod,
  type MfaVerifyMethod,
} from './mfa/mfa-methods.js';
export type { MfaCodeSent, MfaFactor, MfaSendContext, MfaVerifyContext } from './mfa/factors/mfa-factor.js';
export {
  EMAIL_SENDER,
  InjectEmailSender,
  InjectSmsSender,
  SMS_SENDER,
  type AuthMessage,
  type EmailSender,
  type MfaCodeMessage,
  type MfaSender,
} from './mfa/mfa-sender.js';

// Security events and the activity feed (docs/events.md)
export {
  ACTIVITY_MAX_PAGE,
  AUTH_EVENT_TYPES,
  DEFAULT_ACTIVITY_TYPES,
  type AuthEvent,
  type AuthEventBase,
  type AuthEventDetails,
  type AuthEventOf,
  type AuthEventType,
} from './events/auth-event.js';
export type { AuthEventSink } from './events/auth-event.sink.js';
export { AuthEvents, type AuthEventInit, type AuthEventsStats, type EventContext } from './events/auth-events.js';
export type { AuthEventSinkStats } from './events/event-channel.js';
export { LoggerEventSink } from './events/logger-event.sink.js';
export { ActivityFeed, type ActivityPage, type ActivityView } from './events/activity-feed.js';
export {
  ACTIVITY_STORE,
  InjectActivityStore,
  type ActivityCursor,
  type ActivityStore,
  type StoredActivity,
} from './stores/activity.store.js';
export { MemoryActivityStore, type MemoryActivityStoreOptions } from './stores/memory/memory-activity.store.js';

// Password hashing
export { PASSWORD_HASHER, type PasswordHasher } from './crypto/password-hasher.js';
export { Argon2idPasswordHasher, type Argon2idParams, type Argon2idThreadOptions } from './crypto/argon2id-password.hasher.js';
export type { LegacyHashScheme } from './crypto/legacy-hashes.js';
export {
  BREACHED_PASSWORD_CHECKER,
  HibpBreachedPasswordChecker,
  InjectBreachedPasswordChecker,
  type BreachedPasswordChecker,
  type HibpBreachedPasswordCheckerOptions,
} from './users/breached-passwords.js';

// Time (override AUTH_CLOCK in tests)
export { AUTH_CLOCK, type Clock } from './util/clock.js';

// Passkeys (docs/passkeys.md)
export { PASSKEY_METHOD, PasskeyService, type PasskeyView } from './passkeys/passkey.service.js';
export { PASSKEY_STORE, InjectPasskeyStore, type PasskeyStore, type PasskeyTransport, type StoredPasskey } from './stores/passkey.store.js';
export { MemoryPasskeyStore } from './stores/memory/memory-passkey.store.js';

// Social and enterprise sign-in (docs/social-login.md)
export {
  oauthProviders,
  type GitHubUrls,
  type OAuth2ProviderOptions,
  type OAuthClientCredentials,
  type OAuthProfile,
  type OAuthProviderOptions,
  type OidcProviderOptions,
} from './oauth/oauth-provider.js';
export { OAuthService, type IdentityView, type OAuthCallbackOutcome, type OAuthCookie, type OAuthStart } from './oauth/oauth.service.js';
export { Reauthentication, type ReauthenticationProof } from './users/reauthentication.js';
export { IDENTITY_STORE, InjectIdentityStore, type IdentityStore, type StoredIdentity } from './stores/identity.store.js';
export { MemoryIdentityStore } from './stores/memory/memory-identity.store.js';
