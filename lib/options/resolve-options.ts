import { availableParallelism } from 'node:os';
import { LEGACY_HASH_SCHEMES, type LegacyHashScheme } from '../crypto/legacy-hashes.js';
import { AuthConfigError } from '../errors/auth-config.error.js';
import type {
  AccountDeletionOptions,
  AccountEmailsOptions,
  AccountLinksOptions,
  AttemptLimit,
  EmailVerificationOptions,
  LoginCodeOptions,
  PasswordResetOptions,
  AuthModuleExtras,
  AuthModuleOptions,
  AuthRouteName,
  CookieOptions,
  JwtAlgorithm,
  JwtOptions,
  MfaOptions,
  MfaSendersOptions,
  PasswordHashingOptions,
  PasswordPolicyOptions,
  RateLimitOptions,
  RefreshTokenOptions,
  RegistrationOptions,
  ResponsesOptions,
  RevocationOptions,
  AccountMessageTemplate,
  ActivityOptions,
  OAuthOptions,
  PasskeyOptions,
  EventsOptions,
} from './auth-module-options.interface.js';
import { ACTIVITY_MAX_PAGE, AUTH_EVENT_TYPES, DEFAULT_ACTIVITY_TYPES, type AuthEventType } from '../events/auth-event.js';
import { ACCOUNT_MESSAGE_PURPOSES } from '../account/account-messages.js';
import { AUTH_DEFAULTS as D, AUTH_EXTRAS_DEFAULTS, AUTH_ROUTE_NAMES } from './defaults.js';
import { bool, deepFreeze, duration, integer, isDict, keysOf, oneOf, Problems, section, text, type Dict } from './option-checks.js';
import { resolveEncryptionKeys, resolveJwtKeys, resolveJwtKeySet, resolveSecretKeys } from './resolve-keys.js';
import type { ResolvedAuthOptions, ResolvedAuthRoutes, ResolvedJwtKey, ResolvedOAuthProvider } from './resolved-auth-options.js';
import type { OAuth2ProviderOptions, OidcProviderOptions } from '../oauth/oauth-provider.js';
import { DELIVERED_MFA_METHODS, MFA_METHODS, type BuiltInMfaMethod } from '../mfa/mfa-methods.js';

type Resolved = ResolvedAuthOptions;

const ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'RS256', 'ES256', 'EdDSA'];
const TOKEN_TYPES = ['header', 'cookie', 'both'] as const;
const COOKIE_PREFIXES = ['__Host-', '__Secure-'] as const;
const SAME_SITE = ['lax', 'strict', 'none'] as const;
/** Upper bound of `passwordHashing.concurrency` and `.queue` (each running argon2id hash holds 19 MiB). */
const MAX_HASH_PLACES = 1024;
/** Lifetime of an `mfaToken` (not an option). */
const MFA_PENDING_TTL_SECONDS = 300;

// The known keys of each section: the compiler keeps each list equal to its interface.
const ROOT_KEYS = keysOf<AuthModuleOptions>({
  accessTokenType: 1,
  jwt: 1,
  secretKey: 1,
  refreshToken: 1,
  cookies: 1,
  userStore: 1,
  sessionStore: 1,
  rateLimitStore: 1,
  mfaStore: 1,
  mfaEnrolmentStore: 1,
  mfaChallengeStore: 1,
  accountTokenStore: 1,
  emailSender: 1,
  passwordReset: 1,
  emailVerification: 1,
  loginCode: 1,
  links: 1,
  accountEmails: 1,
  accountDeletion: 1,
  passwordHasher: 1,
  passwordHashing: 1,
  mfa: 1,
  rateLimit: 1,
  password: 1,
  sessionCheck: 1,
  revocation: 1,
  storeTimeout: 1,
  storeReadTimeout: 1,
  defaultRoles: 1,
  trustProxyHeaders: 1,
  loginIdentifiers: 1,
  responses: 1,
  registration: 1,
  events: 1,
  activityStore: 1,
  activity: 1,
  passkeys: 1,
  passkeyStore: 1,
  oauth: 1,
  identityStore: 1,
  telemetry: 1,
});
const JWT_KEYS = keysOf<JwtOptions>({
  secret: 1,
  privateKey: 1,
  publicKey: 1,
  algorithm: 1,
  keys: 1,
  keyProvider: 1,
  keyReloadInterval: 1,
  jwksMaxAge: 1,
  publicUrl: 1,
  issuer: 1,
  audience: 1,
  accessTokenTtl: 1,
  maxAccessTokenTtl: 1,
  clockToleranceSeconds: 1,
  verifiedTokenCacheSize: 1,
});
const REFRESH_KEYS = keysOf<RefreshTokenOptions>({
  ttl: 1,
  absoluteTtl: 1,
  reuseGraceSeconds: 1,
  orphanGraceSeconds: 1,
  maxSessionsPerUser: 1,
});
const COOKIE_KEYS = keysOf<CookieOptions>({ names: 1, domain: 1, secure: 1, sameSite: 1, csrf: 1, prefix: 1, refreshPath: 1 });
const COOKIE_NAME_KEYS = keysOf<NonNullable<CookieOptions['names']>>({ access: 1, refresh: 1, trust: 1, csrf: 1 });
const MFA_KEYS = keysOf<MfaOptions>({
  methods: 1,
  required: 1,
  encryptionKey: 1,
  issuer: 1,
  codeTtl: 1,
  codeLength: 1,
  maxAttempts: 1,
  lockout: 1,
  sendLimit: 1,
  trustedDeviceTtl: 1,
  senders: 1,
  factors: 1,
});
const SEND_LIMIT_KEYS = keysOf<NonNullable<MfaOptions['sendLimit']>>({ perUser: 1, perAddress: 1 });
const SENDER_KEYS = keysOf<MfaSendersOptions>({ email: 1, sms: 1 });
const PASSWORD_RESET_KEYS = keysOf<PasswordResetOptions>({ method: 1, tokenTtl: 1 });
const EMAIL_VERIFICATION_KEYS = keysOf<EmailVerificationOptions>({ enabled: 1, required: 1, tokenTtl: 1 });
const LOGIN_CODE_KEYS = keysOf<LoginCodeOptions>({ enabled: 1, codeTtl: 1 });
const LINKS_KEYS = keysOf<AccountLinksOptions>({ passwordReset: 1, emailVerification: 1, emailChange: 1 });
const ACCOUNT_EMAILS_KEYS = keysOf<AccountEmailsOptions>({ codeLength: 1, maxAttempts: 1, lockout: 1, sendLimit: 1, templates: 1 });
const ACCOUNT_SEND_LIMIT_KEYS = keysOf<NonNullable<AccountEmailsOptions['sendLimit']>>({ perAccount: 1, perAddress: 1 });
const TEMPLATE_KEYS = keysOf<AccountMessageTemplate>({ subject: 1, text: 1 });
const ACCOUNT_DELETION_KEYS = keysOf<AccountDeletionOptions>({ beforeDelete: 1 });
const LIMIT_KEYS = keysOf<AttemptLimit>({ max: 1, window: 1 });
const RATE_LIMIT_KEYS = keysOf<RateLimitOptions>({ enabled: 1, account: 1, ceiling: 1, provenFor: 1, address: 1 });
const ACCOUNT_LIMIT_KEYS = keysOf<NonNullable<RateLimitOptions['account']>>({ maxFailures: 1, window: 1, lockout: 1, maxLockout: 1 });
const REGISTRATION_KEYS = keysOf<RegistrationOptions>({ revealConflicts: 1, rateLimit: 1 });
const PASSWORD_KEYS = keysOf<PasswordPolicyOptions>({ minLength: 1, maxLength: 1, breachedPasswords: 1 });
const HASHING_KEYS = keysOf<PasswordHashingOptions>({ concurrency: 1, queue: 1, legacy: 1 });
const REVOCATION_KEYS = keysOf<RevocationOptions>({ enabled: 1, pollInterval: 1, maxEntries: 1 });
const RESPONSES_KEYS = keysOf<ResponsesOptions>({ messages: 1, tokenBody: 1, userBody: 1, validationStatus: 1 });
const EVENTS_KEYS = keysOf<EventsOptions>({ sinks: 1, log: 1, eventEmitter: 1, queueSize: 1, batchSize: 1, sinkTimeout: 1 });
const ACTIVITY_KEYS = keysOf<ActivityOptions>({ types: 1, retention: 1, pageSize: 1 });
const PASSKEY_KEYS = keysOf<PasskeyOptions>({
  enabled: 1,
  rpId: 1,
  rpName: 1,
  origins: 1,
  userVerification: 1,
  maxPerUser: 1,
  challengeTtl: 1,
});
const USER_VERIFICATION = ['required', 'preferred', 'discouraged'] as const;
const OAUTH_KEYS = keysOf<OAuthOptions>({
  providers: 1,
  baseUrl: 1,
  returnToOrigins: 1,
  defaultReturnTo: 1,
  linking: 1,
  createUsers: 1,
  stateTtl: 1,
});
const OIDC_PROVIDER_KEYS = keysOf<OidcProviderOptions>({
  type: 1,
  issuer: 1,
  clientId: 1,
  clientSecret: 1,
  tokenEndpointAuthMethod: 1,
  scopes: 1,
  label: 1,
  audiences: 1,
  responseMode: 1,
  authorizationParams: 1,
  trustEmail: 1,
});
const OAUTH2_PROVIDER_KEYS = keysOf<OAuth2ProviderOptions>({
  type: 1,
  clientId: 1,
  clientSecret: 1,
  tokenEndpointAuthMethod: 1,
  scopes: 1,
  label: 1,
  authorizationEndpoint: 1,
  tokenEndpoint: 1,
  profile: 1,
  authorizationParams: 1,
});
const LINKING = ['verified-email', 'never'] as const;
const TOKEN_AUTH_METHODS = ['client_secret_post', 'client_secret_basic'] as const;
const RESPONSE_MODES = ['query', 'form_post'] as const;
/** A provider's name: the `:provider` of the routes. */
const PROVIDER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const MESSAGES_KEYS = keysOf<NonNullable<ResponsesOptions['messages']>>({ login: 1, refresh: 1, logout: 1, logoutAll: 1 });

