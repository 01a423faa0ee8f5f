import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { buildLibrary, declaredExports, ENTRIES, moduleClosure, ROOT, runtimeExports, type EntryName } from '../fixtures/built-package.js';

/**
 * The public surface of the BUILT package, entry by entry (package.json `exports`): each name is a
 * semver promise, so adding or removing one shows up here.
 *
 * To update a snapshot after a deliberate change: run this file and copy the names the failure
 * prints (sorted by name; `type Name` for an interface or a type alias). A removal also needs a
 * CHANGELOG line.
 */
const SNAPSHOT: Record<EntryName, string[]> = {
  'nest-gatekeeper': [
    'ACCOUNT_MESSAGE_PURPOSES',
    'ACCOUNT_TOKEN_PURPOSES',
    'ACCOUNT_TOKEN_STORE',
    'ACTIVITY_MAX_PAGE',
    'ACTIVITY_STORE',
    'AUTH_CLOCK',
    'AUTH_EVENT_TYPES',
    'AUTH_OPTIONS',
    'AccessTokenGuard',
    'type AccessTokenType',
    'type AccountDeletionOptions',
    'type AccountEmailsOptions',
    'type AccountIdentifier',
    'type AccountLinksOptions',
    'type AccountMessage',
    'type AccountMessagePurpose',
    'type AccountMessageTemplate',
    'type AccountMessageVariables',
    'AccountService',
    'type AccountTokenPurpose',
    'type AccountTokenStore',
    'type ActivityCursor',
    'ActivityFeed',
    'type ActivityOptions',
    'type ActivityPage',
    'type ActivityStore',
    'type ActivityView',
    'ApiProblemResponses',
    'type Argon2idParams',
    'Argon2idPasswordHasher',
    'type Argon2idThreadOptions',
    'type AttemptLimit',
    'AuthConfigError',
    'type AuthErrorCode',
    'AuthErrorCodes',
    'type AuthEvent',
    'type AuthEventBase',
    'type AuthEventDetails',
    'type AuthEventInit',
    'type AuthEventOf',
    'type AuthEventSink',
    'type AuthEventSinkStats',
    'type AuthEventType',
    'AuthEvents',
    'type AuthEventsStats',
    'AuthException',
    'type AuthExceptionOptions',
    'type AuthMessage',
    'AuthModule',
    'type AuthModuleAsyncOptions',
    'type AuthModuleExtras',
    'type AuthModuleForRootOptions',
    'type AuthModuleOptions',
    'type AuthPrincipal',
    'type AuthRouteName',
    'AuthService',
    'type AuthUser',
    'BREACHED_PASSWORD_CHECKER',
    'type BreachedPasswordChecker',
    'type BuiltInMfaMethod',
    'ClientContext',
    'type Clock',
    'type CookieOptions',
    'type CounterState',
    'CurrentUser',
    'DEFAULT_ACTIVITY_TYPES',
    'DELIVERED_MFA_METHODS',
    'type DeliveredMfaMethod',
    'DuplicateUserError',
    'type Duration',
    'EMAIL_SENDER',
    'type EmailSender',
    'type EmailVerificationOptions',
    'type EventContext',
    'type EventsOptions',
    'type FieldError',
    'type GitHubUrls',
    'HibpBreachedPasswordChecker',
    'type HibpBreachedPasswordCheckerOptions',
    'IDENTITY_STORE',
    'type IdentityStore',
    'type IdentityView',
    'InjectAccountTokenStore',
    'InjectActivityStore',
    'InjectAuthOptions',
    'InjectBreachedPasswordChecker',
    'InjectEmailSender',
    'InjectIdentityStore',
    'InjectMfaChallengeStore',
    'InjectMfaEnrolmentStore',
    'InjectPasskeyStore',
    'InjectPasswordHasher',
    'InjectRateLimitStore',
    'InjectSessionStore',
    'InjectSmsSender',
    'InjectUserStore',
    'type IssuedTokens',
    'type JsonObject',
    'type JsonValue',
    'type JwtAlgorithm',
    'type JwtKeyInfo',
    'type JwtKeyOptions',
    'JwtKeyRing',
    'type JwtKeyStatus',
    'type JwtOptions',
    'type KeyProvider',
    'type KeyReloadResult',
    'type LegacyHashScheme',
    'LiveSession',
    'LoggerEventSink',
    'type LoginCodeOptions',
    'type LoginInput',
    'type LoginOutcome',
    'MFA_CHALLENGE_STORE',
    'MFA_ENROLMENT_STORE',
    'MFA_METHODS',
    'MemoryAccountTokenStore',
    'MemoryActivityStore',
    'type MemoryActivityStoreOptions',
    'MemoryIdentityStore',
    'MemoryMfaStore',
    'MemoryPasskeyStore',
    'MemoryRateLimitStore',
    'MemorySessionStore',
    'MemoryUserStore',
    'type MfaChallengeStore',
    'type MfaCodeMessage',
    'type MfaCodeSent',
    'MfaEnrolmentService',
    'type MfaEnrolmentStore',
    'type MfaFactor',
    'type MfaLoginResult',
    'type MfaMethod',
    'type MfaOptions',
    'type MfaSendContext',
    'type MfaSender',
    'type MfaSendersOptions',
    'type MfaStore',
    'type MfaUserState',
    'type MfaVerifyContext',
    'type MfaVerifyMethod',
    'type NewUser',
    'type OAuth2ProviderOptions',
    'type OAuthCallbackOutcome',
    'type OAuthClientCredentials',
    'type OAuthCookie',
    'type OAuthOptions',
    'type OAuthProfile',
    'type OAuthProviderOptions',
    'OAuthService',
    'type OAuthStart',
    'type OidcProviderOptions',
    'PASSKEY_METHOD',
    'PASSKEY_STORE',
    'PASSWORD_HASHER',
    'type PasskeyOptions',
    'PasskeyService',
    'type PasskeyStore',
    'type PasskeyTransport',
    'type PasskeyView',
    'type PasswordHasher',
    'type PasswordHashingOptions',
    'type PasswordPolicyOptions',
    'type PasswordResetOptions',
    'type PendingMfaBody',
    'type ProblemDetails',
    'ProblemDetailsFilter',
    'type ProviderOption',
    'Public',
    'type PublicUser',
    'RATE_LIMIT_STORE',
    'RECOVERY_METHOD',
    'type RateLimitOptions',
    'type RateLimitStore',
    'Reauthentication',
    'type ReauthenticationProof',
    'type RefreshTokenOptions',
    'type RegisterInput',
    'type RegistrationOptions',
    'type ResetPasswordInput',
    'type ResolvedAuthOptions',
    'type ResolvedJwtKey',
    'type ResponsesOptions',
    'type RevocationWatcher',
    'Roles',
    'RolesGuard',
    'type RoutesOptions',
    'SESSION_STORE',
    'SMS_SENDER',
    'type SessionContext',
    'type SessionRevocation',
    'type SessionRotation',
    'type SessionStore',
    'type SessionView',
    'SkipLiveSession',
    'StoreUnavailableError',
    'type StoredAccountToken',
    'type StoredActivity',
    'type StoredIdentity',
    'type StoredOneTimeCode',
    'type StoredPasskey',
    'type StoredSession',
    'type StoredTrustedDevice',
    'type TokenBodyContext',
    'type TokenGrant',
    'type TokenResponseRoute',
    'TrustedDeviceService',
    'type TrustedDeviceView',
    'USER_STORE',
    'type UserStore',
    'VerifiedEmail',
    'type VerifyMfaInput',
    'oauthProviders',
  ],
  'nest-gatekeeper/redis': [
    'RedisAccountTokenStore',
    'type RedisAccountTokenStoreOptions',
    'RedisActivityStore',
    'type RedisActivityStoreOptions',
    'RedisMfaStore',
    'type RedisMfaStoreOptions',
    'RedisRateLimitStore',
    'type RedisRateLimitStoreOptions',
    'RedisSessionStore',
    'type RedisSessionStoreOptions',
    'type RedisStoreOptions',
    'redisClientOptions',
  ],
  'nest-gatekeeper/resource-server': [
    'AUTH_CLOCK',
    'AccessTokenGuard',
    'AuthConfigError',
    'type AuthErrorCode',
    'AuthErrorCodes',
    'AuthException',
    'type AuthExceptionOptions',
    'type AuthPrincipal',
    'type Clock',
    'CurrentUser',
    'type Duration',
    'type FieldError',
    'type ProblemDetails',
    'Public',
    'type ResourceServerAlgorithm',
    'type ResourceServerAsyncOptions',
    'type ResourceServerForRootOptions',
    'ResourceServerGuard',
    'type ResourceServerJwksOptions',
    'ResourceServerModule',
    'type ResourceServerModuleExtras',
    'type ResourceServerOptions',
    'ResourceServerTokenService',
    'Roles',
    'RolesGuard',
    'VerifiedEmail',
  ],
  'nest-gatekeeper/testing': [
    'type AccountTokenStoreFactory',
    'type ActivityStoreFactory',
    'CONTRACT_TEST_TIMEOUT_MS',
    'type ContractExpectation',
    'type ContractMatchers',
    'type IdentityStoreFactory',
    'type MfaChallengeStoreFactory',
    'type MfaEnrolmentStoreFactory',
    'type MfaStoreFactory',
    'type PasskeyStoreFactory',
    'type RateLimitStoreFactory',
    'type SessionStoreFactory',
    'type StoreFixture',
    'type UserStoreContractOptions',
    'type UserStoreFactory',
    'runAccountTokenStoreContract',
    'runActivityStoreContract',
    'runIdentityStoreContract',
    'runMfaChallengeStoreContract',
    'runMfaEnrolmentStoreContract',
    'runMfaStoreContract',
    'runPasskeyStoreContract',
    'runRateLimitStoreContract',
    'runSessionStoreContract',
    'runUserStoreContract',
  ],
  'nest-gatekeeper/typeorm': [
    'type AuthAccountTokenRow',
    'type AuthAuditLogRow',
    'type AuthEntities',
    'type AuthEntitiesOptions',
    'type AuthIdentityRow',
    'type AuthMfaCodeRow',
    'type AuthMfaFinishedPendingRow',
    'type AuthMfaRecoveryCodeRow',
    'type AuthMfaRow',
    'type AuthMigrationClass',
    'type AuthMigrationsOptions',
    'type AuthPasskeyRow',
    'type AuthRateLimitRow',
    'type AuthRefreshHistoryRow',
    'type AuthSessionRow',
    'type AuthTrustedDeviceRow',
    'type AuthUserRow',
    'type RateLimitEntityOptions',
    'type RunAuthMigrationsOptions',
    'TypeOrmAccountTokenStore',
    'TypeOrmActivityStore',
    'type TypeOrmActivityStoreOptions',
    'TypeOrmIdentityStore',
    'TypeOrmMfaStore',
    'TypeOrmPasskeyStore',
    'TypeOrmRateLimitStore',
    'TypeOrmSessionStore',
    'TypeOrmUserStore',
    'authEntities',
    'createAuthEntities',
    'createAuthMigrations',
    'createRateLimitEntity',
    'rateLimitEntity',
    'runAuthMigrations',
    'withTypeOrmStoreErrors',
  ],
};

