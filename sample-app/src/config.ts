import { resolve } from 'node:path';
import type { AccessTokenType, JwtAlgorithm, JwtKeyOptions } from 'nest-gatekeeper';
import type { LogLevel } from '@nestjs/common';
import type { SampleHttpAdapter } from './http-adapter.js';
import { generateDevelopmentKey, JWT_ALGORITHMS, readJwksFile } from './signing-keys.js';

/**
 * The development JWT secret: used only when JWT_SECRET is unset outside production, with a warning at
 * start-up. Anyone can read it here, so with NODE_ENV=production it is refused (see {@link loadConfig}).
 */
export const DEVELOPMENT_JWT_SECRET = 'nest-gatekeeper-sample-app-development-secret-do-not-use';

/**
 * The development key that encrypts TOTP secrets at rest: used only when MFA_ENCRYPTION_KEY is unset
 * outside production, with a warning at start-up; refused with NODE_ENV=production.
 */
export const DEVELOPMENT_MFA_ENCRYPTION_KEY = 'nest-gatekeeper-sample-app-development-mfa-key-do-not-use';

/** Node HTTP server timeouts of the sample app, in milliseconds (0 switches one off). */
export interface ServerTimeouts {
  /** Whole request, headers and body (REQUEST_TIMEOUT_MS, default 15 000): a slow body is cut off with 408. */
  requestTimeoutMs: number;
  /** Request headers (HEADERS_TIMEOUT_MS, default 10 000, at most the request timeout). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection (KEEP_ALIVE_TIMEOUT_MS, default 5 000). */
  keepAliveTimeoutMs: number;
}

/** The smallest secret or key the sample app accepts in production (the module's HS256 minimum). */
export const MIN_SECRET_BYTES = 32;

/** A setting the sample app refuses to start with; the message lists every problem, one a line. */
export class SampleConfigError extends Error {
  override readonly name = 'SampleConfigError';
}

/**
 * Where the sample app's signing keys come from:
 * - `secret`: JWT_SECRET (HS256);
 * - `development-secret`: JWT_SECRET unset, HS256 with {@link DEVELOPMENT_JWT_SECRET} (outside production);
 * - `generated`: JWT_ALGORITHM=EdDSA, ES256 or RS256 without JWT_JWKS_FILE: a key pair generated at
 *   start-up (outside production; another one at every restart and on every instance);
 * - `file`: JWT_JWKS_FILE, a JSON Web Key Set of private keys.
 */
export type SigningKeySource = 'secret' | 'development-secret' | 'generated' | 'file';

/** The access-token keys of the sample app (`jwt.keys` of the auth module), and where they are published. */
export interface SampleJwtSettings {
  /** The algorithm of the key that signs (JWT_ALGORITHM, or the first key of JWT_JWKS_FILE). */
  algorithm: JwtAlgorithm;
  /** `jwt.keys`: the first key `active` (signs), every other `standby` (verifies, and is published when asymmetric). */
  keys: JwtKeyOptions[];
  source: SigningKeySource;
  /** JWT_JWKS_FILE as given, or `null`. */
  file: string | null;
  /**
   * `jwt.publicUrl`, from which `GET /.well-known/oauth-authorization-server` builds its URLs (served
   * only with an asymmetric key): {@link SampleConfig.publicUrl}, except with NODE_ENV=production
   * and no PUBLIC_URL, where it is `null` (the document is then not served rather than name localhost).
   */
  publicUrl: string | null;
}