/**
 * Validates the raw options and resolves them into the frozen, fully defaulted object every class
 * injects. Collects every problem and throws them together as one {@link AuthConfigError}, so
 * `forRoot` and `forRootAsync` fail the same way. Defaults come from `AUTH_DEFAULTS` (defaults.ts).
 */
export function resolveAuthOptions(raw: AuthModuleOptions | undefined): ResolvedAuthOptions {
  if (!isDict(raw)) throw new AuthConfigError(['options: must be an object']);
  const p = new Problems();
  const root: Dict = raw;
  for (const key of Object.keys(root)) if (!ROOT_KEYS.includes(key)) p.add(key, 'unknown option');
  if (root.userStore === undefined || root.userStore === null) {
    p.add('userStore', 'is required (a class, an instance or { useFactory, inject } implementing UserStore)');
  }
  const jwt = resolveJwt(p, root.jwt);
  const resolved: Resolved = {
    accessTokenType: oneOf(p, 'accessTokenType', root.accessTokenType, TOKEN_TYPES, D.accessTokenType),
    jwt,
    secretKeys: resolveSecretKeys(p, root.secretKey, jwt.keys, jwt.keyProvider),
    refreshToken: resolveRefreshToken(p, root.refreshToken),
    cookies: resolveCookies(p, root.cookies),
    mfa: resolveMfa(p, root.mfa, root.emailSender, isDict(root.passkeys) && root.passkeys.enabled === true),
    account: resolveAccount(p, root),
    rateLimit: resolveRateLimit(p, root.rateLimit),
    registration: resolveRegistration(p, root.registration),
    password: resolvePassword(p, root.password),
    passwordHashing: resolvePasswordHashing(p, root.passwordHashing),
    sessionCheck: bool(p, 'sessionCheck', root.sessionCheck, D.sessionCheck),
    revocation: resolveRevocation(p, root.revocation),
    ...resolveStoreTimeouts(p, root.storeTimeout, root.storeReadTimeout),
    defaultRoles: resolveDefaultRoles(p, root.defaultRoles),
    trustProxyHeaders: bool(p, 'trustProxyHeaders', root.trustProxyHeaders, D.trustProxyHeaders),
    loginIdentifiers: resolveIdentifiers(p, root.loginIdentifiers),
    responses: resolveResponses(p, root.responses),
    events: resolveEvents(p, root.events),
    activity: resolveActivity(p, root.activity, root.activityStore),
    passkeys: resolvePasskeys(p, root.passkeys),
    oauth: resolveOAuth(p, root.oauth),
    telemetry: bool(p, 'telemetry', root.telemetry, D.telemetry),
  };
  if (p.list.length > 0) throw new AuthConfigError(p.list);
  return deepFreeze(resolved);
}

/** The longest `jwt.maxAccessTokenTtl` accepted: revoked sessions are remembered that long, and a day-long bearer token is a leak waiting to happen. */
const MAX_ACCESS_TTL_CEILING_MS = 24 * 3600 * 1000;