/** What the root's declarations may import: an app that uses the root has all of these. */
const ROOT_TYPE_IMPORTS = [/^@nestjs\//, /^class-validator$/, /^class-transformer$/, /^rxjs$/, /^reflect-metadata$/, /^node:/];
/** The root's declarations may also name the types of the WebAuthn library (a dependency, not a peer: installed with the package). */
const ROOT_DECLARATION_IMPORTS = [...ROOT_TYPE_IMPORTS, /^@simplewebauthn\/server$/];
/** What the root's JavaScript may load: the same, plus the package's own dependencies. */
const ROOT_RUNTIME_IMPORTS = [
  ...ROOT_TYPE_IMPORTS,
  /^@node-rs\/argon2$/,
  /^@simplewebauthn\/server$/,
  /^bcryptjs$/,
  /^cookie$/,
  /^fast-jwt$/,
  /^jose$/,
  /^openid-client$/,
  /^otpauth$/,
];
/** What the resource server's JavaScript may load: the peers it shares with the app, and fast-jwt. */
const RESOURCE_SERVER_RUNTIME_IMPORTS = [...ROOT_TYPE_IMPORTS, /^fast-jwt$/];

/** The bare imports of an entry's closure that match none of `allowed`, as `file: specifier`. */
function foreignImports(entry: EntryName, kind: '.d.ts' | '.js', allowed: RegExp[]): string[] {
  const found: string[] = [];
  for (const [file, specifiers] of moduleClosure(entry, kind)) {
    for (const specifier of specifiers) {
      if (!allowed.some((pattern) => pattern.test(specifier))) found.push(`${relative(ROOT, file)}: ${specifier}`);
    }
  }
  return found;
}

const entries = Object.keys(ENTRIES) as EntryName[];

beforeAll(() => buildLibrary(), 300_000);

describe('the export names of each entry (snapshot of the built .d.ts)', () => {
  let declared: Record<EntryName, string[]>;
  beforeAll(() => {
    declared = declaredExports();
  }, 120_000);

  it.each(entries)('%s', (entry) => {
    expect(declared[entry]).toEqual(SNAPSHOT[entry]);
  });

  // A fresh process also shows that each entry imports outside a test runner (the testing entry
  // looks the runner's globals up only when a suite is called).
  it.each(entries)('%s: a fresh Node process gets exactly the declared values', (entry) => {
    expect(runtimeExports(entry)).toEqual(declared[entry].filter((name) => !name.startsWith('type ')).sort());
  });
});

describe('the root entry leaves the optional peers out', () => {
  it('its .d.ts closure imports only @nestjs/*, class-validator, class-transformer, rxjs, reflect-metadata, node:* and @simplewebauthn/server (a dependency)', () => {
    expect(moduleClosure('nest-gatekeeper').size).toBeGreaterThan(20);
    expect(foreignImports('nest-gatekeeper', '.d.ts', ROOT_DECLARATION_IMPORTS)).toEqual([]);
  });

  it('its JavaScript loads those and its own dependencies only (no typeorm, no ioredis)', () => {
    expect(foreignImports('nest-gatekeeper', '.js', ROOT_RUNTIME_IMPORTS)).toEqual([]);
  });

  it('the check sees bare imports: the typeorm entry declares typeorm types, the redis entry ioredis ones', () => {
    expect(foreignImports('nest-gatekeeper/typeorm', '.d.ts', ROOT_TYPE_IMPORTS)).toContainEqual(expect.stringMatching(/: typeorm$/));
    expect(foreignImports('nest-gatekeeper/redis', '.d.ts', ROOT_TYPE_IMPORTS)).toContainEqual(expect.stringMatching(/: ioredis$/));
  });

  it('names Node builtins with the node: prefix', () => {
    const builtins = new Set(builtinModules);
    const unprefixed = [...moduleClosure('nest-gatekeeper', '.d.ts'), ...moduleClosure('nest-gatekeeper', '.js')].flatMap(
      ([file, specifiers]) =>
        specifiers.filter((specifier) => builtins.has(specifier)).map((specifier) => `${relative(ROOT, file)}: ${specifier}`),
    );
    expect(unprefixed).toEqual([]);
  });
});

describe('the resource-server entry loads no store, no hasher, no issuer code', () => {
  const entry = 'nest-gatekeeper/resource-server';

  it('its .d.ts closure imports only @nestjs/*, class-validator, class-transformer, rxjs, reflect-metadata and node:*', () => {
    expect(foreignImports(entry, '.d.ts', ROOT_TYPE_IMPORTS)).toEqual([]);
  });

  it('its JavaScript loads those and fast-jwt only (no argon2, cookie, otpauth, typeorm, ioredis)', () => {
    expect(moduleClosure(entry, '.js').size).toBeGreaterThan(5);
    expect(foreignImports(entry, '.js', RESOURCE_SERVER_RUNTIME_IMPORTS)).toEqual([]);
  });

  it('none of its files is a store, a hasher, a session, MFA, account or controller file, or the issuer module', () => {
    const files = [...moduleClosure(entry, '.js').keys()].map((file) => relative(join(ROOT, 'dist'), file));
    const issuerOnly = files.filter((file) =>
      /^(stores|sessions|mfa|account|controllers|rate-limit|users|dto|swagger)\/|^crypto\/(?!password-hashing-busy)|^auth\.(module|service)\.js$/.test(
        file,
      ),
    );
    expect(issuerOnly).toEqual([]);
  });
});
