import { randomBytes } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { createAuthMigrations } from '../../lib/stores/typeorm/index.js';
import { buildSampleApp, startSampleProcess, type SampleProcess } from '../fixtures/sample-process.js';
import { createPgDatabase } from '../fixtures/services.js';
import { mariaDatabase } from '../fixtures/sql-stores.js';

/**
 * Replicas that start together (issue 13, item 3): N compiled sample-app processes started at the
 * same moment on one EMPTY database all come up, and each migration is recorded exactly once. With
 * TypeORM's lock-free `migrationsRun`, one of two processes exited with code 1 in about half of the
 * PostgreSQL trials and a third of the MariaDB ones, and MariaDB recorded a migration twice. The
 * trials of one test run in parallel, each on a database of its own. PostgreSQL and MariaDB must be
 * reachable (CI starts them).
 */

/** An empty database of the trial's own. */
interface EmptyDatabase {
  /** The sample app's `DATABASE_URL`. */
  url: string;
  /** An admin DataSource's options on that database (to read the migrations table). */
  options: DataSourceOptions;
  drop(): Promise<void>;
}

async function emptyPostgres(): Promise<EmptyDatabase> {
  const db = await createPgDatabase('replicas');
  return { url: db.url, options: { type: 'postgres', url: db.url, connectTimeoutMS: 5000 }, drop: db.drop };
}

async function emptyMariaDb(): Promise<EmptyDatabase> {
  const db = await mariaDatabase();
  const url = new URL(db.url);
  return {
    url: `mysql:${url.toString().slice(url.protocol.length)}`,
    options: { type: 'mariadb', url: db.url, connectTimeout: 5000 },
    drop: db.drop,
  };
}

/** What one trial saw: each process's failure (if any) and the recorded migration names. */
interface Trial {
  failures: string[];
  recorded: string[];
}

/** Starts `replicas` sample apps at once on a fresh empty database; stops them and drops it. */
async function trial(empty: () => Promise<EmptyDatabase>, replicas: number): Promise<Trial> {
  const db = await empty();
  const started: SampleProcess[] = [];
  try {
    const env = {
      DATABASE_URL: db.url,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    };
    const outcomes = await Promise.allSettled(Array.from({ length: replicas }, () => startSampleProcess(env)));
    const failures: string[] = [];
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') started.push(outcome.value);
      else failures.push(String(outcome.reason instanceof Error ? outcome.reason.message : outcome.reason).slice(0, 2000));
    }
    const reader = await new DataSource(db.options).initialize();
    try {
      const rows: { name: string }[] = await reader.query('SELECT name FROM migrations ORDER BY id');
      return { failures, recorded: rows.map((r) => r.name) };
    } finally {
      await reader.destroy();
    }
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    await db.drop();
  }
}

const MIGRATIONS = createAuthMigrations().map((Migration) => new Migration().name);

beforeAll(() => buildSampleApp(), 240_000);

describe.each([
  ['PostgreSQL', emptyPostgres],
  ['MariaDB (mysql://)', emptyMariaDb],
])('replicas started together on an empty %s database', (_name, empty) => {
  it('2 replicas, 3 trials in parallel: every process reaches /health, each migration is recorded once', async () => {
    const trials = await Promise.all([1, 2, 3].map(() => trial(empty, 2)));
    for (const t of trials) expect(t).toEqual({ failures: [], recorded: MIGRATIONS });
  }, 240_000);

  it('4 replicas: every process reaches /health, each migration is recorded once', async () => {
    expect(await trial(empty, 4)).toEqual({ failures: [], recorded: MIGRATIONS });
  }, 240_000);
});
