import { deepFreeze } from './option-checks.js';
import type { AuthModuleExtras, AuthModuleOptions, AuthRouteName, RoutesOptions } from './auth-module-options.interface.js';

/** An option type made partial and read-only all the way down (arrays included): the shape of a default. */
type DefaultsOf<T> = T extends readonly (infer E)[]
  ? readonly E[]
  : T extends object
    ? { readonly [K in keyof T]?: DefaultsOf<NonNullable<T[K]>> }
    : T;

/**
 * The default of every option that has a fixed one, in the options' own units (durations as
 * written in the options, not milliseconds). The resolver takes its fallbacks from here, and a unit
 * test checks every `@default` of the option interfaces against it. Defaults computed from other
 * values (`passwordHashing.concurrency` from the machine, `.queue` from the concurrency,
 * `refreshToken.orphanGraceSeconds` capped by `ttl`) start from these values in the resolver.
 */
export const AUTH_DEFAULTS = deepFreeze({
  accessTokenType: 'header',
  jwt: {
    algorithm: 'HS256',
    issuer: 'nest-gatekeeper',
    audience: 'nest-gatekeeper',
    accessTokenTtl: '15m',
    maxAccessTokenTtl: '1h',
    clockToleranceSeconds: 0,
    verifiedTokenCacheSize: 10_000,
    jwksMaxAge: '5m',
    keyReloadInterval: '1m',
  },
  refreshToken: { ttl: '7d', absoluteTtl: '30d', reuseGraceSeconds: 10, orphanGraceSeconds: 120 },
  cookies: {
    names: { access: 'access_token', refresh: 'refresh_token', trust: 'trust_token', csrf: 'csrf_token' },
    secure: true,
    sameSite: 'lax',
    csrf: true,
  },
  mfa: {
    methods: [],
    required: false,
    issuer: 'nest-gatekeeper',
    codeTtl: '10m',
    codeLength: 6,
    maxAttempts: 5,
    lockout: '15m',
    sendLimit: { perUser: { max: 5, window: '15m' }, perAddress: { max: 20, window: '15m' } },
    trustedDeviceTtl: '30d',
    factors: [],
  },
  rateLimit: {
    enabled: true,
    account: { maxFailures: 5, window: '1h', lockout: '30s', maxLockout: '15m' },
    ceiling: { max: 50, window: '1h' },
    provenFor: '30d',
    address: { max: 100, window: '15m' },
  },
  passwordReset: { method: 'link', tokenTtl: '30m' },
  emailVerification: { enabled: true, required: false, tokenTtl: '24h' },
  loginCode: { enabled: false, codeTtl: '10m' },
  accountEmails: {
    codeLength: 8,
    maxAttempts: 5,
    lockout: '15m',
    sendLimit: { perAccount: { max: 5, window: '15m' }, perAddress: { max: 50, window: '15m' } },
  },
  registration: { revealConflicts: true, rateLimit: { max: 20, window: '1h' } },
  password: { minLength: 8, maxLength: 128, breachedPasswords: false },
  passwordHashing: { legacy: [] },
  sessionCheck: false,
  revocation: { enabled: true, pollInterval: '500ms', maxEntries: 1_000_000 },
  storeTimeout: '5s',
  storeReadTimeout: '2s',
  defaultRoles: ['user'],
  trustProxyHeaders: false,
  loginIdentifiers: ['username', 'email'],
  responses: {
    messages: { login: 'Login successful.', refresh: 'Token refreshed.', logout: 'Logged out.', logoutAll: 'Logged out of all sessions.' },
    validationStatus: 400,
  },
  events: { sinks: [], log: false, eventEmitter: true, queueSize: 10_000, batchSize: 100, sinkTimeout: '10s' },
  activity: { retention: '90d', pageSize: 20 },
  passkeys: { enabled: false, rpName: 'nest-gatekeeper', userVerification: 'preferred', maxPerUser: 10, challengeTtl: '5m' },
  oauth: { providers: {}, returnToOrigins: [], defaultReturnTo: '/', linking: 'verified-email', createUsers: true, stateTtl: '10m' },
  telemetry: true,
} as const satisfies DefaultsOf<AuthModuleOptions>);

/** The default path of every route, relative to the prefix (the two well-known routes: to the app root). */
const ROUTE_PATHS = {
  register: 'register',
  login: 'login',
  token: 'token',
  refresh: 'refresh',
  me: 'me',
  logout: 'logout',
  sessions: 'sessions',
  session: 'sessions/:id',
  passwordChange: 'password/change',
  mfaSend: 'mfa/send',
  mfaVerify: 'mfa/verify',
  totpSetup: 'mfa/totp/setup',
  totpEnable: 'mfa/totp/enable',
  mfaDisable: 'mfa/disable',
  mfaDevices: 'mfa/devices',
  mfaDevice: 'mfa/devices/:id',
  passwordForgot: 'password/forgot',
  passwordReset: 'password/reset',
  emailVerify: 'email/verify',
  emailVerifyResend: 'email/verify/resend',
  emailChange: 'email/change',
  accountDelete: 'account/delete',
  loginCodeSend: 'login/code/send',
  loginCode: 'login/code',
  activity: 'activity',
  passkeyRegisterOptions: 'passkeys/register/options',
  passkeyRegister: 'passkeys/register',
  passkeys: 'passkeys',
  passkey: 'passkeys/:id',
  passkeyLoginOptions: 'passkeys/login/options',
  passkeyLogin: 'passkeys/login',
  passkeyMfaOptions: 'passkeys/mfa/options',
  passkeyMfaVerify: 'passkeys/mfa/verify',
  passkeyMfaEnable: 'passkeys/mfa/enable',
  oauthStart: 'oauth/:provider',
  oauthCallback: 'oauth/:provider/callback',
  oauthToken: 'oauth/:provider/token',
  oauthExchange: 'oauth/exchange',
  identities: 'identities',
  identityLink: 'identities/link',
  identity: 'identities/:id',
  jwks: '.well-known/jwks.json',
  authorizationServerMetadata: '.well-known/oauth-authorization-server',
} as const satisfies Record<AuthRouteName, string>;

/** The defaults of the shape extras (`routes`, `globalGuard`); `routes` holds every route's default path. */
export const AUTH_EXTRAS_DEFAULTS = deepFreeze({
  routes: { prefix: 'auth', ...ROUTE_PATHS, mfa: true, registration: true, password: true, account: true },
  globalGuard: true,
} as const satisfies DefaultsOf<AuthModuleExtras> & { routes: Required<RoutesOptions> });

/** Every route name, in the order of the defaults. */
export const AUTH_ROUTE_NAMES = Object.keys(ROUTE_PATHS) as readonly AuthRouteName[];
