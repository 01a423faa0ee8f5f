import {
  ConfigurableModuleBuilder,
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type Provider,
  type Type,
} from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { APP_FILTER, APP_GUARD, ApplicationConfig, ModuleRef } from '@nestjs/core';
import { AUTH_OPTIONS, AUTH_RAW_OPTIONS, AUTH_ROUTES } from './auth.constants.js';
import { assertBreachedPasswordChecker, BREACHED_PASSWORD_CHECKER, type BreachedPasswordChecker } from './users/breached-passwords.js';
import { AuthService } from './auth.service.js';
import { AuthController } from './controllers/auth.controller.js';
import { AccountController } from './controllers/account.controller.js';
import { ActivityController } from './controllers/activity.controller.js';
import { ActivityFeed } from './events/activity-feed.js';
import { AuthEvents } from './events/auth-events.js';
import { EventSinksSetup } from './events/event-sinks.setup.js';
import { AuthTelemetry } from './telemetry/auth-telemetry.js';
import { MemoryActivityStore } from './stores/memory/memory-activity.store.js';
import { ACTIVITY_STORE, assertActivityStore, type ActivityStore } from './stores/activity.store.js';
import { routeSwitchesProvider, type RouteCondition } from './controllers/route-switches.js';
import { mountController } from './controllers/mount-controller.js';
import { MfaController } from './controllers/mfa.controller.js';
import { PasswordController } from './controllers/password.controller.js';
import { TokenController } from './controllers/token.controller.js';
import { SessionsController } from './controllers/sessions.controller.js';
import { WellKnownController } from './controllers/well-known.controller.js';
import { hasPublicKeys } from './tokens/jwks.js';
import { Argon2idPasswordHasher } from './crypto/argon2id-password.hasher.js';
import { BoundedPasswordHasher } from './crypto/bounded-password-hasher.js';
import { assertPasswordHasher, PASSWORD_HASHER, type PasswordHasher } from './crypto/password-hasher.js';
import { PasswordHasherShutdown } from './crypto/password-hasher.shutdown.js';
import { AuthRoutesProblemFilter } from './errors/auth-routes-problem.filter.js';
import { AuthConfigError } from './errors/auth-config.error.js';
import { AccessTokenGuard } from './guards/access-token.guard.js';
import { RolesGuard } from './guards/roles.guard.js';
import type { AuthModuleExtras, AuthModuleOptions } from './options/auth-module-options.interface.js';
import { AUTH_EXTRAS_DEFAULTS } from './options/defaults.js';
import { resolveAuthOptions, resolveAuthRoutes } from './options/resolve-options.js';
import { instantiateProvider, resolveProvider } from './options/resolve-provider.js';
import type { ResolvedAuthOptions, ResolvedAuthRoutes } from './options/resolved-auth-options.js';
import { RecoveryCodeFactor } from './mfa/factors/recovery-code.factor.js';
import { TotpFactor } from './mfa/factors/totp.factor.js';
import { PasskeyController } from './controllers/passkey.controller.js';
import { OAuthController } from './controllers/oauth.controller.js';
import { OAuthClient } from './oauth/oauth-client.js';
import { OAuthService } from './oauth/oauth.service.js';
import { MemoryIdentityStore } from './stores/memory/memory-identity.store.js';
import { assertIdentityStore, IDENTITY_STORE, type IdentityStore } from './stores/identity.store.js';
import { PasskeyFactor } from './mfa/factors/passkey.factor.js';
import { PasskeyService } from './passkeys/passkey.service.js';
import { PasskeyVerifier } from './passkeys/passkey-verifier.js';
import { MemoryPasskeyStore } from './stores/memory/memory-passkey.store.js';
import { assertPasskeyStore, PASSKEY_STORE, type PasskeyStore } from './stores/passkey.store.js';
import { MfaFactorRegistry, mfaFactorRegistryProvider } from './mfa/mfa-factor.registry.js';
import { MfaEnrolmentService } from './mfa/mfa-enrolment.service.js';
import { assertMfaSender, EMAIL_SENDER, SMS_SENDER, type MfaSender } from './mfa/mfa-sender.js';
import { MfaService } from './mfa/mfa.service.js';
import { TrustedDeviceService } from './mfa/trusted-device.service.js';
import { LoginRateLimiter } from './rate-limit/login-rate-limiter.js';
import { RevocationFeed } from './sessions/revocation-feed.js';
import { SessionJanitor } from './sessions/session.janitor.js';
import { SessionService } from './sessions/session.service.js';
import { MemoryMfaStore } from './stores/memory/memory-mfa.store.js';
import { MemoryAccountTokenStore } from './stores/memory/memory-account-token.store.js';
import { ACCOUNT_TOKEN_STORE, assertAccountTokenStore, type AccountTokenStore } from './stores/account-token.store.js';
import { AccountMailer } from './account/account-mailer.js';
import { AccountService } from './account/account.service.js';
import { PasswordChecks } from './users/password-checks.js';
import { Reauthentication } from './users/reauthentication.js';
import { SignInMethods } from './users/sign-in-methods.js';
import { MemoryRateLimitStore } from './stores/memory/memory-rate-limit.store.js';
import { MemorySessionStore } from './stores/memory/memory-session.store.js';
import { assertMfaChallengeStore, MFA_CHALLENGE_STORE, type MfaChallengeStore } from './stores/mfa-challenge.store.js';
import { assertMfaEnrolmentStore, MFA_ENROLMENT_STORE, type MfaEnrolmentStore } from './stores/mfa-enrolment.store.js';
import type { MfaStore } from './stores/mfa.store.js';
import { assertRateLimitStore, RATE_LIMIT_STORE, type RateLimitStore } from './stores/rate-limit.store.js';
import { assertSessionStore, SESSION_STORE, type SessionStore } from './stores/session.store.js';
import { storeProvider } from './stores/store-provider.js';
import { assertUserStore, USER_STORE, type UserStore } from './stores/user.store.js';
import { setupAuthSwagger } from './swagger/auth-swagger.js';
import { AccessTokenService } from './tokens/access-token.service.js';
import { assertKeyProvider, JwtKeyRing } from './tokens/jwt-key-ring.js';
import { MfaTokenService } from './tokens/mfa-token.service.js';
import { createTokenTransport } from './transport/create-token-transport.js';
import { TOKEN_TRANSPORT } from './transport/token-transport.js';
import { HttpPlatformRef } from './transport/http-platform.js';
import { AUTH_CLOCK, systemClock, type Clock } from './util/clock.js';

