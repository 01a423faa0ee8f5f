import { createHash } from 'node:crypto';
import type { DataSource, Migration, QueryRunner } from 'typeorm';
import { isMySqlFamily } from './typeorm-dialect.js';

/** Options of {@link runAuthMigrations}. */
export interface RunAuthMigrationsOptions {
  /**
   * The longest wait for the migration lock, in milliseconds, while another instance migrates. Past
   * it, {@link runAuthMigrations} rejects (naming the lock) and runs nothing. MySQL/MariaDB wait in
   * whole seconds (rounded up).
   * @default 60000
   */
  lockTimeoutMs?: number;
  /**
   * TypeORM's transaction mode for the pending migrations: `'all'` (one transaction), `'each'` (one
   * per migration) or `'none'`. By default the DataSource's `migrationsTransactionMode` when set,
   * otherwise `'all'` on PostgreSQL and SQLite (their schema changes are transactional: a failed run
   * leaves nothing behind) and `'each'` on MySQL/MariaDB (where every schema change commits at once,
   * so one transaction around them all would promise an undo it cannot give).
   */
  transaction?: 'all' | 'each' | 'none';
  /**
   * The name the lock is derived from. Instances that must not migrate at the same time share it;
   * it is combined with the schema (PostgreSQL), the database (MySQL/MariaDB: their locks are
   * server-wide) and the migrations table, so unrelated databases on one server never wait for
   * each other.
   * @default 'nest-gatekeeper:migrations'
   */
  lockName?: string;
}

const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
const DEFAULT_LOCK_NAME = 'nest-gatekeeper:migrations';
/** MySQL's limit on a `GET_LOCK` name. */
const MYSQL_LOCK_NAME_MAX = 64;

/** Driver types that take PostgreSQL advisory locks. */
const POSTGRES_TYPES: ReadonlySet<string> = new Set(['postgres']);

/**
 * Runs the DataSource's pending migrations (the package's from `createAuthMigrations()` and your
 * own) with a database lock around them, so that instances started together migrate one after
 * the other: the first runs them, the others wait, then find them recorded and run nothing. Call it
 * once after `initialize()` instead of `migrationsRun: true` (TypeORM's runner takes no lock: two
 * instances on an empty database both create the tables, and one fails or a migration is
 * recorded twice).
 *
 * ```ts
 * await dataSource.initialize();
 * await runAuthMigrations(dataSource); // under a database lock: replicas may start together
 * ```
 *
 * - **PostgreSQL:** a session advisory lock (`pg_try_advisory_lock`, retried until the deadline,
 *   so the client's `query_timeout` never cuts a long wait short) keyed by the lock name, the
 *   migrations table and the current schema; advisory locks are per database.
 * - **MySQL/MariaDB:** `GET_LOCK` / `RELEASE_LOCK` on a name that includes the database.
 * - **SQLite:** no lock: a DataSource has one connection, whose statements TypeORM runs one at a
 *   time, and an SQLite file serves one instance (several processes on one file are not
 *   serialised here). Other drivers: no lock either.
 *
 * The lock is held on one pooled connection of its own while TypeORM runs the migrations on
 * another (the pool needs at least two connections; the drivers' defaults have ten). It is released
 * in every case, also when a migration fails; if releasing fails, that connection is destroyed
 * rather than returned to the pool (the server then drops the lock with it). A process that dies
 * holding the lock loses it with its connection.
 *
 * @returns the migrations this call ran (empty when another instance had run them).
 * @throws Error when the lock is not obtained within {@link RunAuthMigrationsOptions.lockTimeoutMs};
 *   a failing migration's own error otherwise.
 */
export async function runAuthMigrations(dataSource: DataSource, options: RunAuthMigrationsOptions = {}): Promise<Migration[]> {
  const transaction = options.transaction ?? dataSource.options.migrationsTransactionMode ?? defaultTransaction(dataSource);
  const lock = migrationLock(dataSource);
  if (!lock) return dataSource.runMigrations({ transaction });

  const timeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const queryRunner = dataSource.createQueryRunner('master');
  let held: string | undefined;
  try {
    await queryRunner.connect();
    const table = (dataSource.options as { migrationsTableName?: string }).migrationsTableName ?? 'migrations';
    const { name, label } = await lock.name(queryRunner, `${options.lockName ?? DEFAULT_LOCK_NAME}:${table}`);
    let acquired: boolean;
    try {
      acquired = await lock.acquire(queryRunner, name, timeoutMs);
    } catch (error) {
      // The lock may or may not be held now: this connection must not go back to the pool.
      destroyConnection(queryRunner, error);
      throw error;
    }
    if (!acquired) {
      throw new Error(
        `runAuthMigrations: the migration lock ${label} was not obtained within ${timeoutMs} ms: another instance is ` +
          'still running migrations (or holds the lock). Nothing was migrated; start again when it is done, or raise lockTimeoutMs.',
      );
    }
    held = name;
    return await dataSource.runMigrations({ transaction });
  } finally {
    await releaseLockConnection(queryRunner, lock, held);
  }
}

