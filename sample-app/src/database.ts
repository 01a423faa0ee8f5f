import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { authEntities, rateLimitEntity } from 'nest-gatekeeper';
import { DataSource, type DataSourceOptions } from 'typeorm';

/**
 * DataSource options from a `DATABASE_URL`:
 * - `sqlite:<file>` (relative paths are taken from the working directory): SQLite via better-sqlite3;
 *   the file's directory is created when missing.
 * - `postgres://…` / `postgresql://…`: PostgreSQL via pg.
 *
 * `synchronize: true` creates the tables at start-up: fine for a demo, use migrations in production.
 */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  const entities = [...Object.values(authEntities), rateLimitEntity()];
  if (databaseUrl.startsWith('sqlite:')) {
    const raw = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!raw) throw new Error('DATABASE_URL: sqlite:<file> needs a file name');
    const database = raw === ':memory:' ? raw : isAbsolute(raw) ? raw : resolve(process.cwd(), raw);
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    // WAL: readers do not block the writer, and a read needs no file lock (fewer system calls).
    return { type: 'better-sqlite3', database, entities, synchronize: true, enableWAL: database !== ':memory:' };
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    return { type: 'postgres', url: databaseUrl, entities, synchronize: true };
  }
  throw new Error(`DATABASE_URL: unsupported scheme in '${redact(databaseUrl)}' (use sqlite:<file> or postgres://…)`);
}

/** An initialised DataSource for `databaseUrl`. */
export async function createDataSource(databaseUrl: string): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(databaseUrl));
  await dataSource.initialize();
  return dataSource;
}

/** The URL without its password, for logs. */
export function redact(databaseUrl: string): string {
  return databaseUrl.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
