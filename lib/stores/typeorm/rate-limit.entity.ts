import type { EntitySchema, ValueTransformer } from 'typeorm';
import { typeorm } from './typeorm-runtime.js';

/** One row of `auth_rate_limits`: a fixed-window counter. Times are epoch milliseconds. */
export interface AuthRateLimitRow {
  key: string;
  count: number;
  /** When the window ends; `0` for a placeholder row (which counts as absent). */
  resetAt: number;
  lastAt: number;
}

/** Options of {@link createRateLimitEntity}. */
export interface RateLimitEntityOptions {
  /** Prepended to the table name and the entity name. Default `''`. */
  tablePrefix?: string;
}

/** `bigint` (string from pg/mysql, number from better-sqlite3) to a JS number. */
const epochMs: ValueTransformer = {
  to: (value: number | undefined): number | undefined => value,
  from: (value: string | number | bigint): number => Number(value),
};

/**
 * Builds the entity schema (`EntitySchema`, no decorators) of {@link TypeOrmRateLimitStore}:
 * table `<prefix>auth_rate_limits`, primary key `counter_key` (up to 512 characters), `count`
 * integer, `reset_at` / `last_at` as `bigint` epoch milliseconds. Portable across PostgreSQL,
 * SQLite (better-sqlite3) and MySQL/MariaDB. Kept apart from {@link createAuthEntities} so that
 * applications keeping counters elsewhere (Redis, memory) get no extra table. The table is created
 * by {@link createAuthMigrations} too (option `rateLimitTable`).
 */
export function createRateLimitEntity(options: RateLimitEntityOptions = {}): EntitySchema<AuthRateLimitRow> {
  const prefix = options.tablePrefix ?? '';
  return new (typeorm().EntitySchema)<AuthRateLimitRow>({
    name: `${prefix}AuthRateLimit`,
    tableName: `${prefix}auth_rate_limits`,
    columns: {
      key: { name: 'counter_key', type: 'varchar', length: 512, primary: true },
      count: { type: 'integer' },
      resetAt: { name: 'reset_at', type: 'bigint', transformer: epochMs },
      lastAt: { name: 'last_at', type: 'bigint', transformer: epochMs },
    },
  });
}

/**
 * The default rate-limit entity (`auth_rate_limits`). Add it to your DataSource's `entities` next to
 * `authEntities` when you use {@link TypeOrmRateLimitStore}.
 */
let defaultEntity: EntitySchema<AuthRateLimitRow> | undefined;

/** The default counter entity (table `auth_rate_limits`), created on first use. */
export function rateLimitEntity(): EntitySchema<AuthRateLimitRow> {
  return (defaultEntity ??= createRateLimitEntity());
}