function resolveJwt(p: Problems, raw: unknown): Resolved['jwt'] {
  if (raw === undefined) p.add('jwt', "is required (at least 'jwt.secret', or 'jwt.keys')");
  const jwt = section(p, raw, 'jwt', JWT_KEYS);
  let keys: ResolvedJwtKey[] = [];
  const keyProvider = jwt.keyProvider !== undefined && jwt.keyProvider !== null;
  if (keyProvider) {
    for (const name of ['secret', 'privateKey', 'publicKey', 'algorithm', 'keys'] as const) {
      if (jwt[name] !== undefined) p.add(`jwt.${name}`, 'cannot be combined with jwt.keyProvider (the provider supplies every key)');
    }
  } else if (jwt.keys !== undefined) {
    for (const name of ['secret', 'privateKey', 'publicKey', 'algorithm'] as const) {
      if (jwt[name] !== undefined) {
        p.add(`jwt.${name}`, 'cannot be combined with jwt.keys (each key of jwt.keys has its own algorithm and key material)');
      }
    }
    keys = resolveJwtKeySet(p, jwt.keys);
  } else if (raw !== undefined) {
    const algorithm = oneOf(p, 'jwt.algorithm', jwt.algorithm, ALGORITHMS, D.jwt.algorithm);
    const key = resolveJwtKeys(p, jwt, algorithm);
    if (key !== undefined) keys = [key];
  }
  const accessTtl = duration(p, 'jwt.accessTokenTtl', jwt.accessTokenTtl, D.jwt.accessTokenTtl);
  const maxAccessTtl = duration(p, 'jwt.maxAccessTokenTtl', jwt.maxAccessTokenTtl, D.jwt.maxAccessTokenTtl);
  if (accessTtl > maxAccessTtl) {
    // A number is seconds: `accessTokenTtl: 60000` meant as milliseconds would give 16.7-hour tokens.
    const hint =
      typeof jwt.accessTokenTtl === 'number'
        ? ` (a number is seconds: ${jwt.accessTokenTtl} is ${humanDuration(accessTtl)}, above the ${humanDuration(maxAccessTtl)} allowed; for 15 minutes write '15m' or 900)`
        : '';
    p.add('jwt.accessTokenTtl', `must not exceed jwt.maxAccessTokenTtl${hint}`);
  }
  if (accessTtl < 1000) p.add('jwt.accessTokenTtl', 'must be at least 1 second');
  if (maxAccessTtl > MAX_ACCESS_TTL_CEILING_MS) {
    // Both TTLs written in milliseconds (60000 and 3600000) pass the check above: the ceiling catches it.
    const hint =
      typeof jwt.maxAccessTokenTtl === 'number' ? ` (a number is seconds: ${jwt.maxAccessTokenTtl} is ${humanDuration(maxAccessTtl)})` : '';
    p.add('jwt.maxAccessTokenTtl', `must be at most 1 day: an access token cannot be taken back before it expires${hint}`);
  }
  return {
    keys,
    keyProvider,
    keyReloadIntervalMs: duration(p, 'jwt.keyReloadInterval', jwt.keyReloadInterval, D.jwt.keyReloadInterval),
    issuer: text(p, 'jwt.issuer', jwt.issuer, D.jwt.issuer),
    audience: text(p, 'jwt.audience', jwt.audience, D.jwt.audience),
    accessTokenTtlSeconds: Math.floor(accessTtl / 1000),
    maxAccessTokenTtlSeconds: Math.floor(maxAccessTtl / 1000),
    clockToleranceSeconds: integer(p, 'jwt.clockToleranceSeconds', jwt.clockToleranceSeconds, D.jwt.clockToleranceSeconds, 0),
    verifiedTokenCacheSize: integer(p, 'jwt.verifiedTokenCacheSize', jwt.verifiedTokenCacheSize, D.jwt.verifiedTokenCacheSize, 0),
    jwksMaxAgeSeconds: Math.floor(duration(p, 'jwt.jwksMaxAge', jwt.jwksMaxAge, D.jwt.jwksMaxAge) / 1000),
    publicUrl: publicUrl(p, jwt.publicUrl),
  };
}

/** `jwt.publicUrl`: an absolute http(s) URL without query, fragment or trailing slash; `null` when not given. */
function publicUrl(p: Problems, value: unknown): string | null {
  if (value === undefined) return null;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  const valid =
    url !== undefined &&
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '' &&
    !(value as string).endsWith('/');
  if (!valid) {
    p.add('jwt.publicUrl', `must be an absolute http(s) URL without query, fragment or trailing slash, e.g. 'https://auth.example.com'`);
    return null;
  }
  return value as string;
}