/** The sample app's settings, read once from the environment (CONTRACT §7). */
export interface SampleConfig {
  port: number;
  /** HTTP_ADAPTER: the HTTP platform, `express` (default) or `fastify`; every route and setting is the same on both. */
  httpAdapter: SampleHttpAdapter;
  accessTokenType: AccessTokenType;
  databaseUrl: string;
  /** The signing and verification keys of access tokens (JWT_ALGORITHM, JWT_SECRET, JWT_JWKS_FILE). */
  jwt: SampleJwtSettings;
  /** True when JWT_SECRET was unset and the development secret is in use (HS256 without a key file). */
  usingDevelopmentSecret: boolean;
  /** JWT_JWKS_MAX_AGE (a duration such as `5m`; the module's default when unset): how long verifiers may cache the published keys. */
  jwksMaxAge: string | undefined;
  /** The key(s) that encrypt TOTP secrets at rest (`mfa.encryptionKey`, at least 32 bytes). */
  mfaEncryptionKey: string;
  /** True when MFA_ENCRYPTION_KEY was unset and the development key is in use. */
  usingDevelopmentMfaKey: boolean;
  /**
   * NODE_ENV is `production`: the development-only routes (`/dev/outbox`) are left out, the demo page
   * lists no credentials, and a signing key (JWT_SECRET, or JWT_JWKS_FILE) and MFA_ENCRYPTION_KEY are required.
   */
  production: boolean;
  /** Seed the demo users at start-up (SEED_DEMO_USERS; on outside production, off in production). */
  seedDemoUsers: boolean;
  /** Serve Swagger UI at `/docs` and its JSON at `/docs-json` (SWAGGER; on outside production, off in production). */
  swagger: boolean;
  /** The HTTP server's timeouts (a never-ending request body must not hold a socket for minutes). */
  server: ServerTimeouts;
  /**
   * How long a shutdown (SIGTERM, SIGINT) may take in all (SHUTDOWN_TIMEOUT_MS, default 10 000): the
   * requests in flight are answered, keep-alive connections closed after their current response, and
   * what is still running a second before the end is cut off.
   */
  shutdownTimeoutMs: number;
  cookieSecure: boolean;
  /**
   * Where sessions live: the user database (default without REDIS_URL), Redis (default with
   * REDIS_URL) or process memory (benchmarks; one instance only).
   */
  sessionStore: 'memory' | 'database' | 'redis';
  /** `redis://…` (REDIS_URL): sessions, attempt counters, e-mail codes, trusted devices and account tokens go to Redis. */
  redisUrl: string | null;
  /** Prefix of every Redis key (REDIS_KEY_PREFIX, default `gk:`), so apps can share one Redis. */
  redisKeyPrefix: string;
  /** `refreshToken.reuseGraceSeconds` (REFRESH_REUSE_GRACE_SECONDS, default the module's 10 s). */
  reuseGraceSeconds: number | undefined;
  /** The revocation feed (`revocation.enabled`); REVOCATION_FEED=off turns it off (benchmark comparison). */
  revocationFeed: boolean;
  /**
   * The security events: JSON lines in the log (`events.log`) and the activity feed. AUTH_EVENTS=off
   * turns both off, so that no event is built (the benchmarks' comparison).
   */
  eventsLog: boolean;
  /**
   * E-mail verification (EMAIL_VERIFICATION): `optional` (default: a link is sent at registration and
   * on request, sign-in works without it), `required` (sign-in refused until the address is verified)
   * or `off` (no verification messages; e-mail changes are still confirmed by the new address).
   */
  emailVerification: EmailVerificationSetting;
  /** What a password reset message carries (PASSWORD_RESET_METHOD): a `link` (default) or a `code`. */
  passwordResetMethod: 'link' | 'code';
  /** Sign-in by e-mail code (LOGIN_CODE=on; off by default). */
  loginCode: boolean;
  /**
   * Passkeys (PASSKEYS, on by default): the RP id (WEBAUTHN_RP_ID, default the host of PUBLIC_URL,
   * i.e. `localhost`) and the origins the browser runs the ceremonies on (WEBAUTHN_ORIGIN,
   * comma-separated, default the origin of PUBLIC_URL); `null` with PASSKEYS=off.
   */
  passkeys: { rpId: string; origins: string[] } | null;
  /**
   * Sign-in with an OpenID Connect provider (on when OIDC_ISSUER and OIDC_CLIENT_ID are set; one
   * without the other is refused): its issuer URL (OIDC_ISSUER), the client id and secret it issued
   * to this app (OIDC_CLIENT_ID, OIDC_CLIENT_SECRET; without a secret, a public client with PKCE
   * only) and the text of the "Sign in with …" button (OIDC_LABEL, default `OpenID`). The callback
   * URL to register at the provider is `<PUBLIC_URL>/auth/oauth/oidc/callback`; `null` when off.
   */
  oidc: SampleOidcSettings | null;
  /**
   * Where the demo page is reached from a mail client (PUBLIC_URL, default `http://localhost:<PORT>`),
   * without a trailing slash: the links of the account e-mails point to it (see {@link accountLinks}),
   * and the OpenID Connect callback URL is built on it (`oauth.baseUrl`).
   */
  publicUrl: string;
  logLevels: LogLevel[];
}

