import { availableParallelism } from 'node:os';
import { createPrivateKey, createPublicKey, createSecretKey, KeyObject, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { AuthConfigError } from '../errors/auth-config.error.js';
import type {
  AuthModuleExtras,
  AuthModuleOptions,
  AuthRouteName,
  JwtAlgorithm,
} from './auth-module-options.interface.js';
import { parseDurationMs } from './duration.js';
import type { ResolvedAuthOptions, ResolvedAuthRoutes } from './resolved-auth-options.js';
import type { MfaMethod } from '../stores/user.store.js';

const ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'RS256', 'ES256', 'EdDSA'];
const TOKEN_TYPES = ['header', 'cookie', 'both'] as const;
const COOKIE_PREFIXES = ['__Host-', '__Secure-'] as const;
const MFA_METHODS: readonly MfaMethod[] = ['totp', 'email', 'sms'];
const SAME_SITE = ['lax', 'strict', 'none'] as const;
const MIN_HS256_SECRET_BYTES = 32;
/** Upper bound of `passwordHashing.concurrency` and `.queue` (each running argon2id hash holds 19 MiB). */
const MAX_HASH_PLACES = 1024;

const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': [
    'accessTokenType', 'jwt', 'refreshToken', 'cookies', 'userStore', 'sessionStore', 'rateLimitStore', 'mfaStore',
    'mfaEnrolmentStore', 'mfaChallengeStore', 'passwordHasher',
    'passwordHashing', 'mfa', 'rateLimit', 'password', 'sessionCheck', 'revocation', 'storeTimeout', 'storeReadTimeout', 'defaultRoles',
    'trustProxyHeaders', 'loginIdentifiers', 'responses', 'registration',
  ],
  registration: ['revealConflicts', 'rateLimit'],
  'registration.rateLimit': ['max', 'window'],
  revocation: ['enabled', 'pollInterval', 'maxEntries'],
  responses: ['messages', 'tokenBody', 'userBody', 'validationStatus'],
  'responses.messages': ['login', 'refresh', 'logout', 'logoutAll'],
  jwt: [
    'secret', 'privateKey', 'publicKey', 'algorithm', 'issuer', 'audience', 'accessTokenTtl',
    'maxAccessTokenTtl', 'clockToleranceSeconds', 'verifiedTokenCacheSize',
  ],
  refreshToken: ['ttl', 'absoluteTtl', 'reuseGraceSeconds', 'orphanGraceSeconds', 'maxSessionsPerUser'],
  cookies: ['names', 'domain', 'secure', 'sameSite', 'csrf', 'prefix', 'refreshPath'],
  'cookies.names': ['access', 'refresh', 'trust', 'csrf'],
  mfa: [
    'methods', 'required', 'encryptionKey', 'issuer', 'codeTtl', 'codeLength', 'maxAttempts', 'lockout',
    'sendLimit', 'trustedDeviceTtl', 'senders',
  ],
  'mfa.sendLimit': ['perUser', 'perAddress'],
  'mfa.sendLimit.perUser': ['max', 'window'],
  'mfa.sendLimit.perAddress': ['max', 'window'],
  'mfa.senders': ['email', 'sms'],
  rateLimit: ['enabled', 'account', 'ceiling', 'provenFor', 'address'],
  'rateLimit.ceiling': ['max', 'window'],
  'rateLimit.account': ['maxFailures', 'window', 'lockout', 'maxLockout'],
  'rateLimit.address': ['max', 'window'],
  password: ['minLength', 'maxLength'],
  passwordHashing: ['concurrency', 'queue'],
};

/** Options that moved (before 1.0): refused with the new name instead of "unknown option". */
const MOVED_KEYS: Readonly<Record<string, string>> = {
  'rateLimit.store': 'rateLimitStore',
  'mfa.store': 'mfaStore (or mfaEnrolmentStore / mfaChallengeStore for one half)',
};

/** Collects every problem; `fail()` throws them together. */
class Problems {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
}

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof KeyObject);
}