/** `60_000_000` ms → `'16.7 hours'`: the largest unit, one decimal at most. */
function humanDuration(ms: number): string {
  const units: [string, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ];
  const [unit, size] = units.find(([, size]) => ms >= size) ?? ['second', 1000];
  const count = Number((ms / size).toFixed(1));
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

function resolveRefreshToken(p: Problems, raw: unknown): Resolved['refreshToken'] {
  const refresh = section(p, raw, 'refreshToken', REFRESH_KEYS);
  const ttlMs = duration(p, 'refreshToken.ttl', refresh.ttl, D.refreshToken.ttl);
  const absoluteTtlMs = duration(p, 'refreshToken.absoluteTtl', refresh.absoluteTtl, D.refreshToken.absoluteTtl);
  if (ttlMs > absoluteTtlMs) p.add('refreshToken.ttl', 'must not exceed refreshToken.absoluteTtl');
  const grace = integer(p, 'refreshToken.reuseGraceSeconds', refresh.reuseGraceSeconds, D.refreshToken.reuseGraceSeconds, 0);
  // The default, never longer than the idle lifetime.
  const orphanDefault = Math.min(D.refreshToken.orphanGraceSeconds, Math.floor(ttlMs / 1000));
  const orphanGrace = integer(p, 'refreshToken.orphanGraceSeconds', refresh.orphanGraceSeconds, orphanDefault, 0);
  if (orphanGrace * 1000 > ttlMs) p.add('refreshToken.orphanGraceSeconds', 'must not exceed refreshToken.ttl');
  return {
    ttlMs,
    absoluteTtlMs,
    reuseGraceMs: grace * 1000,
    orphanGraceMs: orphanGrace * 1000,
    maxSessionsPerUser:
      refresh.maxSessionsPerUser === undefined ? null : integer(p, 'refreshToken.maxSessionsPerUser', refresh.maxSessionsPerUser, 1, 1),
  };
}

function resolveCookies(p: Problems, raw: unknown): Resolved['cookies'] {
  const cookies = section(p, raw, 'cookies', COOKIE_KEYS);
  const names = section(p, cookies.names, 'cookies.names', COOKIE_NAME_KEYS);
  const sameSite = oneOf(p, 'cookies.sameSite', cookies.sameSite, SAME_SITE, D.cookies.sameSite);
  const secure = bool(p, 'cookies.secure', cookies.secure, D.cookies.secure);
  if (sameSite === 'none' && !secure) p.add('cookies.sameSite', "'none' requires cookies.secure: true");
  const domain = cookies.domain === undefined ? undefined : text(p, 'cookies.domain', cookies.domain, '');
  if (domain !== undefined && !/^\.?[A-Za-z0-9.-]+$/.test(domain)) p.add('cookies.domain', 'is not a valid domain');
  const prefix = cookies.prefix === undefined ? '' : oneOf(p, 'cookies.prefix', cookies.prefix, COOKIE_PREFIXES, '__Secure-');
  if (prefix !== '' && !secure) p.add('cookies.prefix', `'${prefix}' requires cookies.secure: true`);
  if (prefix === '__Host-' && domain !== undefined) p.add('cookies.prefix', "'__Host-' cookies cannot have cookies.domain");
  let refreshPath: string | undefined;
  if (cookies.refreshPath !== undefined) {
    refreshPath = text(p, 'cookies.refreshPath', cookies.refreshPath, '/');
    if (!/^\/[A-Za-z0-9\-._~!$&'()*+,=:@/%]*$/.test(refreshPath)) p.add('cookies.refreshPath', "must be a path starting with '/'");
  }
  const name = (key: keyof typeof D.cookies.names, scopedPath = false): string => {
    const value = text(p, `cookies.names.${key}`, names[key], D.cookies.names[key]);
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value)) p.add(`cookies.names.${key}`, 'is not a valid cookie name');
    // `__Host-` needs Path=/: the cookies scoped to the auth routes get `__Secure-`.
    return prefix === '__Host-' && scopedPath ? `__Secure-${value}` : `${prefix}${value}`;
  };
  const resolved: Resolved['cookies'] = {
    names: { access: name('access'), refresh: name('refresh', true), trust: name('trust', true), csrf: name('csrf') },
    domain,
    secure,
    sameSite,
    csrf: bool(p, 'cookies.csrf', cookies.csrf, D.cookies.csrf),
    refreshPath,
  };
  const given = (['access', 'refresh', 'trust', 'csrf'] as const).map((key) => names[key] ?? D.cookies.names[key]);
  const twice = given.find((value, i) => given.indexOf(value) !== i);
  if (twice !== undefined)
    p.add('cookies.names', `every cookie needs its own name (${typeof twice === 'string' ? twice : JSON.stringify(twice)} is used twice)`);
  return resolved;
}

function resolveMfa(p: Problems, raw: unknown, emailSender: unknown, passkeys: boolean): Resolved['mfa'] {
  const mfa = section(p, raw, 'mfa', MFA_KEYS);
  let methods: BuiltInMfaMethod[] = [...D.mfa.methods];
  if (mfa.methods !== undefined) {
    if (!Array.isArray(mfa.methods) || mfa.methods.some((m) => !(MFA_METHODS as readonly unknown[]).includes(m))) {
      p.add('mfa.methods', `must be an array of ${MFA_METHODS.map((m) => `'${m}'`).join(', ')}`);
    } else methods = [...new Set(mfa.methods as BuiltInMfaMethod[])];
  }
  // The factors themselves are resolved (and their names checked) when the module starts.
  const factors: unknown = mfa.factors;
  if (factors !== undefined && !Array.isArray(factors))
    p.add('mfa.factors', 'must be an array of factors (class, instance or { useFactory, inject })');
  const customFactors = Array.isArray(factors) ? factors.length : 0;
  const required = bool(p, 'mfa.required', mfa.required, D.mfa.required);
  if (required && methods.length === 0 && customFactors === 0) p.add('mfa.required', 'needs at least one method in mfa.methods');
  const encryptionKeys = resolveEncryptionKeys(p, mfa.encryptionKey, methods.includes('totp'));
  const senders = { ...section(p, mfa.senders, 'mfa.senders', SENDER_KEYS) };
  if (emailSender !== undefined && emailSender !== null) {
    if (senders.email !== undefined && senders.email !== null) p.add('emailSender', 'give emailSender or mfa.senders.email, not both');
    senders.email = emailSender;
  }
  for (const method of DELIVERED_MFA_METHODS) {
    if (methods.includes(method) && (senders[method] === undefined || senders[method] === null)) {
      p.add(`mfa.senders.${method}`, `is required when mfa.methods includes '${method}' (the module never sends by itself)`);
    }
  }
  const codeTtlMs = duration(p, 'mfa.codeTtl', mfa.codeTtl, D.mfa.codeTtl);
  if (codeTtlMs > 600_000) p.add('mfa.codeTtl', 'must be at most 10 minutes');
  const codeLength = integer(p, 'mfa.codeLength', mfa.codeLength, D.mfa.codeLength, 6);
  if (codeLength > 10) p.add('mfa.codeLength', 'must be at most 10');
  const sendLimit = section(p, mfa.sendLimit, 'mfa.sendLimit', SEND_LIMIT_KEYS);
  return {
    // Passkeys bring a second factor of their own (`passkey`).
    enabled: methods.length > 0 || customFactors > 0 || passkeys,
    methods,
    required,
    encryptionKeys,
    issuer: text(p, 'mfa.issuer', mfa.issuer, D.mfa.issuer),
    codeTtlMs,
    codeLength,
    maxAttempts: integer(p, 'mfa.maxAttempts', mfa.maxAttempts, D.mfa.maxAttempts, 1),
    lockoutMs: duration(p, 'mfa.lockout', mfa.lockout, D.mfa.lockout),
    sendLimit: {
      perUser: limit(p, sendLimit.perUser, 'mfa.sendLimit.perUser', D.mfa.sendLimit.perUser),
      perAddress: limit(p, sendLimit.perAddress, 'mfa.sendLimit.perAddress', D.mfa.sendLimit.perAddress),
    },
    trustedDeviceTtlMs: duration(p, 'mfa.trustedDeviceTtl', mfa.trustedDeviceTtl, D.mfa.trustedDeviceTtl),
    pendingTtlSeconds: MFA_PENDING_TTL_SECONDS,
  };
}

/** One {@link AttemptLimit}: `max` per `window`. */
/** A URL template of `links`: must contain `{token}`; `null` when not given. */
function linkTemplate(p: Problems, path: string, value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !value.includes('{token}') || !/^(https?:\/\/|\/)/.test(value)) {
    p.add(path, "must be a URL (or an absolute path) containing '{token}', e.g. 'https://app.example.com/reset?token={token}'");
    return null;
  }
  return value;
}