/** The OpenID Connect provider of the sample app: see {@link SampleConfig.oidc}. */
export interface SampleOidcSettings {
  issuer: string;
  clientId: string;
  /** `undefined` without OIDC_CLIENT_SECRET (a public client). */
  clientSecret: string | undefined;
  label: string;
}

/** The provider's name in `oauth.providers`, the `:provider` of its routes (`/auth/oauth/oidc`, its callback). */
export const OIDC_PROVIDER_NAME = 'oidc';

/** EMAIL_VERIFICATION: see {@link SampleConfig.emailVerification}. */
export type EmailVerificationSetting = 'optional' | 'required' | 'off';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/** The default database: an SQLite file under the sample app (`sample-app/data/gatekeeper.sqlite`). */
export function defaultDatabaseUrl(): string {
  return `sqlite:${resolve(import.meta.dirname, '..', 'data', 'gatekeeper.sqlite')}`;
}

/** `env[name]` (lower-cased), one of `allowed`, or `fallback` when unset. */
function choice<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.toLowerCase();
  if (!(allowed as readonly string[]).includes(value)) {
    throw new SampleConfigError(`${name}: expected ${allowed.map((a) => `'${a}'`).join(', ')}, got '${raw}'`);
  }
  return value as T;
}

/** HTTP_ADAPTER [`express`] | `fastify` (also read by the resource-server role). */
export function httpAdapterSetting(env: NodeJS.ProcessEnv): SampleHttpAdapter {
  return choice<SampleHttpAdapter>(env, 'HTTP_ADAPTER', ['express', 'fastify'], 'express');
}

/**
 * PUBLIC_URL: an http(s) URL without query or fragment (a path prefix is kept), returned without its
 * trailing slash; `http://localhost:<port>` when unset.
 */
