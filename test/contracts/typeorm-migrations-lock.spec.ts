import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import { createAuthMigrations, runAuthMigrations, type AuthMigrationClass } from '../../lib/stores/typeorm/index.js';
import { createPgDatabase } from '../fixtures/services.js';
import { mariaDatabase } from '../fixtures/sql-stores.js';

/**
 * `runAuthMigrations` serialises migration runs across DataSources (as across processes): N
 * DataSources racing on one empty database run each migration once between them; a run that waits
 * longer than `lockTimeoutMs` rejects with a clear error and runs nothing; a failing migration
 * releases the lock. PostgreSQL and MariaDB must be reachable (CI starts them).
 */

/** A database of the test's own. */
interface Scratch {
  options: DataSourceOptions;
  /** The advisory/user locks still held on the server for this database (0 when all are released). */
  heldLocks(admin: DataSource): Promise<number>;
  drop(): Promise<void>;
}

const databases: [string, () => Promise<Scratch>][] = [
  [
    'PostgreSQL',
    async () => {
      const db = await createPgDatabase('miglock');
      return {
        options: { type: 'postgres', url: db.url, connectTimeoutMS: 5000 },
        heldLocks: async (admin) => {
          const rows: { n: string }[] = await admin.query(
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()",
          );
          return Number(rows[0]?.n);
        },
        drop: db.drop,
      };
    },
  ],
  [
    'MariaDB',
    async () => {
      const db = await mariaDatabase();
      return {
        options: { type: 'mariadb', url: db.url, connectTimeout: 5000 },
        heldLocks: async (admin) => {
          // The default lock's name: lock name, migrations table, database.
          const rows: { free: string | number }[] = await admin.query(
            "SELECT IS_FREE_LOCK(CONCAT('nest-gatekeeper:migrations:migrations:', DATABASE())) AS free",
          );
          return Number(rows[0]?.free) === 1 ? 0 : 1;
        },
        drop: db.drop,
      };
    },
  ],
];

/** A migration whose `up` waits until the test opens its gate (and says when it started). */
function gatedMigration(): { Migration: AuthMigrationClass; entered: Promise<void>; open: () => void } {
  let entered!: () => void;
  let open!: () => void;
  const enteredPromise = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (open = r));
  class GatedMigration9000000000000 implements MigrationInterface {
    readonly name = 'GatedMigration9000000000000';
    async up(): Promise<void> {
      entered();
      await gate;
    }
    async down(): Promise<void> {}
  }
  return { Migration: GatedMigration9000000000000, entered: enteredPromise, open };
}

class FailingMigration9100000000000 implements MigrationInterface {
  readonly name = 'FailingMigration9100000000000';
  async up(): Promise<void> {
    throw new Error('this migration fails');
  }
  async down(): Promise<void> {}
}

const AUTH_MIGRATIONS = createAuthMigrations().map((M) => new M().name);

describe.each(databases)('runAuthMigrations on %s', (_name, scratch) => {
  let db: Scratch;
  const open: DataSource[] = [];
  const dataSource = async (migrations: AuthMigrationClass[]): Promise<DataSource> => {
    const ds = await new DataSource({ ...db.options, migrations, migrationsRun: false, synchronize: false }).initialize();
    open.push(ds);
    return ds;
  };
  const recorded = async (ds: DataSource): Promise<string[]> =>
    (await ds.query<{ name: string }[]>('SELECT name FROM migrations ORDER BY id')).map((r) => r.name);

  beforeEach(async () => {
    db = await scratch();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((ds) => (ds.isInitialized ? ds.destroy() : Promise.resolve())));
    await db.drop();
  });

  it('4 DataSources racing on an empty database: all resolve, each migration runs and is recorded once', async () => {
    const racers = await Promise.all([1, 2, 3, 4].map(() => dataSource(createAuthMigrations())));
    const ran = await Promise.all(racers.map((ds) => runAuthMigrations(ds)));
    expect(
      ran
        .flat()
        .map((m) => m.name)
        .sort(),
    ).toEqual([...AUTH_MIGRATIONS].sort());
    expect(await recorded(racers[0])).toEqual(AUTH_MIGRATIONS);
    expect(await db.heldLocks(racers[0])).toBe(0);
  }, 60_000);

  it('a run that waits longer than lockTimeoutMs rejects with a clear error, migrates nothing; later it finds the work done', async () => {
    const gated = gatedMigration();
    const winner = await dataSource([...createAuthMigrations(), gated.Migration]);
    const waiter = await dataSource([...createAuthMigrations(), gated.Migration]);
    const first = runAuthMigrations(winner);
    await gated.entered;
    expect(await db.heldLocks(waiter)).toBe(1); // the check below sees the lock
    await expect(runAuthMigrations(waiter, { lockTimeoutMs: 1000 })).rejects.toThrow(
      /^runAuthMigrations: the migration lock 'nest-gatekeeper:migrations:migrations:[^']+'.* was not obtained within 1000 ms: another instance/,
    );
    const queued = runAuthMigrations(waiter); // waits for the winner
    gated.open();
    expect((await first).map((m) => m.name)).toEqual([...AUTH_MIGRATIONS, 'GatedMigration9000000000000']);
    expect(await queued).toEqual([]);
    expect(await recorded(waiter)).toEqual([...AUTH_MIGRATIONS, 'GatedMigration9000000000000']);
    expect(await db.heldLocks(waiter)).toBe(0);
  }, 60_000);

  it('a failing migration rejects with its own error and releases the lock (another instance gets it at once)', async () => {
    const failing = await dataSource([...createAuthMigrations(), FailingMigration9100000000000]);
    await expect(runAuthMigrations(failing)).rejects.toThrow('this migration fails');
    expect(await db.heldLocks(failing)).toBe(0);
    const next = await dataSource(createAuthMigrations());
    await expect(runAuthMigrations(next, { lockTimeoutMs: 0 })).resolves.toBeDefined();
    expect(await recorded(next)).toEqual(AUTH_MIGRATIONS);
  }, 60_000);

  it('different lock names do not wait for each other', async () => {
    const gated = gatedMigration();
    const holder = await dataSource([gated.Migration]);
    const other = await dataSource(createAuthMigrations());
    const first = runAuthMigrations(holder, { lockName: 'app-a' });
    await gated.entered;
    await expect(runAuthMigrations(other, { lockName: 'app-b', lockTimeoutMs: 0 })).resolves.toHaveLength(AUTH_MIGRATIONS.length);
    gated.open();
    await first;
  }, 60_000);
});

describe('runAuthMigrations on SQLite (no lock: one connection per DataSource)', () => {
  it('runs the pending migrations once, and nothing the second time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gk-miglock-'));
    const ds = await new DataSource({
      type: 'better-sqlite3',
      database: join(dir, 'db.sqlite'),
      migrations: createAuthMigrations(),
    }).initialize();
    try {
      expect((await runAuthMigrations(ds)).map((m) => m.name)).toEqual(AUTH_MIGRATIONS);
      expect(await runAuthMigrations(ds)).toEqual([]);
    } finally {
      await ds.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