function resolveAccount(p: Problems, root: Dict): Resolved['account'] {
  const emailEnabled = [root.emailSender, isDict(root.mfa) && isDict(root.mfa.senders) ? root.mfa.senders.email : undefined].some(
    (sender) => sender !== undefined && sender !== null,
  );
  const reset = section(p, root.passwordReset, 'passwordReset', PASSWORD_RESET_KEYS);
  const verification = section(p, root.emailVerification, 'emailVerification', EMAIL_VERIFICATION_KEYS);
  const loginCode = section(p, root.loginCode, 'loginCode', LOGIN_CODE_KEYS);
  const links = section(p, root.links, 'links', LINKS_KEYS);
  const emails = section(p, root.accountEmails, 'accountEmails', ACCOUNT_EMAILS_KEYS);
  const sendLimit = section(p, emails.sendLimit, 'accountEmails.sendLimit', ACCOUNT_SEND_LIMIT_KEYS);
  const deletion = section(p, root.accountDeletion, 'accountDeletion', ACCOUNT_DELETION_KEYS);
  const required = bool(p, 'emailVerification.required', verification.required, D.emailVerification.required);
  const loginCodeEnabled = bool(p, 'loginCode.enabled', loginCode.enabled, D.loginCode.enabled);
  if (required && !emailEnabled) p.add('emailVerification.required', 'needs an e-mail sender (emailSender) to send the verification links');
  if (loginCodeEnabled && !emailEnabled) p.add('loginCode.enabled', 'needs an e-mail sender (emailSender) to send the codes');
  const codeTtlMs = duration(p, 'loginCode.codeTtl', loginCode.codeTtl, D.loginCode.codeTtl);
  if (codeTtlMs > 900_000) p.add('loginCode.codeTtl', 'must be at most 15 minutes');
  const codeLength = integer(p, 'accountEmails.codeLength', emails.codeLength, D.accountEmails.codeLength, 6);
  if (codeLength > 10) p.add('accountEmails.codeLength', 'must be at most 10');
  const templates = section(p, emails.templates, 'accountEmails.templates', ACCOUNT_MESSAGE_PURPOSES);
  for (const [purpose, template] of Object.entries(templates)) {
    const given = section(p, template, `accountEmails.templates.${purpose}`, TEMPLATE_KEYS);
    for (const key of ['subject', 'text'] as const) {
      const value = given[key];
      if (value !== undefined && typeof value !== 'function' && (typeof value !== 'string' || value.trim() === '')) {
        p.add(`accountEmails.templates.${purpose}.${key}`, 'must be a non-empty string or a function');
      }
    }
  }
  const beforeDelete = deletion.beforeDelete;
  if (beforeDelete !== undefined && typeof beforeDelete !== 'function') p.add('accountDeletion.beforeDelete', 'must be a function');
  const verificationLink = linkTemplate(p, 'links.emailVerification', links.emailVerification);
  return {
    emailEnabled,
    passwordReset: {
      method: oneOf(p, 'passwordReset.method', reset.method, ['link', 'code'] as const, D.passwordReset.method),
      tokenTtlMs: duration(p, 'passwordReset.tokenTtl', reset.tokenTtl, D.passwordReset.tokenTtl),
    },
    emailVerification: {
      enabled: bool(p, 'emailVerification.enabled', verification.enabled, D.emailVerification.enabled),
      required,
      tokenTtlMs: duration(p, 'emailVerification.tokenTtl', verification.tokenTtl, D.emailVerification.tokenTtl),
    },
    loginCode: { enabled: loginCodeEnabled, codeTtlMs },
    links: {
      passwordReset: linkTemplate(p, 'links.passwordReset', links.passwordReset),
      emailVerification: verificationLink,
      emailChange: linkTemplate(p, 'links.emailChange', links.emailChange) ?? verificationLink,
    },
    codeLength,
    maxAttempts: integer(p, 'accountEmails.maxAttempts', emails.maxAttempts, D.accountEmails.maxAttempts, 1),
    lockoutMs: duration(p, 'accountEmails.lockout', emails.lockout, D.accountEmails.lockout),
    sendLimit: {
      perAccount: limit(p, sendLimit.perAccount, 'accountEmails.sendLimit.perAccount', D.accountEmails.sendLimit.perAccount),
      perAddress: limit(p, sendLimit.perAddress, 'accountEmails.sendLimit.perAddress', D.accountEmails.sendLimit.perAddress),
    },
    templates: templates,
    beforeDelete: typeof beforeDelete === 'function' ? (beforeDelete as Resolved['account']['beforeDelete']) : null,
  };
}

function limit(p: Problems, raw: unknown, path: string, fallback: { max: number; window: string }): { max: number; windowMs: number } {
  const given = section(p, raw, path, LIMIT_KEYS);
  return {
    max: integer(p, `${path}.max`, given.max, fallback.max, 1),
    windowMs: duration(p, `${path}.window`, given.window, fallback.window),
  };
}

function resolveRateLimit(p: Problems, raw: unknown): Resolved['rateLimit'] {
  const rate = section(p, raw, 'rateLimit', RATE_LIMIT_KEYS);
  const account = section(p, rate.account, 'rateLimit.account', ACCOUNT_LIMIT_KEYS);
  const lockoutMs = duration(p, 'rateLimit.account.lockout', account.lockout, D.rateLimit.account.lockout);
  const maxLockoutMs = duration(p, 'rateLimit.account.maxLockout', account.maxLockout, D.rateLimit.account.maxLockout);
  if (lockoutMs > maxLockoutMs) p.add('rateLimit.account.lockout', 'must not exceed rateLimit.account.maxLockout');
  return {
    enabled: bool(p, 'rateLimit.enabled', rate.enabled, D.rateLimit.enabled),
    account: {
      maxFailures: integer(p, 'rateLimit.account.maxFailures', account.maxFailures, D.rateLimit.account.maxFailures, 1),
      windowMs: duration(p, 'rateLimit.account.window', account.window, D.rateLimit.account.window),
      lockoutMs,
      maxLockoutMs,
    },
    ceiling: limit(p, rate.ceiling, 'rateLimit.ceiling', D.rateLimit.ceiling),
    provenForMs: duration(p, 'rateLimit.provenFor', rate.provenFor, D.rateLimit.provenFor),
    address: limit(p, rate.address, 'rateLimit.address', D.rateLimit.address),
  };
}

function resolveRegistration(p: Problems, raw: unknown): Resolved['registration'] {
  const registration = section(p, raw, 'registration', REGISTRATION_KEYS);
  return {
    revealConflicts: bool(p, 'registration.revealConflicts', registration.revealConflicts, D.registration.revealConflicts),
    rateLimit: limit(p, registration.rateLimit, 'registration.rateLimit', D.registration.rateLimit),
  };
}

function resolvePassword(p: Problems, raw: unknown): Resolved['password'] {
  const password = section(p, raw, 'password', PASSWORD_KEYS);
  const minLength = integer(p, 'password.minLength', password.minLength, D.password.minLength, 1);
  const maxLength = integer(p, 'password.maxLength', password.maxLength, D.password.maxLength, 1);
  if (maxLength > 1024) p.add('password.maxLength', 'must be at most 1024');
  if (minLength > maxLength) p.add('password.minLength', 'must not exceed password.maxLength');
  return { minLength, maxLength };
}

function resolvePasswordHashing(p: Problems, raw: unknown): Resolved['passwordHashing'] {
  const hashing = section(p, raw, 'passwordHashing', HASHING_KEYS);
  // Computed defaults: the cores this process may use, and 32 places in the queue per running hash.
  const concurrency = integer(p, 'passwordHashing.concurrency', hashing.concurrency, availableParallelism(), 1);
  if (concurrency > MAX_HASH_PLACES) p.add('passwordHashing.concurrency', `must be at most ${MAX_HASH_PLACES}`);
  const queue = integer(p, 'passwordHashing.queue', hashing.queue, Math.min(32 * concurrency, MAX_HASH_PLACES), 0);
  if (queue > MAX_HASH_PLACES) p.add('passwordHashing.queue', `must be at most ${MAX_HASH_PLACES}`);
  let legacy: LegacyHashScheme[] = [...D.passwordHashing.legacy];
  const given: unknown = hashing.legacy;
  if (given !== undefined) {
    if (!Array.isArray(given) || given.some((s: unknown) => !LEGACY_HASH_SCHEMES.includes(s as LegacyHashScheme))) {
      p.add('passwordHashing.legacy', `must be a list of ${LEGACY_HASH_SCHEMES.map((s) => `'${s}'`).join(', ')}`);
    } else {
      legacy = [...new Set(given as LegacyHashScheme[])];
    }
  }
  return { concurrency, queue, legacy };
}