function section(problems: Problems, root: Dict, path: string): Dict {
  const value = path.split('.').reduce<unknown>((obj, key) => (isDict(obj) ? obj[key] : undefined), root);
  if (value === undefined) return {};
  if (!isDict(value)) {
    problems.add(path, 'must be an object');
    return {};
  }
  const known = KNOWN_KEYS[path];
  if (known) {
    for (const key of Object.keys(value)) {
      const moved = MOVED_KEYS[`${path}.${key}`];
      if (!known.includes(key)) problems.add(`${path}.${key}`, moved === undefined ? 'unknown option' : `moved to ${moved}`);
    }
  }
  return value;
}

function duration(problems: Problems, path: string, value: unknown, fallback: string): number {
  const ms = parseDurationMs(value ?? fallback);
  if (ms === undefined) {
    problems.add(path, `must be a positive duration such as '15m' or a number of seconds (got ${JSON.stringify(value)})`);
    return parseDurationMs(fallback) as number;
  }
  return ms;
}

function integer(problems: Problems, path: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    problems.add(path, `must be an integer ≥ ${min} (got ${JSON.stringify(value)})`);
    return fallback;
  }
  return value;
}

function bool(problems: Problems, path: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    problems.add(path, `must be true or false (got ${JSON.stringify(value)})`);
    return fallback;
  }
  return value;
}

function text(problems: Problems, path: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    problems.add(path, 'must be a non-empty string');
    return fallback;
  }
  return value;
}