function publicUrl(env: NodeJS.ProcessEnv, port: number): string {
  const raw = env.PUBLIC_URL;
  if (raw === undefined || raw === '') return `http://localhost:${port}`;
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  if (
    url === null ||
    !/^https?:$/.test(url.protocol) ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new SampleConfigError(`PUBLIC_URL: expected an http:// or https:// URL without query or fragment, got '${redactUrl(raw)}'`);
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * The `links` of the auth module: every account e-mail points to the demo page at PUBLIC_URL, which
 * reads the token from its query string (`?reset=` opens the new-password form, `?verify=` confirms
 * the address: a verification and an e-mail change go to the same `POST /auth/email/verify`).
 */
export function accountLinks(config: Pick<SampleConfig, 'publicUrl'>): {
  passwordReset: string;
  emailVerification: string;
  emailChange: string;
} {
  const page = `${config.publicUrl}/`;
  return { passwordReset: `${page}?reset={token}`, emailVerification: `${page}?verify={token}`, emailChange: `${page}?verify={token}` };
}

/**
 * OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_LABEL (see {@link SampleConfig.oidc});
 * `null` when none is set. The issuer URL itself is checked by the auth module at start-up.
 */
function oidcSettings(env: NodeJS.ProcessEnv, production: boolean): SampleOidcSettings | null {
  const issuer = env.OIDC_ISSUER || '';
  const clientId = env.OIDC_CLIENT_ID || '';
  if (issuer === '' && clientId === '') {
    const stray = ['OIDC_CLIENT_SECRET', 'OIDC_LABEL'].filter((name) => env[name]);
    if (stray.length > 0) {
      const one = stray.length === 1;
      throw new SampleConfigError(
        `${stray.join(' and ')}: ${one ? 'is' : 'are'} only used with OIDC_ISSUER and OIDC_CLIENT_ID; set those too, or unset ${one ? 'it' : 'them'}`,
      );
    }
    return null;
  }
  if (issuer === '') throw new SampleConfigError("OIDC_ISSUER: is required with OIDC_CLIENT_ID (the provider's issuer URL)");
  if (clientId === '') throw new SampleConfigError('OIDC_CLIENT_ID: is required with OIDC_ISSUER (the client id the provider issued)');
  if (production && !env.PUBLIC_URL) {
    throw new SampleConfigError(
      'PUBLIC_URL: is required with OIDC_ISSUER and NODE_ENV=production (the callback URL registered at the provider is built on it)',
    );
  }
  return { issuer, clientId, clientSecret: env.OIDC_CLIENT_SECRET || undefined, label: env.OIDC_LABEL || 'OpenID' };
}

/** A whole number of milliseconds from `env[name]`, or `fallback` when unset. */
function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new SampleConfigError(`${name}: expected a whole number of milliseconds, got '${raw}'`);
  return value;
}

/**
 * The secret or key `name` in production: required, at least {@link MIN_SECRET_BYTES} bytes, and not
 * the development value printed in this file. Returns the problems found (empty when fine).
 */
function productionSecretProblems(name: string, value: string | undefined, developmentValue: string): string[] {
  const hint = `set ${name} to a random value of at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -base64 48)`;
  if (!value) return [`${name}: is required with NODE_ENV=production; ${hint}`];
  if (value === developmentValue) return [`${name}: is the public development value from the sample app's source; ${hint}`];
  if (Buffer.byteLength(value) < MIN_SECRET_BYTES) return [`${name}: is ${Buffer.byteLength(value)} bytes long; ${hint}`];
  return [];
}

/** JWT_ALGORITHM (read in any case, e.g. `eddsa`), or `undefined` when unset. */
function jwtAlgorithm(env: NodeJS.ProcessEnv): JwtAlgorithm | undefined {
  const raw = env.JWT_ALGORITHM;
  if (raw === undefined || raw === '') return undefined;
  const algorithm = JWT_ALGORITHMS.find((a) => a.toLowerCase() === raw.toLowerCase());
  if (algorithm === undefined) {
    throw new SampleConfigError(`JWT_ALGORITHM: expected ${JWT_ALGORITHMS.map((a) => `'${a}'`).join(', ')}, got '${raw}'`);
  }
  return algorithm;
}

/**
 * The signing key's problems with NODE_ENV=production: with JWT_JWKS_FILE none here (the file is
 * checked when read); with HS256, JWT_SECRET must be set, long enough and not the development value;
 * with EdDSA, ES256 or RS256 a key file is required (a generated pair would change at every restart).
 */
function productionKeyProblems(env: NodeJS.ProcessEnv, algorithm: JwtAlgorithm | undefined): string[] {
  if (env.JWT_JWKS_FILE) return [];
  if (algorithm === undefined || algorithm === 'HS256')
    return productionSecretProblems('JWT_SECRET', env.JWT_SECRET, DEVELOPMENT_JWT_SECRET);
  return [
    `JWT_JWKS_FILE: is required with NODE_ENV=production and JWT_ALGORITHM=${algorithm}; without it a development key pair ` +
      'would be generated at every start (tokens refused after a restart and by every other instance). ' +
      'Set JWT_JWKS_FILE to a JSON Web Key Set of private keys (see docs/sample-app.md)',
  ];
}

/**
 * The access-token keys (see {@link SigningKeySource}). JWT_JWKS_FILE wins over generating a key, and
 * refuses a JWT_SECRET beside it (which it would ignore) and a JWT_ALGORITHM other than its first
 * key's. A JWT_SECRET with JWT_ALGORITHM=EdDSA, ES256 or RS256 is refused for the same reason.
 */
function signingKeys(
  env: NodeJS.ProcessEnv,
  algorithm: JwtAlgorithm | undefined,
  publicUrlSetting: string | null,
  production: boolean,
): SampleJwtSettings {
  const file = env.JWT_JWKS_FILE || null;
  if (file !== null) {
    if (env.JWT_SECRET) {
      throw new SampleConfigError(
        'JWT_SECRET: is not used with JWT_JWKS_FILE (the first key of the file signs); unset one of them. To keep ' +
          'accepting the tokens the secret signed, add it to the file as an HS256 key ({ "kty": "oct", "alg": "HS256", "k": … }) after the first.',
      );
    }
    const { keys, problems } = readJwksFile(file);
    const development = Buffer.from(DEVELOPMENT_JWT_SECRET);
    keys.forEach((key, i) => {
      if (production && key.secret !== undefined && development.equals(Buffer.from(key.secret))) {
        problems.push(`keys[${i}].k: is the public development secret from the sample app's source (refused with NODE_ENV=production)`);
      }
    });
    if (problems.length > 0) {
      throw new SampleConfigError(
        `JWT_JWKS_FILE (${file}): ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      );
    }
    const first = keys[0].algorithm;
    if (algorithm !== undefined && algorithm !== first) {
      throw new SampleConfigError(
        `JWT_ALGORITHM=${algorithm} does not match the first key of JWT_JWKS_FILE (${first}), which signs; ` +
          'set JWT_ALGORITHM to its algorithm or leave it unset.',
      );
    }
    return { algorithm: first, keys, source: 'file', file, publicUrl: publicUrlSetting };
  }
  if (algorithm !== undefined && algorithm !== 'HS256') {
    if (env.JWT_SECRET) {
      throw new SampleConfigError(
        `JWT_SECRET: is only used with JWT_ALGORITHM=HS256, not ${algorithm}; unset it (a key pair is generated for development) or set JWT_JWKS_FILE.`,
      );
    }
    return {
      algorithm,
      keys: [{ algorithm, privateKey: generateDevelopmentKey(algorithm), status: 'active' }],
      source: 'generated',
      file: null,
      publicUrl: publicUrlSetting,
    };
  }
  const secret = env.JWT_SECRET || DEVELOPMENT_JWT_SECRET;
  return {
    algorithm: 'HS256',
    keys: [{ algorithm: 'HS256', secret, status: 'active' }],
    source: env.JWT_SECRET ? 'secret' : 'development-secret',
    file: null,
    publicUrl: publicUrlSetting,
  };
}

/**
 * Reads the settings. Throws a {@link SampleConfigError} for a malformed value, and with
 * NODE_ENV=production for a missing, short or development JWT_SECRET (or a missing JWT_JWKS_FILE
 * with an asymmetric JWT_ALGORITHM) or MFA_ENCRYPTION_KEY (every problem listed): a deployed sample
 * app must never sign with a secret printed in its own source, or with a key that dies with the process.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const production = env.NODE_ENV === 'production';
  const algorithm = jwtAlgorithm(env);
  if (production) {
    const problems = [
      ...productionKeyProblems(env, algorithm),
      ...productionSecretProblems('MFA_ENCRYPTION_KEY', env.MFA_ENCRYPTION_KEY, DEVELOPMENT_MFA_ENCRYPTION_KEY),
    ];
    if (problems.length > 0) {
      throw new SampleConfigError(`Refusing to start with NODE_ENV=production:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
  }

  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SampleConfigError(`PORT: not a port number: ${env.PORT}`);

  const httpAdapter = httpAdapterSetting(env);
  const accessTokenType = (env.AUTH_ACCESS_TOKEN_TYPE || 'header') as AccessTokenType;

  const redisUrl = env.REDIS_URL || null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    throw new SampleConfigError(`REDIS_URL: expected redis://… or rediss://…, got '${redactUrl(redisUrl)}'`);
  }
  const sessionStore = (env.SESSION_STORE || (redisUrl ? 'redis' : 'database')).toLowerCase();
  if (sessionStore !== 'memory' && sessionStore !== 'database' && sessionStore !== 'redis') {
    throw new SampleConfigError(`SESSION_STORE: expected 'memory', 'database' or 'redis', got '${env.SESSION_STORE}'`);
  }
  if (sessionStore === 'redis' && redisUrl === null) throw new SampleConfigError('SESSION_STORE=redis needs REDIS_URL');

  let reuseGraceSeconds: number | undefined;
  if (env.REFRESH_REUSE_GRACE_SECONDS) {
    reuseGraceSeconds = Number(env.REFRESH_REUSE_GRACE_SECONDS);
    if (!Number.isInteger(reuseGraceSeconds) || reuseGraceSeconds < 0) {
      throw new SampleConfigError(
        `REFRESH_REUSE_GRACE_SECONDS: expected a whole number of seconds, got '${env.REFRESH_REUSE_GRACE_SECONDS}'`,
      );
    }
  }

  const level = (env.LOG_LEVEL || 'log').toLowerCase() as LogLevel;
  const index = LEVELS.indexOf(level);
  if (index < 0) throw new SampleConfigError(`LOG_LEVEL: expected one of ${LEVELS.join(', ')}, got '${env.LOG_LEVEL}'`);

  const requestTimeoutMs = milliseconds(env, 'REQUEST_TIMEOUT_MS', 15_000);
  const headersTimeoutMs = milliseconds(env, 'HEADERS_TIMEOUT_MS', 10_000);
  const server: ServerTimeouts = {
    requestTimeoutMs,
    // Node requires headersTimeout <= requestTimeout (when both are on).
    headersTimeoutMs: requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs ? requestTimeoutMs : headersTimeoutMs,
    keepAliveTimeoutMs: milliseconds(env, 'KEEP_ALIVE_TIMEOUT_MS', 5_000),
  };

  const shutdownTimeoutMs = milliseconds(env, 'SHUTDOWN_TIMEOUT_MS', 10_000);
  if (shutdownTimeoutMs < 100) throw new SampleConfigError(`SHUTDOWN_TIMEOUT_MS: at least 100, got '${env.SHUTDOWN_TIMEOUT_MS}'`);

  const emailVerification = choice<EmailVerificationSetting>(env, 'EMAIL_VERIFICATION', ['optional', 'required', 'off'], 'optional');
  const passwordResetMethod = choice(env, 'PASSWORD_RESET_METHOD', ['link', 'code'], 'link');
  const loginCode = choice(env, 'LOGIN_CODE', ['off', 'on'], 'off') === 'on';

  const appUrl = publicUrl(env, port);
  const passkeysOn = choice(env, 'PASSKEYS', ['on', 'off'], 'on') === 'on';
  const origins = (env.WEBAUTHN_ORIGIN || new URL(appUrl).origin)
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  const passkeys = passkeysOn ? { rpId: env.WEBAUTHN_RP_ID || new URL(appUrl).hostname, origins } : null;
  const oidc = oidcSettings(env, production);
  // Where a role switch (e.g. a verify-only resource server) would pick other keys.
  const jwt = signingKeys(env, algorithm, production && !env.PUBLIC_URL ? null : appUrl, production);
  const mfaEncryptionKey = env.MFA_ENCRYPTION_KEY || DEVELOPMENT_MFA_ENCRYPTION_KEY;
  const jwksMaxAge = env.JWT_JWKS_MAX_AGE || undefined;
  if (jwksMaxAge !== undefined && !/^\d+(ms|s|m|h|d)$/.test(jwksMaxAge)) {
    throw new SampleConfigError(`JWT_JWKS_MAX_AGE: expected a duration such as 30s or 5m, got '${jwksMaxAge}'`);
  }
  return {
    port,
    httpAdapter,
    accessTokenType,
    databaseUrl: env.DATABASE_URL || defaultDatabaseUrl(),
    jwt,
    jwksMaxAge,
    usingDevelopmentSecret: jwt.source === 'development-secret',
    mfaEncryptionKey,
    usingDevelopmentMfaKey: mfaEncryptionKey === DEVELOPMENT_MFA_ENCRYPTION_KEY,
    production,
    seedDemoUsers: flag(env.SEED_DEMO_USERS, !production),
    swagger: flag(env.SWAGGER, !production),
    server,
    shutdownTimeoutMs,
    cookieSecure: flag(env.COOKIE_SECURE, production),
    sessionStore,
    redisUrl,
    redisKeyPrefix: env.REDIS_KEY_PREFIX || 'gk:',
    reuseGraceSeconds,
    revocationFeed: flag(env.REVOCATION_FEED, true),
    eventsLog: flag(env.AUTH_EVENTS, true),
    emailVerification,
    passwordResetMethod,
    loginCode,
    passkeys,
    oidc,
    publicUrl: appUrl,
    logLevels: LEVELS.slice(0, index + 1),
  };
}

/** A URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

/** The warnings `main.ts` logs at start-up for settings that are only fit for development. */
export function startupWarnings(config: SampleConfig): string[] {
  const warnings: string[] = [];
  if (config.usingDevelopmentSecret) {
    warnings.push(
      'JWT_SECRET is not set: signing tokens with the PUBLIC DEVELOPMENT SECRET. ' +
        'Anyone can forge tokens for this server. Set JWT_SECRET (at least 32 bytes) outside development.',
    );
  }
  if (config.jwt.source === 'generated') {
    warnings.push(
      `JWT_ALGORITHM=${config.jwt.algorithm} without JWT_JWKS_FILE: signing tokens with a DEVELOPMENT KEY PAIR generated at start-up. ` +
        'It changes at every restart: the access and refresh tokens issued before a restart are refused (users log in again), ' +
        'and every instance has its own. Set JWT_JWKS_FILE (a JSON Web Key Set of private keys) outside development.',
    );
  }
  if (config.usingDevelopmentMfaKey) {
    warnings.push(
      'MFA_ENCRYPTION_KEY is not set: encrypting TOTP secrets with the PUBLIC DEVELOPMENT KEY. ' +
        'Anyone with the database can read them. Set MFA_ENCRYPTION_KEY (at least 32 bytes) outside development.',
    );
  }
  if (config.production) {
    warnings.push(
      'NODE_ENV=production: the demo outbox (GET /dev/outbox) is not served, so the e-mails (codes, reset and ' +
        'verification links) and SMS of the demo senders reach nobody. Plug a real mailer into emailSender and an ' +
        'SMS gateway into mfa.senders.sms.',
    );
    if (config.seedDemoUsers) {
      warnings.push(
        'SEED_DEMO_USERS=on with NODE_ENV=production: the demo users (admin included) are seeded with the ' +
          'passwords published in the README. Anyone can log in as them.',
      );
    }
    if (config.swagger) warnings.push('SWAGGER=on with NODE_ENV=production: Swagger UI is served at /docs.');
    if (config.jwt.keys.some((key) => key.algorithm !== 'HS256') && config.jwt.publicUrl === null) {
      warnings.push(
        'PUBLIC_URL is not set: GET /.well-known/oauth-authorization-server is not served (its URLs would name ' +
          'localhost); GET /.well-known/jwks.json is. Set PUBLIC_URL to the address verifiers reach this app at.',
      );
    }
  }
  return warnings;
}