function eventTypes(p: Problems, path: string, value: unknown, fallback: readonly AuthEventType[]): readonly AuthEventType[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.some((t) => !AUTH_EVENT_TYPES.includes(t as AuthEventType))) {
    p.add(path, `must be a list of event types (${AUTH_EVENT_TYPES.join(', ')})`);
    return [...fallback];
  }
  return [...new Set(value as AuthEventType[])];
}

function resolveEvents(p: Problems, raw: unknown): Resolved['events'] {
  const events = section(p, raw, 'events', EVENTS_KEYS);
  if (events.sinks !== undefined && !Array.isArray(events.sinks)) p.add('events.sinks', 'must be a list of sinks');
  const everyButRotations = AUTH_EVENT_TYPES.filter((t) => t !== 'refresh.rotated');
  const log =
    events.log === undefined || events.log === false
      ? null
      : events.log === true
        ? everyButRotations
        : eventTypes(p, 'events.log', events.log, everyButRotations);
  const queueSize = integer(p, 'events.queueSize', events.queueSize, D.events.queueSize, 1);
  if (queueSize > 1_000_000) p.add('events.queueSize', 'must be at most 1000000');
  const batchSize = integer(p, 'events.batchSize', events.batchSize, D.events.batchSize, 1);
  if (batchSize > 10_000) p.add('events.batchSize', 'must be at most 10000');
  return {
    log,
    eventEmitter: bool(p, 'events.eventEmitter', events.eventEmitter, D.events.eventEmitter),
    queueSize,
    batchSize,
    sinkTimeoutMs: duration(p, 'events.sinkTimeout', events.sinkTimeout, D.events.sinkTimeout),
  };
}

function resolveActivity(p: Problems, raw: unknown, store: unknown): Resolved['activity'] {
  const activity = section(p, raw, 'activity', ACTIVITY_KEYS);
  const pageSize = integer(p, 'activity.pageSize', activity.pageSize, D.activity.pageSize, 1);
  if (pageSize > ACTIVITY_MAX_PAGE) p.add('activity.pageSize', `must be at most ${ACTIVITY_MAX_PAGE}`);
  return {
    enabled: store !== false,
    types: eventTypes(p, 'activity.types', activity.types, DEFAULT_ACTIVITY_TYPES),
    retentionMs: duration(p, 'activity.retention', activity.retention, D.activity.retention),
    pageSize,
  };
}

/** A host name: lower-case labels of letters, digits and hyphens, dot-separated (no scheme, port or path). */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

function resolvePasskeys(p: Problems, raw: unknown): Resolved['passkeys'] {
  const passkeys = section(p, raw, 'passkeys', PASSKEY_KEYS);
  const enabled = bool(p, 'passkeys.enabled', passkeys.enabled, D.passkeys.enabled);
  const rpId = passkeys.rpId === undefined ? '' : text(p, 'passkeys.rpId', passkeys.rpId, '');
  // An IP address is no RP id (browsers refuse it): a host name, e.g. `localhost` in development.
  if (rpId !== '' && (!HOST_NAME.test(rpId) || /^[\d.]+$/.test(rpId))) {
    p.add('passkeys.rpId', "must be a lower-case host name (not an IP address) without scheme, port or path, e.g. 'example.com'");
  }
  if (enabled && rpId === '') p.add('passkeys.rpId', "is required with passkeys.enabled (the site's host name, e.g. 'example.com')");
  const origins: string[] = [];
  if (passkeys.origins !== undefined && !Array.isArray(passkeys.origins)) p.add('passkeys.origins', 'must be an array of origins');
  else {
    for (const [i, value] of ((passkeys.origins as unknown[] | undefined) ?? []).entries()) {
      const origin = passkeyOrigin(value, rpId);
      if (origin === null) {
        p.add(
          `passkeys.origins[${i}]`,
          `must be an https origin (or http://localhost…) on '${rpId || 'the RP id'}' or a subdomain of it, without path, e.g. 'https://app.example.com'`,
        );
      } else origins.push(origin);
    }
  }
  if (enabled && origins.length === 0)
    p.add('passkeys.origins', "needs at least one origin with passkeys.enabled, e.g. ['https://app.example.com']");
  const challengeTtlMs = duration(p, 'passkeys.challengeTtl', passkeys.challengeTtl, D.passkeys.challengeTtl);
  if (challengeTtlMs < 30_000 || challengeTtlMs > 600_000) p.add('passkeys.challengeTtl', 'must be between 30s and 10m');
  const maxPerUser = integer(p, 'passkeys.maxPerUser', passkeys.maxPerUser, D.passkeys.maxPerUser, 1);
  if (maxPerUser > 100) p.add('passkeys.maxPerUser', 'must be at most 100');
  const rpName = text(p, 'passkeys.rpName', passkeys.rpName, D.passkeys.rpName);
  if (rpName.length === 0 || rpName.length > 64) p.add('passkeys.rpName', 'must be 1 to 64 characters');
  return {
    enabled,
    rpId,
    rpName,
    origins,
    userVerification: oneOf(p, 'passkeys.userVerification', passkeys.userVerification, USER_VERIFICATION, D.passkeys.userVerification),
    maxPerUser,
    challengeTtlMs,
  };
}

/**
 * The origin (as browsers serialise it) when `value` is an https origin, or an http one on
 * `localhost`, whose host is `rpId` or a subdomain of it; `null` otherwise.
 */
function passkeyOrigin(value: unknown, rpId: string): string | null {
  if (typeof value !== 'string') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.origin === 'null' || url.href !== `${url.origin}/` || value.replace(/\/$/, '') !== url.origin) return null;
  const local = url.hostname === 'localhost' || url.hostname.endsWith('.localhost');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) return null;
  if (rpId !== '' && url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) return null;
  return url.origin;
}

