import { resolve } from 'node:path';
import type { AccessTokenType } from 'nest-gatekeeper';
import type { LogLevel } from '@nestjs/common';

/** The development JWT secret: used only when JWT_SECRET is unset, with a warning at start-up. */
export const DEVELOPMENT_JWT_SECRET = 'nest-gatekeeper-sample-app-development-secret-do-not-use';

/**
 * The development key that encrypts TOTP secrets at rest: used only when MFA_ENCRYPTION_KEY is unset,
 * with a warning at start-up.
 */
export const DEVELOPMENT_MFA_ENCRYPTION_KEY = 'nest-gatekeeper-sample-app-development-mfa-key-do-not-use';

/** The sample app's settings, read once from the environment (CONTRACT §7). */
export interface SampleConfig {
  port: number;
  accessTokenType: AccessTokenType;
  databaseUrl: string;
  jwtSecret: string;
  /** True when JWT_SECRET was unset and the development secret is in use. */
  usingDevelopmentSecret: boolean;
  /** The key(s) that encrypt TOTP secrets at rest (`mfa.encryptionKey`, at least 32 bytes). */
  mfaEncryptionKey: string;
  /** True when MFA_ENCRYPTION_KEY was unset and the development key is in use. */
  usingDevelopmentMfaKey: boolean;
  /** NODE_ENV is `production`: the development-only routes (`/dev/outbox`) are left out. */
  production: boolean;
  cookieSecure: boolean;
  /**
   * Where sessions live: the user database (default without REDIS_URL), Redis (default with
   * REDIS_URL) or process memory (benchmarks; one instance only).
   */
  sessionStore: 'memory' | 'database' | 'redis';
  /** `redis://…` (REDIS_URL): sessions, attempt counters, e-mail codes and trusted devices go to Redis. */
  redisUrl: string | null;
  /** Prefix of every Redis key (REDIS_KEY_PREFIX, default `gk:`), so apps can share one Redis. */
  redisKeyPrefix: string;
  /** `refreshToken.reuseGraceSeconds` (REFRESH_REUSE_GRACE_SECONDS, default the module's 10 s). */
  reuseGraceSeconds: number | undefined;
  /** The revocation feed (`revocation.enabled`); REVOCATION_FEED=off turns it off (benchmark comparison). */
  revocationFeed: boolean;
  logLevels: LogLevel[];
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/** The default database: an SQLite file under the sample app (`sample-app/data/gatekeeper.sqlite`). */
export function defaultDatabaseUrl(): string {
  return `sqlite:${resolve(import.meta.dirname, '..', 'data', 'gatekeeper.sqlite')}`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT: not a port number: ${env.PORT}`);

  const accessTokenType = (env.AUTH_ACCESS_TOKEN_TYPE || 'header') as AccessTokenType;

  const redisUrl = env.REDIS_URL || null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    throw new Error(`REDIS_URL: expected redis://… or rediss://…, got '${redactUrl(redisUrl)}'`);
  }
  const sessionStore = (env.SESSION_STORE || (redisUrl ? 'redis' : 'database')).toLowerCase();
  if (sessionStore !== 'memory' && sessionStore !== 'database' && sessionStore !== 'redis') {
    throw new Error(`SESSION_STORE: expected 'memory', 'database' or 'redis', got '${env.SESSION_STORE}'`);
  }
  if (sessionStore === 'redis' && redisUrl === null) throw new Error('SESSION_STORE=redis needs REDIS_URL');

  let reuseGraceSeconds: number | undefined;
  if (env.REFRESH_REUSE_GRACE_SECONDS) {
    reuseGraceSeconds = Number(env.REFRESH_REUSE_GRACE_SECONDS);
    if (!Number.isInteger(reuseGraceSeconds) || reuseGraceSeconds < 0) {
      throw new Error(`REFRESH_REUSE_GRACE_SECONDS: expected a whole number of seconds, got '${env.REFRESH_REUSE_GRACE_SECONDS}'`);
    }
  }

  const level = (env.LOG_LEVEL || 'log').toLowerCase() as LogLevel;
  const index = LEVELS.indexOf(level);
  if (index < 0) throw new Error(`LOG_LEVEL: expected one of ${LEVELS.join(', ')}, got '${env.LOG_LEVEL}'`);

  const jwtSecret = env.JWT_SECRET || DEVELOPMENT_JWT_SECRET;
  const mfaEncryptionKey = env.MFA_ENCRYPTION_KEY || DEVELOPMENT_MFA_ENCRYPTION_KEY;
  return {
    port,
    accessTokenType,
    databaseUrl: env.DATABASE_URL || defaultDatabaseUrl(),
    jwtSecret,
    usingDevelopmentSecret: jwtSecret === DEVELOPMENT_JWT_SECRET,
    mfaEncryptionKey,
    usingDevelopmentMfaKey: mfaEncryptionKey === DEVELOPMENT_MFA_ENCRYPTION_KEY,
    production: env.NODE_ENV === 'production',
    cookieSecure: flag(env.COOKIE_SECURE, env.NODE_ENV === 'production'),
    sessionStore,
    redisUrl,
    redisKeyPrefix: env.REDIS_KEY_PREFIX || 'gk:',
    reuseGraceSeconds,
    revocationFeed: flag(env.REVOCATION_FEED, true),
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
  if (config.usingDevelopmentMfaKey) {
    warnings.push(
      'MFA_ENCRYPTION_KEY is not set: encrypting TOTP secrets with the PUBLIC DEVELOPMENT KEY. ' +
        'Anyone with the database can read them. Set MFA_ENCRYPTION_KEY (at least 32 bytes) outside development.',
    );
  }
  if (config.production) {
    warnings.push(
      'NODE_ENV=production: the demo outbox (GET /dev/outbox) is not served, so e-mail codes of the demo ' +
        'senders reach nobody. Plug a real EmailSender / SmsSender into mfa.senders.',
    );
  }
  return warnings;
}
