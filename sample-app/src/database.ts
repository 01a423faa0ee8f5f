import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { authEntities, createAuthMigrations, rateLimitEntity, runAuthMigrations } from 'nest-gatekeeper/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';

/**
 * DataSource options from a `DATABASE_URL`:
 * - `sqlite:<file>` (relative paths are taken from the working directory): SQLite via better-sqlite3;
 *   the file's directory is created when missing.
 * - `postgres://…` / `postgresql://…`: PostgreSQL via pg.
 * - `mysql://…` / `mariadb://…`: MySQL or MariaDB via mysql2 (`mariadb://` uses TypeORM's `mariadb`
 *   type, which reads MariaDB's catalogue correctly; both schemes work against either server).
 *
 * The tables come from the package's migrations (`createAuthMigrations()`), run at start-up by
 * {@link createDataSource} under a database lock (`runAuthMigrations`, not `migrationsRun`, which
 * takes none: replicas started together would race); `synchronize` stays off. A database whose
 * tables an earlier version of the sample app made with `synchronize` is adopted as it is (the
 * migrations skip existing tables).
 */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  const common = {
    entities: [...Object.values(authEntities), rateLimitEntity()],
    migrations: createAuthMigrations(),
    migrationsRun: false, // createDataSource runs them under a lock
    synchronize: false,
  };
  if (databaseUrl.startsWith('sqlite:')) {
    const raw = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!raw) throw new Error('DATABASE_URL: sqlite:<file> needs a file name');
    const database = raw === ':memory:' ? raw : isAbsolute(raw) ? raw : resolve(process.cwd(), raw);
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    // WAL: readers do not block the writer, and a read needs no file lock (fewer system calls).
    // synchronous=NORMAL, SQLite's advice for WAL: a commit goes to the WAL without an fsync (the WAL
    // is synced at checkpoints). A crash of the app, even SIGKILL, loses nothing; a power cut can lose
    // the last commits, never corrupt the file. FULL fsyncs every commit, blocking the event loop
    // (~0.4 ms per commit on a virtual disk): twice per login with the attempt counters in SQLite.
    return {
      type: 'better-sqlite3',
      database,
      enableWAL: database !== ':memory:',
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('synchronous = NORMAL');
      },
      ...common,
    };
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    // Fail fast when the server is gone or hangs (pg waits without limit by default): a request
    // then gets 503 STORE_UNAVAILABLE in seconds, and the pool reconnects by itself (docs/stores.md).
    return { type: 'postgres', url: databaseUrl, connectTimeoutMS: 3000, extra: { query_timeout: 4000 }, ...common };
  }
  const mysql = /^(mysql|mariadb):\/\//.exec(databaseUrl);
  if (mysql) {
    if (!/^[a-z]+:\/\/[^/]+\/[^/?#]+/.test(databaseUrl)) {
      throw new Error(`DATABASE_URL: ${mysql[1]}://… needs a database name ('${redact(databaseUrl)}')`);
    }
    return { type: mysql[1] === 'mariadb' ? 'mariadb' : 'mysql', url: databaseUrl, connectTimeout: 3000, ...common };
  }
  throw new Error(
    `DATABASE_URL: unsupported scheme in '${redact(databaseUrl)}' (use sqlite:<file>, postgres://…, mysql://… or mariadb://…)`,
  );
}

/**
 * An initialised DataSource for `databaseUrl`, its tables migrated. Instances started together on
 * one database migrate one after the other (`runAuthMigrations` holds a lock; the others wait up
 * to 60 s, then find the migrations done). A failed migration closes the DataSource and rejects.
 */
export async function createDataSource(databaseUrl: string): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(databaseUrl));
  await dataSource.initialize();
  try {
    await runAuthMigrations(dataSource);
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}

/** The URL without its password, for logs. */
export function redact(databaseUrl: string): string {
  return databaseUrl.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