function resolveOAuth(p: Problems, raw: unknown): Resolved['oauth'] {
  const oauth = section(p, raw, 'oauth', OAUTH_KEYS);
  const rawProviders = oauth.providers ?? {};
  if (!isDict(rawProviders)) p.add('oauth.providers', 'must be an object of providers by name');
  const providers: ResolvedOAuthProvider[] = [];
  for (const [name, value] of Object.entries(isDict(rawProviders) ? rawProviders : {})) {
    const provider = resolveOAuthProvider(p, name, value);
    if (!PROVIDER_NAME.test(name) || name === 'exchange') {
      p.add(`oauth.providers.${name}`, "the name must be 1 to 32 lower-case letters, digits and '-' (not 'exchange')");
    } else if (provider !== undefined) providers.push(provider);
  }
  const baseUrl = oauth.baseUrl === undefined ? '' : (appUrl(oauth.baseUrl) ?? '');
  if (oauth.baseUrl !== undefined && baseUrl === '') {
    p.add(
      'oauth.baseUrl',
      'must be an absolute https URL (http only on localhost or a loopback address) without query, fragment or trailing slash',
    );
  }
  if (isDict(rawProviders) && Object.keys(rawProviders).length > 0 && oauth.baseUrl === undefined) {
    p.add(
      'oauth.baseUrl',
      "is required with a provider (the app's public URL the callback URLs are built on, e.g. 'https://api.example.com')",
    );
  }
  if (oauth.returnToOrigins !== undefined && !Array.isArray(oauth.returnToOrigins))
    p.add('oauth.returnToOrigins', 'must be an array of origins');
  const origins = baseUrl === '' ? [] : [new URL(baseUrl).origin];
  for (const [i, value] of ((Array.isArray(oauth.returnToOrigins) ? oauth.returnToOrigins : []) as unknown[]).entries()) {
    const origin = typeof value === 'string' ? appUrl(value) : null;
    if (origin === null || new URL(origin).origin !== origin) {
      p.add(
        `oauth.returnToOrigins[${i}]`,
        "must be an https origin (http only on localhost or loopback) without path, e.g. 'https://app.example.com'",
      );
    } else if (!origins.includes(origin)) origins.push(origin);
  }
  const defaultReturnTo = text(p, 'oauth.defaultReturnTo', oauth.defaultReturnTo, D.oauth.defaultReturnTo);
  const stateTtlMs = duration(p, 'oauth.stateTtl', oauth.stateTtl, D.oauth.stateTtl);
  if (stateTtlMs < 60_000 || stateTtlMs > 1_800_000) p.add('oauth.stateTtl', 'must be between 1m and 30m');
  return {
    providers,
    baseUrl,
    returnToOrigins: origins,
    defaultReturnTo,
    linking: oneOf(p, 'oauth.linking', oauth.linking, LINKING, D.oauth.linking),
    createUsers: bool(p, 'oauth.createUsers', oauth.createUsers, D.oauth.createUsers),
    stateTtlMs,
  };
}

/** One provider of `oauth.providers`; `undefined` when it has problems. */
function resolveOAuthProvider(p: Problems, name: string, raw: unknown): ResolvedOAuthProvider | undefined {
  const path = `oauth.providers.${name}`;
  const before = p.list.length;
  if (!isDict(raw) || (raw.type !== 'oidc' && raw.type !== 'oauth2')) {
    p.add(path, "must be a provider: { type: 'oidc', issuer, clientId, … }, { type: 'oauth2', … } or a preset (oauthProviders.google(…))");
    return undefined;
  }
  const provider = section(p, raw, path, raw.type === 'oidc' ? OIDC_PROVIDER_KEYS : OAUTH2_PROVIDER_KEYS);
  const clientId = text(p, `${path}.clientId`, provider.clientId, '');
  if (clientId === '') p.add(`${path}.clientId`, 'is required');
  if (provider.clientSecret !== undefined && (typeof provider.clientSecret !== 'string' || provider.clientSecret === '')) {
    p.add(`${path}.clientSecret`, 'must be a non-empty string');
  }
  const scopes = stringList(p, `${path}.scopes`, provider.scopes, raw.type === 'oidc' ? ['openid', 'email', 'profile'] : []);
  if (raw.type === 'oidc' && !scopes.includes('openid')) p.add(`${path}.scopes`, "must include 'openid'");
  const params = provider.authorizationParams ?? {};
  if (!isDict(params) || Object.values(params).some((v) => typeof v !== 'string'))
    p.add(`${path}.authorizationParams`, 'must be an object of strings');
  const reserved = ['state', 'nonce', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'client_id', 'response_type', 'scope'];
  for (const key of Object.keys(isDict(params) ? params : {})) {
    if (reserved.includes(key)) p.add(`${path}.authorizationParams.${key}`, 'is set by the module');
  }
  const common = {
    name,
    label: text(p, `${path}.label`, provider.label, name),
    clientId,
    ...(typeof provider.clientSecret === 'string' ? { clientSecret: provider.clientSecret } : {}),
    scopes,
    tokenEndpointAuthMethod: oneOf(
      p,
      `${path}.tokenEndpointAuthMethod`,
      provider.tokenEndpointAuthMethod,
      TOKEN_AUTH_METHODS,
      'client_secret_post',
    ),
    authorizationParams: (isDict(params) ? params : {}) as Record<string, string>,
  };
  if (raw.type === 'oidc') {
    const issuer = typeof provider.issuer === 'string' ? appUrl(provider.issuer, true) : null;
    if (issuer === null) p.add(`${path}.issuer`, 'must be the https issuer URL (http only on localhost or a loopback address)');
    if (typeof provider.issuer === 'string' && /\/(common|organizations|consumers)\/v2\.0$/.test(provider.issuer)) {
      p.add(
        `${path}.issuer`,
        'names no tenant: use the tenant id (multi-tenant endpoints have no single issuer to check ID tokens against)',
      );
    }
    const resolved: ResolvedOAuthProvider = {
      type: 'oidc',
      ...common,
      issuer: typeof provider.issuer === 'string' ? provider.issuer : '',
      audiences: stringList(p, `${path}.audiences`, provider.audiences, []),
      responseMode: oneOf(p, `${path}.responseMode`, provider.responseMode, RESPONSE_MODES, 'query'),
      trustEmail: bool(p, `${path}.trustEmail`, provider.trustEmail, false),
    };
    return p.list.length > before ? undefined : resolved;
  }
  for (const key of ['authorizationEndpoint', 'tokenEndpoint'] as const) {
    if (typeof provider[key] !== 'string' || appUrl(provider[key], true) === null)
      p.add(`${path}.${key}`, 'must be an https URL (http only on localhost or loopback)');
  }
  if (typeof provider.profile !== 'function') p.add(`${path}.profile`, 'must be a function (accessToken) => Promise<OAuthProfile>');
  const resolved: ResolvedOAuthProvider = {
    type: 'oauth2',
    ...common,
    authorizationEndpoint: provider.authorizationEndpoint as string,
    tokenEndpoint: provider.tokenEndpoint as string,
    profile: provider.profile as OAuth2ProviderOptions['profile'],
  };
  return p.list.length > before ? undefined : resolved;
}

/** A list of non-empty strings (at most 50), or `fallback` when not given. */
function stringList(p: Problems, path: string, value: unknown, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length > 50 || value.some((v) => typeof v !== 'string' || v === '' || v.length > 256)) {
    p.add(path, 'must be an array of non-empty strings');
    return fallback;
  }
  return [...(value as string[])];
}

/**
 * `value` when it is an absolute https URL, or http on localhost or a loopback address, with no
 * query, fragment, credentials or trailing slash (`withPath`: any path, e.g. an issuer's); `null`
 * otherwise.
 */
function appUrl(value: unknown, withPath = false): string | null {
  if (typeof value !== 'string') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const local =
    url.hostname === 'localhost' || url.hostname.endsWith('.localhost') || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) return null;
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return null;
  if (!withPath && (value.endsWith('/') || value.includes('?') || value.includes('#'))) return null;
  return withPath ? value : url.href.replace(/\/$/, '') === value ? value : null;
}

