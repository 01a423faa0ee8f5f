import { resolve } from 'node:path';
import type { AccessTokenType } from 'nest-gatekeeper';
import type { LogLevel } from '@nestjs/common';

/** The development JWT secret: used only when JWT_SECRET is unset, with a warning at start-up. */
export const DEVELOPMENT_JWT_SECRET = 'nest-gatekeeper-sample-app-development-secret-do-not-use';

/** The sample app's settings, read once from the environment (CONTRACT §7). */
export interface SampleConfig {
  port: number;
  accessTokenType: AccessTokenType;
  databaseUrl: string;
  jwtSecret: string;
  /** True when JWT_SECRET was unset and the development secret is in use. */
  usingDevelopmentSecret: boolean;
  cookieSecure: boolean;
  /** Where sessions live: the user database (default) or process memory (benchmarks). */
  sessionStore: 'memory' | 'database';
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

  const sessionStore = (env.SESSION_STORE || 'database').toLowerCase();
  if (sessionStore !== 'memory' && sessionStore !== 'database') {
    throw new Error(`SESSION_STORE: expected 'memory' or 'database', got '${env.SESSION_STORE}'`);
  }

  const level = (env.LOG_LEVEL || 'log').toLowerCase() as LogLevel;
  const index = LEVELS.indexOf(level);
  if (index < 0) throw new Error(`LOG_LEVEL: expected one of ${LEVELS.join(', ')}, got '${env.LOG_LEVEL}'`);

  const jwtSecret = env.JWT_SECRET || DEVELOPMENT_JWT_SECRET;
  return {
    port,
    accessTokenType,
    databaseUrl: env.DATABASE_URL || defaultDatabaseUrl(),
    jwtSecret,
    usingDevelopmentSecret: jwtSecret === DEVELOPMENT_JWT_SECRET,
    cookieSecure: flag(env.COOKIE_SECURE, env.NODE_ENV === 'production'),
    sessionStore,
    logLevels: LEVELS.slice(0, index + 1),
  };
}
