import { randomBytes, randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { StoreUnavailableError } from '../../lib/errors/store.errors.js';
import { authEntities, type AuthEntities } from '../../lib/stores/typeorm/auth-entities.js';
import { createAuthMigrations } from '../../lib/stores/typeorm/auth-migrations.js';
import { rateLimitEntity as rateLimitEntityOf } from '../../lib/stores/typeorm/rate-limit.entity.js';
import { TypeOrmMfaStore } from '../../lib/stores/typeorm/typeorm-mfa.store.js';
import { TypeOrmRateLimitStore } from '../../lib/stores/typeorm/typeorm-rate-limit.store.js';
import { TypeOrmSessionStore } from '../../lib/stores/typeorm/typeorm-session.store.js';
import { TypeOrmUserStore } from '../../lib/stores/typeorm/typeorm-user.store.js';
import { runMfaStoreContract } from '../../lib/testing/index.js';
import { runRateLimitStoreContract } from '../../lib/testing/index.js';
import { runSessionStoreContract } from '../../lib/testing/index.js';
import { runUserStoreContract } from '../../lib/testing/index.js';
import { clearTables, runTypeOrmAdapterChecks, seedUsers, session } from './typeorm-fixture.js';

/**
 * Runs against a real MariaDB (CI starts one; MySQL works the same way through TypeORM's `mysql`
 * type). An unreachable server FAILS this suite: the beforeAll hook rejects, so every test fails;
 * nothing is skipped.
 *
 * The contract suites run on a database whose tables the shipped migrations created (the
 * recommended set-up), twice: with mysql2's default flags, and without CLIENT_FOUND_ROWS (then an
 * UPDATE reports the rows it CHANGED, not the rows it matched). The adapter checks run on tables
 * made by `synchronize`.
 */
const MYSQL_URL = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
/** A database of its own per run, dropped at the end. */
const DATABASE = `gk_test_${randomBytes(6).toString('hex')}`;

/** `base` pointing at `database`. */
function urlFor(database: string, base = MYSQL_URL): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

function options(entities: AuthEntities, extra: Partial<DataSourceOptions> = {}, url = urlFor(DATABASE)): DataSourceOptions {
  return {
    type: 'mariadb',
    url,
    entities: [...Object.values(entities), rateLimitEntityOf()],
    connectTimeout: 5000,
    ...extra,
  } as DataSourceOptions;
}

/** An initialised DataSource on the run's database with `entities` synchronised. */
async function openSynchronized(entities: AuthEntities): Promise<DataSource> {
  const dataSource = await new DataSource(options(entities)).initialize();
  await dataSource.synchronize();
  return dataSource;
}

/** An initialised DataSource on the run's database (tables made by the migrations in beforeAll). */
function openShared(extra: Partial<DataSourceOptions> = {}): Promise<DataSource> {
  return new DataSource(options(authEntities, extra)).initialize();
}

/** The shared DataSource with mysql2's default flags, and one without CLIENT_FOUND_ROWS. */
let shared: DataSource | undefined;
let changedRows: DataSource | undefined;

function sharedDataSource(): DataSource {
  if (!shared) throw new Error(`MariaDB at ${MYSQL_URL} was not reachable (see the beforeAll failure).`);
  return shared;
}

function changedRowsDataSource(): DataSource {
  if (!changedRows) throw new Error(`MariaDB at ${MYSQL_URL} was not reachable (see the beforeAll failure).`);
  return changedRows;
}

beforeAll(async () => {
  const bootstrap = await new DataSource({ type: 'mariadb', url: MYSQL_URL, connectTimeout: 5000 }).initialize();
  try {
    await bootstrap.query(`CREATE DATABASE \`${DATABASE}\``);
  } finally {
    await bootstrap.destroy();
  }
  shared = await openShared({ migrations: createAuthMigrations(), migrationsRun: true });
  changedRows = await openShared({ flags: ['-FOUND_ROWS'] });
});

afterAll(async () => {
  await changedRows?.destroy();
  if (!shared) return;
  try {
    await shared.query(`DROP DATABASE \`${DATABASE}\``);
  } finally {
    await shared.destroy();
  }
});

for (const [name, dataSource] of [
  ['typeorm/mariadb', sharedDataSource],
  ['typeorm/mariadb without CLIENT_FOUND_ROWS', changedRowsDataSource],
] as const) {
  runUserStoreContract(name, async (seed = []) => {
    await clearTables(dataSource(), authEntities);
    await seedUsers(dataSource(), authEntities, seed);
    return { store: new TypeOrmUserStore(dataSource()) };
  });

  runSessionStoreContract(name, async () => {
    await clearTables(dataSource(), authEntities);
    return { store: new TypeOrmSessionStore(dataSource()) };
  });

  runRateLimitStoreContract(name, async () => {
    await dataSource().createQueryBuilder().delete().from(rateLimitEntityOf()).execute();
    return { store: new TypeOrmRateLimitStore(dataSource()) };
  });

  runMfaStoreContract(name, async () => {
    await clearTables(dataSource(), authEntities);
    return { store: new TypeOrmMfaStore(dataSource()) };
  });
}

runTypeOrmAdapterChecks('mariadb', {
  open: async (entities) => {
    const dataSource = await openSynchronized(entities);
    return { dataSource, close: () => dataSource.destroy() };
  },
});

describe('TypeORM adapters: mariadb only', () => {
  it('lets exactly one rotation win across two DataSources (two app instances)', async () => {
    const other = await openShared();
    try {
      const a = new TypeOrmSessionStore(sharedDataSource());
      const b = new TypeOrmSessionStore(other);
      const s = session();
      await a.create(s);
      const calls = Array.from({ length: 60 }, (_, i) =>
        (i % 2 === 0 ? a : b).rotate(s.id, s.refreshTokenHash, {
          refreshTokenHash: `next-${i}`,
          previousSuccessor: `enc-${i}`,
          rotatedAt: s.createdAt + i,
          lastUsedAt: s.createdAt + i,
          expiresAt: s.expiresAt + i,
        }),
      );
      const results = await Promise.all(calls);
      expect(results.filter((ok) => ok)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await b.findById(s.id))?.refreshTokenHash).toBe(`next-${winner}`);
      expect(await b.wasRotated(s.id, s.refreshTokenHash)).toBe(true);
    } finally {
      await other.destroy();
    }
  });

  it('keeps the MFA store’s once-only guarantees across two DataSources (two app instances)', async () => {
    const other = await openShared();
    try {
      const a = new TypeOrmMfaStore(sharedDataSource());
      const b = new TypeOrmMfaStore(other);
      const pick = (i: number): TypeOrmMfaStore => (i % 2 === 0 ? a : b);
      const count = (results: boolean[]): number => results.filter((ok) => ok).length;
      const userId = randomUUID();
      const step = 58_333_333;

      await a.setPendingTotp(userId, 'enc-secret');
      expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).activateTotp(userId, 'enc-secret', step))))).toBe(1);
      expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).acceptTotpStep(userId, step + 1))))).toBe(1);
      expect((await b.getState(userId)).totpLastStep).toBe(step + 1);

      await a.replaceRecoveryCodes(userId, ['r1', 'r2']);
      expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).consumeRecoveryCode(userId, 'r1'))))).toBe(1);
      const sets = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => `set${i}-${j}`));
      await Promise.all(sets.map((set, i) => pick(i).replaceRecoveryCodes(userId, set)));
      expect((await a.getState(userId)).recoveryCodesLeft).toBe(10);

      await b.putCode(userId, { pendingId: 'p', method: 'email', codeHash: 'c', expiresAt: step });
      expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).consumeCode(userId, 'p', 'email', 'c', 1))))).toBe(1);

      const pendingId = randomUUID();
      expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).finishPending(pendingId, step))))).toBe(1);
    } finally {
      await other.destroy();
    }
  });

  it('counts parallel increments exactly across two DataSources (two app instances)', async () => {
    const other = await openShared({ flags: ['-FOUND_ROWS'] });
    try {
      const a = new TypeOrmRateLimitStore(sharedDataSource());
      const b = new TypeOrmRateLimitStore(other);
      const key = `login:${randomUUID()}`;
      const counts = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).increment(key, 60_000, 1_000)));
      expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    } finally {
      await other.destroy();
    }
  });

  it('answers updates that write the values a row already has as the memory store does, without CLIENT_FOUND_ROWS', async () => {
    // Without the flag MySQL reports the rows an UPDATE CHANGED: 0 here, although the row matched.
    const dataSource = changedRowsDataSource();
    await clearTables(dataSource, authEntities);
    const users = new TypeOrmUserStore(dataSource);
    const user = await users.create({ username: 'same', email: 'same@example.test', passwordHash: 'h', roles: [] });
    const table = dataSource.getMetadata(authEntities.user).tableName;
    const plain: { affectedRows: number } = await dataSource.query(`UPDATE \`${table}\` SET password_hash = 'h' WHERE id = ?`, [user.id]);
    expect(plain.affectedRows).toBe(0);
    expect(await users.updatePasswordHash(user.id, 'h')).toBe(true);
    expect(await users.setMfaMethods(user.id, [])).toBe(true);
    expect(await users.updatePasswordHash(randomUUID(), 'h')).toBe(false);

    const sessions = new TypeOrmSessionStore(dataSource);
    const s = session();
    await sessions.create(s);
    const keep = { refreshTokenHash: s.refreshTokenHash, previousSuccessor: 'enc', rotatedAt: 5, lastUsedAt: 5, expiresAt: s.expiresAt };
    expect(await sessions.rotate(s.id, s.refreshTokenHash, keep)).toBe(true);
    expect(await sessions.rotate(s.id, s.refreshTokenHash, keep)).toBe(true);
    expect(await sessions.rotate(s.id, 'other', keep)).toBe(false);

    const limits = new TypeOrmRateLimitStore(dataSource);
    const key = `login:${randomUUID()}`;
    expect(await limits.increment(key, 0, 1_000)).toEqual({ count: 1, resetAt: 1_000, lastAt: 1_000 });
    expect(await limits.increment(key, 0, 1_000)).toEqual({ count: 1, resetAt: 1_000, lastAt: 1_000 });
  });

  it('tells apart hashes and ids that differ only in letter case (binary collation of the migrated tables)', async () => {
    const dataSource = sharedDataSource();
    await clearTables(dataSource, authEntities);
    const upper = 'Hq3xZ0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789_-';
    const lower = upper.toLowerCase();

    const sessions = new TypeOrmSessionStore(dataSource);
    const s = session({ refreshTokenHash: upper });
    await sessions.create(s);
    const rotation = { refreshTokenHash: 'next', previousSuccessor: 'enc', rotatedAt: 1, lastUsedAt: 1, expiresAt: s.expiresAt };
    expect(await sessions.rotate(s.id, lower, rotation)).toBe(false);
    expect(await sessions.rotate(s.id.toUpperCase(), upper, rotation)).toBe(false);
    expect(await sessions.rotate(s.id, upper, rotation)).toBe(true);
    expect(await sessions.wasRotated(s.id, lower)).toBe(false);
    expect(await sessions.wasRotated(s.id, upper)).toBe(true);

    const mfa = new TypeOrmMfaStore(dataSource);
    const userId = randomUUID();
    await mfa.replaceRecoveryCodes(userId, [upper, lower]);
    expect((await mfa.getState(userId)).recoveryCodesLeft).toBe(2);
    expect(await mfa.consumeRecoveryCode(userId, lower)).toBe(true);
    expect(await mfa.consumeRecoveryCode(userId, lower)).toBe(false);
    expect(await mfa.consumeRecoveryCode(userId, upper)).toBe(true);
    await mfa.putCode(userId, { pendingId: 'Pending', method: 'email', codeHash: upper, expiresAt: 10 });
    expect(await mfa.consumeCode(userId, 'Pending', 'email', lower, 5)).toBe(false);
    expect(await mfa.consumeCode(userId, 'pending', 'email', upper, 5)).toBe(false);
    expect(await mfa.consumeCode(userId, 'Pending', 'email', upper, 5)).toBe(true);
    expect(await mfa.finishPending(upper, 10)).toBe(true);
    expect(await mfa.isPendingFinished(lower, 5)).toBe(false);
    expect(await mfa.finishPending(lower, 10)).toBe(true);

    const users = new TypeOrmUserStore(dataSource);
    const alice = await users.create({ username: 'alice', email: 'alice@example.test', passwordHash: 'h', roles: [] });
    const accented = await users.create({ username: 'alicé', email: 'ALICE@example.test', passwordHash: 'h', roles: [] });
    expect((await users.findByUsername('alice'))?.id).toBe(alice.id);
    expect((await users.findByUsername('alicé'))?.id).toBe(accented.id);
    expect(await users.findByUsername('ALICE')).toBeNull();

    const limits = new TypeOrmRateLimitStore(dataSource);
    await limits.increment('login:Alice', 60_000, 1_000);
    expect((await limits.peek('login:alice', 1_000)).count).toBe(0);

    // Every string column of the migrated tables compares byte for byte.
    const collations: { collation: string }[] = await dataSource.query(
      `SELECT DISTINCT COLLATION_NAME AS collation FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'auth\\_%' AND COLLATION_NAME IS NOT NULL`,
    );
    expect(collations).toEqual([{ collation: 'utf8mb4_bin' }]);
  });

  it('rejects with StoreUnavailableError when the server stops answering', async () => {
    // A TCP proxy in front of MariaDB that the test can cut.
    const target = new URL(MYSQL_URL);
    const sockets = new Set<Socket>();
    const proxy: Server = createServer((client) => {
      const upstream = connect(Number(target.port || 3306), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    const viaProxy = new URL(urlFor(DATABASE));
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(address.port);

    const dataSource = await new DataSource(options(authEntities, {}, viaProxy.toString())).initialize();
    try {
      const users = new TypeOrmUserStore(dataSource);
      const sessions = new TypeOrmSessionStore(dataSource);
      const mfa = new TypeOrmMfaStore(dataSource);
      const limits = new TypeOrmRateLimitStore(dataSource);
      expect(await users.findById(randomUUID())).toBeNull();

      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        for (const s of sockets) s.destroy();
      });

      await expect(users.findById(randomUUID())).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(
        users.create({ username: 'down', email: 'down@example.test', passwordHash: 'h', roles: [] }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(users.updatePasswordHash(randomUUID(), 'h')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(sessions.rotate('x', 'y', {
        refreshTokenHash: 'n', previousSuccessor: 'e', rotatedAt: 1, lastUsedAt: 1, expiresAt: 1,
      })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(mfa.finishPending(randomUUID(), 1)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(mfa.replaceRecoveryCodes(randomUUID(), ['h'])).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(limits.increment('x', 1_000, 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await dataSource.destroy().catch(() => undefined);
    }
  });
});