function resolveRevocation(p: Problems, raw: unknown): Resolved['revocation'] {
  const revocation = section(p, raw, 'revocation', REVOCATION_KEYS);
  const pollIntervalMs = duration(p, 'revocation.pollInterval', revocation.pollInterval, D.revocation.pollInterval);
  if (pollIntervalMs < 10 || pollIntervalMs > 60_000) p.add('revocation.pollInterval', 'must be between 10ms and 60s');
  return {
    enabled: bool(p, 'revocation.enabled', revocation.enabled, D.revocation.enabled),
    pollIntervalMs,
    maxEntries: integer(p, 'revocation.maxEntries', revocation.maxEntries, D.revocation.maxEntries, 1),
  };
}

function resolveStoreTimeouts(p: Problems, write: unknown, read: unknown): Pick<Resolved, 'storeTimeoutMs' | 'storeReadTimeoutMs'> {
  const storeTimeoutMs = write === false ? null : duration(p, 'storeTimeout', write, D.storeTimeout);
  // Reads never wait longer than writes; `false` gives them the write timeout.
  const storeReadTimeoutMs =
    read === false || storeTimeoutMs === null
      ? storeTimeoutMs
      : Math.min(storeTimeoutMs, duration(p, 'storeReadTimeout', read, D.storeReadTimeout));
  return { storeTimeoutMs, storeReadTimeoutMs };
}

function resolveDefaultRoles(p: Problems, value: unknown): readonly string[] {
  if (value === undefined) return [...D.defaultRoles];
  if (!Array.isArray(value) || value.some((r) => typeof r !== 'string' || r === '')) {
    p.add('defaultRoles', 'must be an array of non-empty strings');
    return [...D.defaultRoles];
  }
  return [...(value as string[])];
}

function resolveIdentifiers(p: Problems, value: unknown): readonly ('username' | 'email')[] {
  if (value === undefined) return [...D.loginIdentifiers];
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => v === 'username' || v === 'email') &&
    new Set(value).size === value.length;
  if (!valid) {
    p.add('loginIdentifiers', `must be ['username'], ['email'] or ['username', 'email'] (got ${JSON.stringify(value)})`);
    return [...D.loginIdentifiers];
  }
  return [...(value as ('username' | 'email')[])];
}

function resolveResponses(p: Problems, raw: unknown): Resolved['responses'] {
  const responses = section(p, raw, 'responses', RESPONSES_KEYS);
  const messages = section(p, responses.messages, 'responses.messages', MESSAGES_KEYS);
  const hook = <F>(name: 'tokenBody' | 'userBody'): F | null => {
    const value = responses[name];
    if (value === undefined) return null;
    if (typeof value !== 'function') {
      p.add(`responses.${name}`, 'must be a function');
      return null;
    }
    return value as F;
  };
  const status = responses.validationStatus ?? D.responses.validationStatus;
  if (status !== 400 && status !== 422) p.add('responses.validationStatus', `must be 400 or 422 (got ${JSON.stringify(status)})`);
  const message = (key: keyof typeof D.responses.messages): string =>
    text(p, `responses.messages.${key}`, messages[key], D.responses.messages[key]);
  return {
    messages: { login: message('login'), refresh: message('refresh'), logout: message('logout'), logoutAll: message('logoutAll') },
    tokenBody: hook<NonNullable<Resolved['responses']['tokenBody']>>('tokenBody'),
    userBody: hook<NonNullable<Resolved['responses']['userBody']>>('userBody'),
    validationStatus: status === 422 ? 422 : 400,
  };
}

const MFA_ROUTES = [
  'mfaSend',
  'mfaVerify',
  'totpSetup',
  'totpEnable',
  'mfaDisable',
  'mfaDevices',
  'mfaDevice',
] as const satisfies readonly AuthRouteName[];
/** The switches and the routes each one turns off. */
const ACCOUNT_ROUTES = [
  'passwordForgot',
  'passwordReset',
  'emailVerify',
  'emailVerifyResend',
  'emailChange',
  'accountDelete',
  'loginCodeSend',
  'loginCode',
] as const satisfies readonly AuthRouteName[];
const SWITCHES = {
  mfa: MFA_ROUTES,
  account: ACCOUNT_ROUTES,
  registration: ['register'],
  password: ['passwordChange'],
} as const satisfies Record<'mfa' | 'account' | 'registration' | 'password', readonly AuthRouteName[]>;
const PATH = /^[A-Za-z0-9._~\-/:]*$/;

/** Validates and resolves the shape extras (routes, global guard); throws {@link AuthConfigError}. */
export function resolveAuthRoutes(extras: AuthModuleExtras): ResolvedAuthRoutes {
  const p = new Problems();
  const routes = (extras.routes ?? {}) as Dict;
  if (!isDict(routes)) throw new AuthConfigError(['routes: must be an object']);
  const defaults = AUTH_EXTRAS_DEFAULTS.routes;
  const clean = (path: string, value: unknown, fallback: string): string => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !PATH.test(value)) {
      p.add(path, `must be a URL path of letters, digits and - . _ ~ / :${path === 'routes.prefix' ? '' : ', or false'}`);
      return fallback;
    }
    return value.replace(/^\/+|\/+$/g, '');
  };
  const paths = Object.fromEntries(AUTH_ROUTE_NAMES.map((name) => [name, defaults[name]])) as Record<AuthRouteName, string | null>;
  for (const [key, value] of Object.entries(routes)) {
    if (key === 'prefix') continue;
    if (Object.hasOwn(SWITCHES, key)) {
      const name = key as keyof typeof SWITCHES;
      if (!bool(p, `routes.${key}`, value, defaults[name])) for (const route of SWITCHES[name]) paths[route] = null;
    } else if ((AUTH_ROUTE_NAMES as readonly string[]).includes(key)) {
      const name = key as AuthRouteName;
      if (value === false) paths[name] = null;
      else if (paths[name] !== null) paths[name] = clean(`routes.${key}`, value, defaults[name]);
    } else {
      p.add(`routes.${key}`, 'unknown option');
    }
  }
  if (paths.sessions === null) paths.session = null;
  if (paths.mfaDevices === null) paths.mfaDevice = null;
  if (paths.passkeys === null) paths.passkey = null;
  if (paths.identities === null) paths.identity = null;
  for (const name of ['session', 'mfaDevice', 'passkey', 'identity'] as const) {
    if (paths[name] !== null && !paths[name].split('/').includes(':id')) p.add(`routes.${name}`, "must contain the ':id' segment");
  }
  for (const name of ['oauthStart', 'oauthCallback', 'oauthToken'] as const) {
    if (paths[name] !== null && !paths[name].split('/').includes(':provider'))
      p.add(`routes.${name}`, "must contain the ':provider' segment");
  }
  const resolved: ResolvedAuthRoutes = {
    prefix: clean('routes.prefix', routes.prefix, defaults.prefix),
    paths,
    globalGuard: bool(p, 'globalGuard', extras.globalGuard, AUTH_EXTRAS_DEFAULTS.globalGuard),
  };
  if (p.list.length > 0) throw new AuthConfigError(p.list);
  return deepFreeze(resolved);
}