function oneOf<T extends string>(problems: Problems, path: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    problems.add(path, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got ${JSON.stringify(value)})`);
    return fallback;
  }
  return value as T;
}

const KEY_CHECKS: Record<Exclude<JwtAlgorithm, 'HS256'>, (key: KeyObject) => string | undefined> = {
  RS256: (key) =>
    key.asymmetricKeyType !== 'rsa'
      ? 'must be an RSA key for RS256'
      : (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048
        ? 'must be an RSA key of at least 2048 bits'
        : undefined,
  ES256: (key) =>
    key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
      ? 'must be a P-256 EC key for ES256'
      : undefined,
  EdDSA: (key) => (key.asymmetricKeyType !== 'ed25519' ? 'must be an Ed25519 key for EdDSA' : undefined),
};

function resolveKeys(problems: Problems, jwt: Dict, algorithm: JwtAlgorithm): { sign: KeyObject; verify: KeyObject } | undefined {
  if (algorithm === 'HS256') {
    const secret = jwt.secret;
    if (jwt.privateKey !== undefined || jwt.publicKey !== undefined) {
      problems.add('jwt.privateKey', "is only used with RS256, ES256 or EdDSA; HS256 takes 'jwt.secret'");
    }
    if (typeof secret !== 'string' && !Buffer.isBuffer(secret)) {
      problems.add('jwt.secret', 'is required for HS256 (a string or Buffer of at least 32 bytes)');
      return undefined;
    }
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    if (bytes.length < MIN_HS256_SECRET_BYTES) {
      problems.add('jwt.secret', `at least ${MIN_HS256_SECRET_BYTES} bytes for HS256 (got ${bytes.length})`);
      return undefined;
    }
    const key = createSecretKey(Buffer.from(bytes));
    return { sign: key, verify: key };
  }
  if (jwt.secret !== undefined) problems.add('jwt.secret', `is only used with HS256; ${algorithm} takes 'jwt.privateKey' and 'jwt.publicKey'`);
  let sign: KeyObject | undefined;
  let verify: KeyObject | undefined;
  try {
    if (jwt.privateKey === undefined) problems.add('jwt.privateKey', `is required for ${algorithm}`);
    else sign = jwt.privateKey instanceof KeyObject ? jwt.privateKey : createPrivateKey(jwt.privateKey as string | Buffer);
    if (sign && sign.type !== 'private') {
      problems.add('jwt.privateKey', 'must be a private key');
      sign = undefined;
    }
  } catch {
    problems.add('jwt.privateKey', 'could not be read as a PEM private key');
  }
  try {
    if (jwt.publicKey !== undefined) {
      verify = jwt.publicKey instanceof KeyObject ? jwt.publicKey : createPublicKey(jwt.publicKey as string | Buffer);
    } else if (sign) {
      verify = createPublicKey(sign);
    }
  } catch {
    problems.add('jwt.publicKey', 'could not be read as a PEM public key');
  }
  if (!sign || !verify) return undefined;
  const check = KEY_CHECKS[algorithm];
  const signProblem = check(sign);
  const verifyProblem = check(verify);
  if (signProblem) problems.add('jwt.privateKey', signProblem);
  if (verifyProblem) problems.add('jwt.publicKey', verifyProblem);
  if (signProblem || verifyProblem) return undefined;
  const probe = Buffer.from('nest-gatekeeper key pair check');
  const digest = algorithm === 'EdDSA' ? null : 'sha256';
  if (!cryptoVerify(digest, probe, verify, cryptoSign(digest, probe, sign))) {
    problems.add('jwt.publicKey', 'does not belong to jwt.privateKey (a token signed with one would not verify with the other)');
    return undefined;
  }
  return { sign, verify };
}

const MIN_ENCRYPTION_KEY_BYTES = 32;

/** `mfa.encryptionKey`: one key or a list (first encrypts), each at least 32 bytes. */
function resolveEncryptionKeys(problems: Problems, value: unknown, needed: boolean): KeyObject[] {
  if (value === undefined || value === null) {
    if (needed) problems.add('mfa.encryptionKey', "is required when mfa.methods includes 'totp' (TOTP secrets are stored encrypted; at least 32 bytes)");
    return [];
  }
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) problems.add('mfa.encryptionKey', 'must hold at least one key');
  const keys: KeyObject[] = [];
  list.forEach((key, i) => {
    const path = Array.isArray(value) ? `mfa.encryptionKey[${i}]` : 'mfa.encryptionKey';
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.isBuffer(key) ? key : undefined;
    if (bytes === undefined) problems.add(path, 'must be a string or a Buffer');
    else if (bytes.length < MIN_ENCRYPTION_KEY_BYTES) problems.add(path, `must be at least ${MIN_ENCRYPTION_KEY_BYTES} bytes (got ${bytes.length})`);
    else keys.push(createSecretKey(Buffer.from(bytes)));
  });
  return keys;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof KeyObject) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates the raw options and resolves them into the frozen, fully defaulted object every class
 * injects. Collects every problem and throws them together as one {@link AuthConfigError}, so
 * `forRoot` and `forRootAsync` fail the same way.
 */
export function resolveAuthOptions(raw: AuthModuleOptions | undefined): ResolvedAuthOptions {
  const problems = new Problems();
  if (!isDict(raw)) throw new AuthConfigError(['options: must be an object']);
  const root = raw as unknown as Dict;
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS[''].includes(key)) problems.add(key, 'unknown option');

  if (raw.userStore === undefined || raw.userStore === null) {
    problems.add('userStore', 'is required (a class, an instance or { useFactory, inject } implementing UserStore)');
  }
  const accessTokenType = oneOf(problems, 'accessTokenType', raw.accessTokenType, TOKEN_TYPES, 'header');

  if (raw.jwt === undefined) problems.add('jwt', "is required (at least 'jwt.secret')");
  const jwt = section(problems, root, 'jwt');
  const algorithm = oneOf(problems, 'jwt.algorithm', jwt.algorithm, ALGORITHMS, 'HS256');
  const keys = raw.jwt === undefined ? undefined : resolveKeys(problems, jwt, algorithm);
  const accessTtl = duration(problems, 'jwt.accessTokenTtl', jwt.accessTokenTtl, '15m');
  const maxAccessTtl = duration(problems, 'jwt.maxAccessTokenTtl', jwt.maxAccessTokenTtl, '1h');
  if (accessTtl > maxAccessTtl) problems.add('jwt.accessTokenTtl', 'must not exceed jwt.maxAccessTokenTtl');
  if (accessTtl < 1000) problems.add('jwt.accessTokenTtl', 'must be at least 1 second');

  const refresh = section(problems, root, 'refreshToken');
  const refreshTtl = duration(problems, 'refreshToken.ttl', refresh.ttl, '7d');
  const absoluteTtl = duration(problems, 'refreshToken.absoluteTtl', refresh.absoluteTtl, '30d');
  if (refreshTtl > absoluteTtl) problems.add('refreshToken.ttl', 'must not exceed refreshToken.absoluteTtl');
  const grace = integer(problems, 'refreshToken.reuseGraceSeconds', refresh.reuseGraceSeconds, 10, 0);
  // By default the access-token default (15 min), never longer than the idle lifetime.
  const orphanGrace = integer(problems, 'refreshToken.orphanGraceSeconds', refresh.orphanGraceSeconds, Math.min(120, Math.floor(refreshTtl / 1000)), 0);
  if (orphanGrace * 1000 > refreshTtl) problems.add('refreshToken.orphanGraceSeconds', 'must not exceed refreshToken.ttl');

  const cookies = section(problems, root, 'cookies');
  const names = section(problems, root, 'cookies.names');
  const cookieName = (key: string, fallback: string): string => {
    const name = text(problems, `cookies.names.${key}`, names[key], fallback);
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) problems.add(`cookies.names.${key}`, 'is not a valid cookie name');
    return name;
  };
  const sameSite = oneOf(problems, 'cookies.sameSite', cookies.sameSite, SAME_SITE, 'lax');
  const secure = bool(problems, 'cookies.secure', cookies.secure, true);
  if (sameSite === 'none' && !secure) problems.add('cookies.sameSite', "'none' requires cookies.secure: true");
  const domain = cookies.domain === undefined ? undefined : text(problems, 'cookies.domain', cookies.domain, '');
  if (domain !== undefined && !/^\.?[A-Za-z0-9.-]+$/.test(domain)) problems.add('cookies.domain', 'is not a valid domain');
  const cookiePrefix =
    cookies.prefix === undefined ? '' : oneOf(problems, 'cookies.prefix', cookies.prefix, COOKIE_PREFIXES, '__Secure-');
  if (cookiePrefix !== '' && !secure) problems.add('cookies.prefix', `'${cookiePrefix}' requires cookies.secure: true`);
  if (cookiePrefix === '__Host-' && domain !== undefined) problems.add('cookies.prefix', "'__Host-' cookies cannot have cookies.domain");
  let refreshPath: string | undefined;
  if (cookies.refreshPath !== undefined) {
    refreshPath = text(problems, 'cookies.refreshPath', cookies.refreshPath, '/');
    if (!/^\/[A-Za-z0-9\-._~!$&'()*+,=:@/%]*$/.test(refreshPath)) problems.add('cookies.refreshPath', "must be a path starting with '/'");
  }
  const prefixed = (name: string, scopedPath = false): string =>
    cookiePrefix === '__Host-' && scopedPath ? `__Secure-${name}` : `${cookiePrefix}${name}`;

  const allNames = ['access', 'refresh', 'trust', 'csrf'].map((key) => names[key] ?? `${key}_token`);
  const twice = allNames.find((name, i) => allNames.indexOf(name) !== i);
  if (twice !== undefined) problems.add('cookies.names', `every cookie needs its own name (${String(twice)} is used twice)`);

  const mfa = section(problems, root, 'mfa');
  let methods: MfaMethod[] = [];
  if (mfa.methods !== undefined) {
    if (!Array.isArray(mfa.methods) || mfa.methods.some((m) => !MFA_METHODS.includes(m as MfaMethod))) {
      problems.add('mfa.methods', `must be an array of ${MFA_METHODS.map((m) => `'${m}'`).join(', ')}`);
    } else methods = [...new Set(mfa.methods as MfaMethod[])];
  }
  const mfaRequired = bool(problems, 'mfa.required', mfa.required, false);
  if (mfaRequired && methods.length === 0) problems.add('mfa.required', 'needs at least one method in mfa.methods');
  const encryptionKeys = resolveEncryptionKeys(problems, mfa.encryptionKey, methods.includes('totp'));
  const senders = section(problems, root, 'mfa.senders');
  for (const method of ['email', 'sms'] as const) {
    if (methods.includes(method) && (senders[method] === undefined || senders[method] === null)) {
      problems.add(`mfa.senders.${method}`, `is required when mfa.methods includes '${method}' (the module never sends by itself)`);
    }
  }
  const codeTtl = duration(problems, 'mfa.codeTtl', mfa.codeTtl, '10m');
  if (codeTtl > 600_000) problems.add('mfa.codeTtl', 'must be at most 10 minutes');
  const codeLength = integer(problems, 'mfa.codeLength', mfa.codeLength, 6, 6);
  if (codeLength > 10) problems.add('mfa.codeLength', 'must be at most 10');
  section(problems, root, 'mfa.sendLimit');
  const perUser = section(problems, root, 'mfa.sendLimit.perUser');
  const perAddress = section(problems, root, 'mfa.sendLimit.perAddress');

  const rate = section(problems, root, 'rateLimit');
  const account = section(problems, root, 'rateLimit.account');
  const address = section(problems, root, 'rateLimit.address');
  const ceiling = section(problems, root, 'rateLimit.ceiling');
  const registration = section(problems, root, 'registration');
  const registrationLimit = section(problems, root, 'registration.rateLimit');
  const lockout = duration(problems, 'rateLimit.account.lockout', account.lockout, '30s');
  const maxLockout = duration(problems, 'rateLimit.account.maxLockout', account.maxLockout, '15m');
  if (lockout > maxLockout) problems.add('rateLimit.account.lockout', 'must not exceed rateLimit.account.maxLockout');

  const password = section(problems, root, 'password');
  const minLength = integer(problems, 'password.minLength', password.minLength, 8, 1);
  const maxLength = integer(problems, 'password.maxLength', password.maxLength, 128, 1);
  if (maxLength > 1024) problems.add('password.maxLength', 'must be at most 1024');
  if (minLength > maxLength) problems.add('password.minLength', 'must not exceed password.maxLength');

  const hashing = section(problems, root, 'passwordHashing');
  const hashConcurrency = integer(problems, 'passwordHashing.concurrency', hashing.concurrency, availableParallelism(), 1);
  if (hashConcurrency > MAX_HASH_PLACES) problems.add('passwordHashing.concurrency', `must be at most ${MAX_HASH_PLACES}`);
  const hashQueue = integer(problems, 'passwordHashing.queue', hashing.queue, Math.min(32 * hashConcurrency, MAX_HASH_PLACES), 0);
  if (hashQueue > MAX_HASH_PLACES) problems.add('passwordHashing.queue', `must be at most ${MAX_HASH_PLACES}`);

  let defaultRoles: string[] = ['user'];
  if (raw.defaultRoles !== undefined) {
    if (!Array.isArray(raw.defaultRoles) || raw.defaultRoles.some((r) => typeof r !== 'string' || r === '')) {
      problems.add('defaultRoles', 'must be an array of non-empty strings');
    } else defaultRoles = [...raw.defaultRoles];
  }

  const storeTimeoutMs = raw.storeTimeout === false ? null : duration(problems, 'storeTimeout', raw.storeTimeout, '5s');
  const resolved: ResolvedAuthOptions = {
    accessTokenType,
    jwt: {
      algorithm,
      signingKey: keys?.sign as KeyObject,
      verificationKey: keys?.verify as KeyObject,
      issuer: text(problems, 'jwt.issuer', jwt.issuer, 'nest-gatekeeper'),
      audience: text(problems, 'jwt.audience', jwt.audience, 'nest-gatekeeper'),
      accessTokenTtlSeconds: Math.floor(accessTtl / 1000),
      maxAccessTokenTtlSeconds: Math.floor(maxAccessTtl / 1000),
      clockToleranceSeconds: integer(problems, 'jwt.clockToleranceSeconds', jwt.clockToleranceSeconds, 0, 0),
      verifiedTokenCacheSize: integer(problems, 'jwt.verifiedTokenCacheSize', jwt.verifiedTokenCacheSize, 10_000, 0),
    },
    refreshToken: {
      ttlMs: refreshTtl,
      absoluteTtlMs: absoluteTtl,
      reuseGraceMs: grace * 1000,
      orphanGraceMs: orphanGrace * 1000,
      maxSessionsPerUser:
        refresh.maxSessionsPerUser === undefined ? null : integer(problems, 'refreshToken.maxSessionsPerUser', refresh.maxSessionsPerUser, 1, 1),
    },
    cookies: {
      names: {
        access: prefixed(cookieName('access', 'access_token')),
        refresh: prefixed(cookieName('refresh', 'refresh_token'), true),
        trust: prefixed(cookieName('trust', 'trust_token'), true),
        csrf: prefixed(cookieName('csrf', 'csrf_token')),
      },
      domain,
      secure,
      sameSite,
      csrf: bool(problems, 'cookies.csrf', cookies.csrf, true),
      refreshPath,
    },
    mfa: {
      methods,
      required: mfaRequired,
      encryptionKeys,
      issuer: text(problems, 'mfa.issuer', mfa.issuer, 'nest-gatekeeper'),
      codeTtlMs: codeTtl,
      codeLength,
      maxAttempts: integer(problems, 'mfa.maxAttempts', mfa.maxAttempts, 5, 1),
      lockoutMs: duration(problems, 'mfa.lockout', mfa.lockout, '15m'),
      sendLimit: {
        perUser: {
          max: integer(problems, 'mfa.sendLimit.perUser.max', perUser.max, 5, 1),
          windowMs: duration(problems, 'mfa.sendLimit.perUser.window', perUser.window, '15m'),
        },
        perAddress: {
          max: integer(problems, 'mfa.sendLimit.perAddress.max', perAddress.max, 20, 1),
          windowMs: duration(problems, 'mfa.sendLimit.perAddress.window', perAddress.window, '15m'),
        },
      },
      trustedDeviceTtlMs: duration(problems, 'mfa.trustedDeviceTtl', mfa.trustedDeviceTtl, '30d'),
      pendingTtlSeconds: 300,
    },
    rateLimit: {
      enabled: bool(problems, 'rateLimit.enabled', rate.enabled, true),
      account: {
        maxFailures: integer(problems, 'rateLimit.account.maxFailures', account.maxFailures, 5, 1),
        windowMs: duration(problems, 'rateLimit.account.window', account.window, '1h'),
        lockoutMs: lockout,
        maxLockoutMs: maxLockout,
      },
      ceiling: {
        max: integer(problems, 'rateLimit.ceiling.max', ceiling.max, 50, 1),
        windowMs: duration(problems, 'rateLimit.ceiling.window', ceiling.window, '1h'),
      },
      provenForMs: duration(problems, 'rateLimit.provenFor', rate.provenFor, '30d'),
      address: {
        max: integer(problems, 'rateLimit.address.max', address.max, 100, 1),
        windowMs: duration(problems, 'rateLimit.address.window', address.window, '15m'),
      },
    },
    registration: {
      revealConflicts: bool(problems, 'registration.revealConflicts', registration.revealConflicts, true),
      rateLimit: {
        max: integer(problems, 'registration.rateLimit.max', registrationLimit.max, 20, 1),
        windowMs: duration(problems, 'registration.rateLimit.window', registrationLimit.window, '1h'),
      },
    },
    password: { minLength, maxLength },
    passwordHashing: { concurrency: hashConcurrency, queue: hashQueue },
    sessionCheck: bool(problems, 'sessionCheck', raw.sessionCheck, false),
    revocation: resolveRevocation(problems, root),
    storeTimeoutMs,
    storeReadTimeoutMs:
      raw.storeReadTimeout === false
        ? storeTimeoutMs
        : storeTimeoutMs === null
          ? null
          : Math.min(storeTimeoutMs, duration(problems, 'storeReadTimeout', raw.storeReadTimeout, '2s')),
    defaultRoles,
    trustProxyHeaders: bool(problems, 'trustProxyHeaders', raw.trustProxyHeaders, false),
    loginIdentifiers: resolveIdentifiers(problems, raw.loginIdentifiers),
    responses: resolveResponses(problems, root),
  };
  if (problems.list.length > 0) throw new AuthConfigError(problems.list);
  return deepFreeze(resolved);
}

function resolveRevocation(problems: Problems, root: Dict): ResolvedAuthOptions['revocation'] {
  const revocation = section(problems, root, 'revocation');
  const pollIntervalMs = duration(problems, 'revocation.pollInterval', revocation.pollInterval, '500ms');
  if (pollIntervalMs < 10 || pollIntervalMs > 60_000) problems.add('revocation.pollInterval', 'must be between 10ms and 60s');
  return {
    enabled: bool(problems, 'revocation.enabled', revocation.enabled, true),
    pollIntervalMs,
    maxEntries: integer(problems, 'revocation.maxEntries', revocation.maxEntries, 1_000_000, 1),
  };
}

function resolveIdentifiers(problems: Problems, value: unknown): readonly ('username' | 'email')[] {
  if (value === undefined) return ['username', 'email'];
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => v === 'username' || v === 'email') &&
    new Set(value).size === value.length;
  if (!valid) {
    problems.add('loginIdentifiers', `must be ['username'], ['email'] or ['username', 'email'] (got ${JSON.stringify(value)})`);
    return ['username', 'email'];
  }
  return [...(value as ('username' | 'email')[])];
}

function resolveResponses(problems: Problems, root: Dict): ResolvedAuthOptions['responses'] {
  const responses = section(problems, root, 'responses');
  const messages = section(problems, root, 'responses.messages');
  const hook = <F>(name: string, value: unknown): F | null => {
    if (value === undefined) return null;
    if (typeof value !== 'function') {
      problems.add(`responses.${name}`, 'must be a function');
      return null;
    }
    return value as F;
  };
  const status = responses['validationStatus'] ?? 400;
  if (status !== 400 && status !== 422) problems.add('responses.validationStatus', `must be 400 or 422 (got ${JSON.stringify(status)})`);
  return {
    messages: {
      login: text(problems, 'responses.messages.login', messages['login'], 'Login successful.'),
      refresh: text(problems, 'responses.messages.refresh', messages['refresh'], 'Token refreshed.'),
      logout: text(problems, 'responses.messages.logout', messages['logout'], 'Logged out.'),
      logoutAll: text(problems, 'responses.messages.logoutAll', messages['logoutAll'], 'Logged out of all sessions.'),
    },
    tokenBody: hook<NonNullable<ResolvedAuthOptions['responses']['tokenBody']>>('tokenBody', responses['tokenBody']),
    userBody: hook<NonNullable<ResolvedAuthOptions['responses']['userBody']>>('userBody', responses['userBody']),
    validationStatus: status === 422 ? 422 : 400,
  };
}

const ROUTE_DEFAULTS: Record<AuthRouteName, string> = {
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
};
const MFA_ROUTES = ['mfaSend', 'mfaVerify', 'totpSetup', 'totpEnable', 'mfaDisable', 'mfaDevices', 'mfaDevice'] as const;

const PATH = /^[A-Za-z0-9._~\-/:]*$/;
const SWITCHES = { registration: 'register', password: 'passwordChange' } as const;

/** Validates and resolves the shape extras (routes, global guard); throws {@link AuthConfigError}. */
export function resolveAuthRoutes(extras: AuthModuleExtras): ResolvedAuthRoutes {
  const problems = new Problems();
  const routes = (extras.routes ?? {}) as Dict;
  if (!isDict(routes)) throw new AuthConfigError(['routes: must be an object']);
  const clean = (path: string, value: unknown, fallback: string): string => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !PATH.test(value)) {
      problems.add(path, `must be a URL path of letters, digits and - . _ ~ / :${path === 'routes.prefix' ? '' : ', or false'}`);
      return fallback;
    }
    return value.replace(/^\/+|\/+$/g, '');
  };
  const paths: Record<AuthRouteName, string | null> = { ...ROUTE_DEFAULTS };
  for (const [key, value] of Object.entries(routes)) {
    if (key === 'prefix') continue;
    if (key === 'mfa') {
      if (bool(problems, 'routes.mfa', value, true) === false) for (const name of MFA_ROUTES) paths[name] = null;
      continue;
    }
    if (key in SWITCHES) {
      if (bool(problems, `routes.${key}`, value, true) === false) paths[SWITCHES[key as keyof typeof SWITCHES]] = null;
    } else if (key in ROUTE_DEFAULTS) {
      const name = key as AuthRouteName;
      if (value === false) paths[name] = null;
      else if (paths[name] !== null) paths[name] = clean(`routes.${key}`, value, ROUTE_DEFAULTS[name]);
    } else {
      problems.add(`routes.${key}`, 'unknown option');
    }
  }
  if (paths.sessions === null) paths.session = null;
  if (paths.mfaDevices === null) paths.mfaDevice = null;
  if (paths.mfaDevice !== null && !paths.mfaDevice.split('/').includes(':id')) {
    problems.add('routes.mfaDevice', "must contain the ':id' segment");
  }
  if (paths.session !== null && !paths.session.split('/').includes(':id')) {
    problems.add('routes.session', "must contain the ':id' segment");
  }
  const resolved: ResolvedAuthRoutes = {
    prefix: clean('routes.prefix', routes.prefix, 'auth'),
    paths,
    globalGuard: bool(problems, 'globalGuard', extras.globalGuard, true),
  };
  if (problems.list.length > 0) throw new AuthConfigError(problems.list);
  return deepFreeze(resolved);
}