/** How one database family takes and gives back the migration lock (on one connection). */
interface MigrationLock {
  /**
   * The lock's name on this database from `base` (lock name and migrations table), which adds where
   * the migrations table lives; `label` describes it in errors.
   */
  name(queryRunner: QueryRunner, base: string): Promise<{ name: string; label: string }>;
  /** Takes the lock, waiting at most `timeoutMs`; false when it was not obtained. */
  acquire(queryRunner: QueryRunner, name: string, timeoutMs: number): Promise<boolean>;
  release(queryRunner: QueryRunner, name: string): Promise<void>;
}

const postgresLock: MigrationLock = {
  async name(queryRunner, base) {
    // Advisory locks are per database; the schema (where the migrations table is) is added. The
    // lock takes a bigint: the first 8 bytes of a SHA-256 of the text.
    const rows = (await queryRunner.query('SELECT current_schema() AS schema')) as { schema: string | null }[];
    const text = `${base}:${rows[0]?.schema ?? ''}`;
    const key = createHash('sha256').update(text).digest().readBigInt64BE(0).toString();
    return { name: key, label: `'${text}' (advisory lock ${key})` };
  },
  async acquire(queryRunner, key, timeoutMs) {
    // Polled rather than blocking in pg_advisory_lock: a blocking wait would run into the client's
    // own query timeout (`query_timeout`), which cannot tell a long wait from a dead server.
    const deadline = Date.now() + timeoutMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
      const rows = (await queryRunner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key])) as { locked: boolean }[];
      if (rows[0]?.locked === true) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    }
  },
  async release(queryRunner, key) {
    const rows = (await queryRunner.query('SELECT pg_advisory_unlock($1::bigint) AS unlocked', [key])) as { unlocked: boolean }[];
    if (rows[0]?.unlocked !== true) throw new Error(`the advisory lock ${key} was not held`);
  },
};

const mysqlLock: MigrationLock = {
  async name(queryRunner, base) {
    // GET_LOCK names are server-wide: the database is part of the name (hashed past 64 characters).
    const rows = (await queryRunner.query('SELECT DATABASE() AS db')) as { db: string | null }[];
    const text = `${base}:${rows[0]?.db ?? ''}`;
    if (text.length <= MYSQL_LOCK_NAME_MAX) return { name: text, label: `'${text}'` };
    const name = `ngk:${createHash('sha256')
      .update(text)
      .digest('hex')
      .slice(0, MYSQL_LOCK_NAME_MAX - 4)}`;
    return { name, label: `'${name}' (from '${text}')` };
  },
  async acquire(queryRunner, name, timeoutMs) {
    const rows = (await queryRunner.query('SELECT GET_LOCK(?, ?) AS locked', [name, Math.max(0, Math.ceil(timeoutMs / 1000))])) as {
      locked: number | string | null;
    }[];
    const locked = rows[0]?.locked;
    if (locked === null || locked === undefined) throw new Error(`GET_LOCK('${name}') failed`);
    return Number(locked) === 1;
  },
  async release(queryRunner, name) {
    const rows = (await queryRunner.query('SELECT RELEASE_LOCK(?) AS released', [name])) as { released: number | string | null }[];
    if (Number(rows[0]?.released) !== 1) throw new Error(`the lock '${name}' was not held`);
  },
};

/** The lock of the DataSource's database family, or none (SQLite and others). */
function migrationLock(dataSource: DataSource): MigrationLock | undefined {
  if (POSTGRES_TYPES.has(dataSource.options.type)) return postgresLock;
  if (isMySqlFamily(dataSource)) return mysqlLock;
  return undefined;
}

function defaultTransaction(dataSource: DataSource): 'all' | 'each' {
  return isMySqlFamily(dataSource) ? 'each' : 'all';
}

/**
 * Gives the lock back (when `held` names it) and the connection to the pool. When giving the lock
 * back fails, the connection is destroyed instead, so that no pooled connection keeps holding the
 * lock (the server drops a connection's locks with it).
 */
async function releaseLockConnection(queryRunner: QueryRunner, lock: MigrationLock, held: string | undefined): Promise<void> {
  if (held !== undefined) {
    try {
      await lock.release(queryRunner, held);
    } catch (error) {
      destroyConnection(queryRunner, error);
    }
  }
  await queryRunner.release();
}

/** Closes the query runner's connection for good instead of returning it to the pool. */
function destroyConnection(queryRunner: QueryRunner, error: unknown): void {
  const runner = queryRunner as QueryRunner & {
    /** PostgreSQL: released with an error, pg-pool discards the client. */
    releasePostgresConnection?: (err?: unknown) => Promise<void>;
    /** MySQL/MariaDB: a mysql2 pool connection (destroyed, it leaves the pool; `release` is then a no-op). */
    databaseConnection?: { destroy?: () => void };
  };
  if (typeof runner.releasePostgresConnection === 'function') {
    void runner.releasePostgresConnection(error instanceof Error ? error : new Error(String(error)));
  } else {
    runner.databaseConnection?.destroy?.();
  }
}