const builder = new ConfigurableModuleBuilder<AuthModuleOptions>({ moduleName: 'Auth' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthOptions')
  .setExtras<AuthModuleExtras>({ routes: {}, globalGuard: AUTH_EXTRAS_DEFAULTS.globalGuard }, (definition, extras) =>
    withShape(definition, resolveAuthRoutes(extras)),
  )
  .build();

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } = builder;

/** What `AuthModule.forRoot()` takes: the options plus the shape extras (`routes`, `globalGuard`). */
export type AuthModuleForRootOptions = typeof builder.OPTIONS_TYPE;
/** What `AuthModule.forRootAsync()` takes: `imports`, `inject`, `useFactory | useClass | useExisting`, plus the extras. */
export type AuthModuleAsyncOptions = typeof builder.ASYNC_OPTIONS_TYPE;

function controllersFor(routes: ResolvedAuthRoutes): { controllers: Type<unknown>[]; switches: Provider[] } {
  const guards = routes.globalGuard ? [] : [AccessTokenGuard, RolesGuard];
  const { paths, prefix } = routes;
  const controllers: Type<unknown>[] = [
    mountController(
      AuthController,
      prefix,
      { register: paths.register, login: paths.login, refresh: paths.refresh, me: paths.me, logout: paths.logout },
      guards,
    ),
  ];
  if (paths.token !== null) controllers.push(mountController(TokenController, prefix, { token: paths.token }, guards));
  if (paths.sessions !== null || paths.session !== null) {
    controllers.push(mountController(SessionsController, prefix, { list: paths.sessions, revoke: paths.session }, guards));
  }
  if (paths.passwordChange !== null) {
    controllers.push(mountController(PasswordController, prefix, { change: paths.passwordChange }, guards));
  }
  const mfaPaths = {
    send: paths.mfaSend,
    verify: paths.mfaVerify,
    setupTotp: paths.totpSetup,
    enableTotp: paths.totpEnable,
    disable: paths.mfaDisable,
    devices: paths.mfaDevices,
    revokeDevice: paths.mfaDevice,
  };
  // Mounted as the extras say; left out at start-up when MFA is off (see routeSwitchesProvider).
  const mfa = Object.values(mfaPaths).some((path) => path !== null) ? mountController(MfaController, prefix, mfaPaths, guards) : undefined;
  if (mfa !== undefined) controllers.push(mfa);
  const accountPaths = {
    forgot: paths.passwordForgot,
    reset: paths.passwordReset,
    verifyEmail: paths.emailVerify,
    resendVerification: paths.emailVerifyResend,
    changeEmail: paths.emailChange,
    deleteAccount: paths.accountDelete,
    sendLoginCode: paths.loginCodeSend,
    loginWithCode: paths.loginCode,
  };
  const account = Object.values(accountPaths).some((path) => path !== null)
    ? mountController(AccountController, prefix, accountPaths, guards)
    : undefined;
  if (account !== undefined) controllers.push(account);
  // Left out at start-up with `activityStore: false`.
  const activity = paths.activity === null ? undefined : mountController(ActivityController, prefix, { list: paths.activity }, guards);
  if (activity !== undefined) controllers.push(activity);
  // Mounted as the extras say; left out at start-up unless `passkeys.enabled`.
  const passkeyPaths = {
    registrationOptions: paths.passkeyRegisterOptions,
    register: paths.passkeyRegister,
    list: paths.passkeys,
    rename: paths.passkey,
    remove: paths.passkey,
    loginOptions: paths.passkeyLoginOptions,
    login: paths.passkeyLogin,
    mfaOptions: paths.passkeyMfaOptions,
    mfaVerify: paths.passkeyMfaVerify,
    enableSecondFactor: paths.passkeyMfaEnable,
  };
  const passkeys = Object.values(passkeyPaths).some((path) => path !== null)
    ? mountController(PasskeyController, prefix, passkeyPaths, guards)
    : undefined;
  if (passkeys !== undefined) controllers.push(passkeys);
  // Mounted as the extras say; left out at start-up without a provider in `oauth.providers`.
  const oauthPaths = {
    start: paths.oauthStart,
    callback: paths.oauthCallback,
    formCallback: paths.oauthCallback,
    exchange: paths.oauthExchange,
    idToken: paths.oauthToken,
    list: paths.identities,
    link: paths.identityLink,
    unlink: paths.identity,
  };
  const oauth = Object.values(oauthPaths).some((path) => path !== null)
    ? mountController(OAuthController, prefix, oauthPaths, guards)
    : undefined;
  if (oauth !== undefined) controllers.push(oauth);
  // At the app root, not under the prefix; left out at start-up without an asymmetric key.
  const wellKnown = mountController(
    WellKnownController,
    '',
    { jwks: paths.jwks, metadata: paths.jwks === null ? null : paths.authorizationServerMetadata },
    guards,
  );
  controllers.push(wellKnown);
  // With a keyProvider the set may gain an asymmetric key later: the routes exist, and answer 404 while it has none.
  const publishing: RouteCondition = (options) => options.jwt.keyProvider || hasPublicKeys(options.jwt.keys);
  const mfaOn: RouteCondition = (options) => options.mfa.enabled;
  const emailOn: RouteCondition = (options) => options.account.emailEnabled;
  const loginCodeOn: RouteCondition = (options) => options.account.loginCode.enabled;
  const passkeysOn: RouteCondition = (options) => options.passkeys.enabled;
  const oauthOn: RouteCondition = (options) => options.oauth.providers.length > 0;
  return {
    controllers,
    switches: [
      routeSwitchesProvider(wellKnown, {
        jwks: publishing,
        metadata: (options) => publishing(options) && options.jwt.publicUrl !== null,
      }),
      routeSwitchesProvider(mfa, Object.fromEntries(Object.keys(mfaPaths).map((name) => [name, mfaOn]))),
      routeSwitchesProvider(activity, { list: (options) => options.activity.enabled }),
      routeSwitchesProvider(passkeys, Object.fromEntries(Object.keys(passkeyPaths).map((name) => [name, passkeysOn]))),
      routeSwitchesProvider(oauth, Object.fromEntries(Object.keys(oauthPaths).map((name) => [name, oauthOn]))),
      routeSwitchesProvider(account, {
        forgot: emailOn,
        reset: emailOn,
        verifyEmail: emailOn,
        resendVerification: (options) => options.account.emailEnabled && options.account.emailVerification.enabled,
        changeEmail: emailOn,
        deleteAccount: () => true,
        sendLoginCode: loginCodeOn,
        loginWithCode: loginCodeOn,
      }),
    ],
  };
}

/** @internal the resolved `mfaStore` option (or the in-memory default): each MFA half unless overridden. */
const MFA_STORE_OPTION = Symbol('nest-gatekeeper:MfaStoreOption');

/** The stores and senders: one provider each, built by {@link storeProvider}. */
function pluggedProviders(): Provider[] {
  return [
    storeProvider<UserStore>(
      USER_STORE,
      (raw) => raw.userStore,
      () => {
        throw new AuthConfigError(['userStore: is required']);
      },
      'UserStore',
      assertUserStore,
    ),
    storeProvider<SessionStore>(
      SESSION_STORE,
      (raw) => raw.sessionStore,
      () => new MemorySessionStore(),
      'SessionStore',
      assertSessionStore,
    ),
    storeProvider<RateLimitStore>(
      RATE_LIMIT_STORE,
      (raw) => raw.rateLimitStore,
      () => new MemoryRateLimitStore(),
      'RateLimitStore',
      assertRateLimitStore,
    ),
    storeProvider<MfaStore>(
      MFA_STORE_OPTION,
      (raw) => raw.mfaStore,
      () => new MemoryMfaStore(),
      'MfaStore',
      (store) => {
        assertMfaEnrolmentStore(store, 'mfaStore');
        return assertMfaChallengeStore(store, 'mfaStore') as MfaStore;
      },
    ),
    storeProvider<MfaEnrolmentStore>(
      MFA_ENROLMENT_STORE,
      (raw) => raw.mfaEnrolmentStore,
      MFA_STORE_OPTION,
      'MfaEnrolmentStore',
      (store) => assertMfaEnrolmentStore(store),
    ),
    storeProvider<MfaChallengeStore>(
      MFA_CHALLENGE_STORE,
      (raw) => raw.mfaChallengeStore,
      MFA_STORE_OPTION,
      'MfaChallengeStore',
      (store) => assertMfaChallengeStore(store),
    ),
    storeProvider<AccountTokenStore>(
      ACCOUNT_TOKEN_STORE,
      (raw) => raw.accountTokenStore,
      () => new MemoryAccountTokenStore(),
      'AccountTokenStore',
      assertAccountTokenStore,
    ),
    storeProvider<ActivityStore | null>(
      ACTIVITY_STORE,
      (raw) => (raw.activityStore === false ? { useFactory: () => null } : raw.activityStore),
      () => new MemoryActivityStore(),
      'ActivityStore',
      (store) => (store === null ? null : assertActivityStore(store)),
    ),
    storeProvider<PasskeyStore>(
      PASSKEY_STORE,
      (raw) => raw.passkeyStore,
      () => new MemoryPasskeyStore(),
      'PasskeyStore',
      (store) => assertPasskeyStore(store, 'passkeyStore'),
    ),
    storeProvider<IdentityStore>(
      IDENTITY_STORE,
      (raw) => raw.identityStore,
      () => new MemoryIdentityStore(),
      'IdentityStore',
      (store) => assertIdentityStore(store, 'identityStore'),
    ),
    storeProvider<BreachedPasswordChecker | null>(
      BREACHED_PASSWORD_CHECKER,
      (raw) => (raw.password?.breachedPasswords === false ? undefined : raw.password?.breachedPasswords),
      () => null,
      null,
      (checker) => assertBreachedPasswordChecker(checker),
    ),
    storeProvider<MfaSender | undefined>(
      EMAIL_SENDER,
      (raw) => raw.emailSender ?? raw.mfa?.senders?.email,
      () => undefined,
      null,
      (sender, raw) => assertMfaSender(raw.emailSender == null ? 'mfa.senders.email' : 'emailSender')(sender),
    ),
    storeProvider<MfaSender | undefined>(
      SMS_SENDER,
      (raw) => raw.mfa?.senders?.sms,
      () => undefined,
      null,
      assertMfaSender('mfa.senders.sms'),
    ),
  ];
}

function withShape(definition: DynamicModule, routes: ResolvedAuthRoutes): DynamicModule {
  const { controllers, switches } = controllersFor(routes);
  const providers: Provider[] = [
    ...(definition.providers ?? []),
    ...switches,
    { provide: AUTH_ROUTES, useValue: routes },
    { provide: AUTH_RAW_OPTIONS, useExisting: MODULE_OPTIONS_TOKEN },
    { provide: AUTH_OPTIONS, useFactory: resolveAuthOptions, inject: [MODULE_OPTIONS_TOKEN] },
    { provide: AUTH_CLOCK, useValue: systemClock },
    ...pluggedProviders(),
    {
      // The configured hasher (argon2id by default), whoever wrote it, behind the hashing bound: the
      // module's own hashing and the app's calls through PASSWORD_HASHER share one budget.
      provide: BoundedPasswordHasher,
      useFactory: async (raw: AuthModuleOptions, moduleRef: ModuleRef, options: ResolvedAuthOptions) => {
        const hasher = assertPasswordHasher(
          await resolveProvider<PasswordHasher>(
            raw.passwordHasher,
            moduleRef,
            () => new Argon2idPasswordHasher({}, { threads: options.passwordHashing.concurrency }),
          ),
        );
        return hasher instanceof BoundedPasswordHasher ? hasher : new BoundedPasswordHasher(hasher, options.passwordHashing);
      },
      inject: [MODULE_OPTIONS_TOKEN, ModuleRef, AUTH_OPTIONS],
    },
    { provide: PASSWORD_HASHER, useExisting: BoundedPasswordHasher },
    HttpPlatformRef,
    {
      provide: TOKEN_TRANSPORT,
      useFactory: createTokenTransport,
      inject: [AUTH_OPTIONS, AUTH_ROUTES, { token: ApplicationConfig, optional: true }, HttpPlatformRef],
    },
    {
      provide: JwtKeyRing,
      useFactory: async (raw: AuthModuleOptions, moduleRef: ModuleRef, options: ResolvedAuthOptions, clock: Clock) => {
        const option = raw.jwt?.keyProvider;
        const provider = option === undefined || option === null ? null : assertKeyProvider(await instantiateProvider(option, moduleRef));
        return JwtKeyRing.create(options, clock, provider);
      },
      inject: [MODULE_OPTIONS_TOKEN, ModuleRef, AUTH_OPTIONS, AUTH_CLOCK],
    },
    AccessTokenService,
    MfaTokenService,
    { provide: AuthTelemetry, useFactory: (options: ResolvedAuthOptions) => AuthTelemetry.load(options.telemetry), inject: [AUTH_OPTIONS] },
    AuthEvents,
    ActivityFeed,
    EventSinksSetup,
    SessionService,
    RevocationFeed,
    SessionJanitor,
    PasswordHasherShutdown,
    LoginRateLimiter,
    TotpFactor,
    RecoveryCodeFactor,
    PasskeyVerifier,
    PasskeyFactor,
    PasskeyService,
    OAuthClient,
    OAuthService,
    mfaFactorRegistryProvider(MODULE_OPTIONS_TOKEN),
    MfaService,
    MfaEnrolmentService,
    TrustedDeviceService,
    PasswordChecks,
    Reauthentication,
    SignInMethods,
    AccountMailer,
    AccountService,
    AuthService,
    AccessTokenGuard,
    RolesGuard,
    { provide: APP_FILTER, useClass: AuthRoutesProblemFilter },
    ...(routes.globalGuard
      ? [
          { provide: APP_GUARD, useExisting: AccessTokenGuard },
          { provide: APP_GUARD, useExisting: RolesGuard },
        ]
      : []),
  ];
  return {
    ...definition,
    global: true,
    controllers,
    providers,
    exports: [
      AUTH_OPTIONS,
      AUTH_ROUTES,
      AUTH_CLOCK,
      USER_STORE,
      SESSION_STORE,
      RATE_LIMIT_STORE,
      MFA_ENROLMENT_STORE,
      MFA_CHALLENGE_STORE,
      ACCOUNT_TOKEN_STORE,
      ACTIVITY_STORE,
      PASSKEY_STORE,
      IDENTITY_STORE,
      EMAIL_SENDER,
      SMS_SENDER,
      PASSWORD_HASHER,
      TOKEN_TRANSPORT,
      HttpPlatformRef,
      AccessTokenService,
      JwtKeyRing,
      SessionService,
      RevocationFeed,
      MfaService,
      MfaEnrolmentService,
      TrustedDeviceService,
      // Read by the MFA request validation pipe (it knows the configured factor names).
      MfaFactorRegistry,
      AccountService,
      AuthService,
      PasskeyService,
      OAuthService,
      Reauthentication,
      AuthEvents,
      ActivityFeed,
      AuthTelemetry,
      AccessTokenGuard,
      RolesGuard,
    ],
  };
}

/**
 * The authentication module. Import it once, in the root module:
 *
 * ```ts
 * @Module({
 *   imports: [
 *     AuthModule.forRoot({
 *       jwt: { secret: process.env.JWT_SECRET }, // at least 32 bytes: openssl rand -base64 32
 *       userStore: new MemoryUserStore(), // users in memory: replace it with your own store later
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 *
 * or `forRootAsync` with options from a `ConfigService` (docs/examples/config-module.ts).
 *
 * It is global (its guards, services and stores can be injected anywhere), registers the access
 * guard app-wide unless `globalGuard: false`, and mounts its routes under `routes.prefix`.
 * Invalid options fail at start-up with one {@link AuthConfigError} listing every problem.
 */
@Module({})
export class AuthModule extends ConfigurableModuleClass {
  /**
   * Adds the module's security schemes (bearer JWT, the OAuth 2.0 password flow on `POST /token`,
   * and in cookie modes the access cookie and CSRF header) to a Swagger document, so that Swagger
   * UI's **Authorize** button logs in.
   *
   * ```ts
   * const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('My API').build());
   * SwaggerModule.setup('docs', app, AuthModule.setupSwagger(app, document));
   * ```
   */
  static setupSwagger(app: INestApplicationContext, document: OpenAPIObject): OpenAPIObject {
    return setupAuthSwagger(app, document);
  }
}
