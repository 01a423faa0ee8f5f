import { randomBytes, randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { StoreUnavailableError } from '../../lib/errors/store.errors.js';
import type { StoredSession } from '../../lib/stores/session.store.js';
import { authEntities, type AuthEntities } from '../../lib/stores/typeorm/auth-entities.js';
import { rateLimitEntity as rateLimitEntityOf } from '../../lib/stores/typeorm/rate-limit.entity.js';
import { TypeOrmMfaStore } from '../../lib/stores/typeorm/typeorm-mfa.store.js';
import { TypeOrmRateLimitStore } from '../../lib/stores/typeorm/typeorm-rate-limit.store.js';
import { TypeOrmSessionStore } from '../../lib/stores/typeorm/typeorm-session.store.js';
import { TypeOrmUserStore } from '../../lib/stores/typeorm/typeorm-user.store.js';
import { runMfaStoreContract } from '../../lib/testing/index.js';
import { runRateLimitStoreContract } from '../../lib/testing/index.js';
import { runSessionStoreContract } from '../../lib/testing/index.js';
import { clearTables, runTypeOrmAdapterChecks, seedUsers, session } from './typeorm-fixture.js';
import { runUserStoreContract } from '../../lib/testing/index.js';

/**
 * Runs against a real PostgreSQL (CI starts one). An unreachable server FAILS this suite: the
 * beforeAll hook rejects, so every test fails; nothing is skipped.
 */
const PG_URL = process.env['PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** A schema of its own per run, dropped at the end. */
const SCHEMA = `gk_test_${randomBytes(6).toString('hex')}`;

function options(entities: AuthEntities, url = PG_URL): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    schema: SCHEMA,
    entities: [...Object.values(entities), rateLimitEntityOf()],
    connectTimeoutMS: 5000,
  };
}

/** An initialised DataSource on the run's schema with `entities` synchronised. */
async function openPostgres(entities: AuthEntities, url = PG_URL): Promise<DataSource> {
  const dataSource = await new DataSource(options(entities, url)).initialize();
  await dataSource.synchronize();
  return dataSource;
}

let shared: DataSource | undefined;

function sharedDataSource(): DataSource {
  if (!shared) throw new Error(`PostgreSQL at ${PG_URL} was not reachable (see the beforeAll failure).`);
  return shared;
}

beforeAll(async () => {
  const bootstrap = await new DataSource(options(authEntities)).initialize();
  try {
    await bootstrap.query(`CREATE SCHEMA "${SCHEMA}"`);
  } finally {
    await bootstrap.destroy();
  }
  shared = await openPostgres(authEntities);
});

afterAll(async () => {
  if (!shared) return;
  try {
    await shared.query(`DROP SCHEMA "${SCHEMA}" CASCADE`);
  } finally {
    await shared.destroy();
  }
});

runUserStoreContract('typeorm/postgres', async (seed = []) => {
  const dataSource = sharedDataSource();
  await clearTables(dataSource, authEntities);
  await seedUsers(dataSource, authEntities, seed);
  return { store: new TypeOrmUserStore(dataSource) };
});

runSessionStoreContract('typeorm/postgres', async () => {
  const dataSource = sharedDataSource();
  await clearTables(dataSource, authEntities);
  return { store: new TypeOrmSessionStore(dataSource) };
});

runRateLimitStoreContract('typeorm/postgres', async () => {
  const dataSource = sharedDataSource();
  await dataSource.createQueryBuilder().delete().from(rateLimitEntityOf()).execute();
  return { store: new TypeOrmRateLimitStore(dataSource) };
});

runMfaStoreContract('typeorm/postgres', async () => {
  const dataSource = sharedDataSource();
  await clearTables(dataSource, authEntities);
  return { store: new TypeOrmMfaStore(dataSource) };
});

runTypeOrmAdapterChecks('postgres', {
  open: async (entities) => {
    const dataSource = await openPostgres(entities);
    return { dataSource, close: () => dataSource.destroy() };
  },
});

describe('TypeORM adapters: postgres only', () => {

  it('lets exactly one rotation win across two DataSources (two app instances)', async () => {
    const other = await openPostgres(authEntities);
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
    const other = await openPostgres(authEntities);
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

  it('rejects with StoreUnavailableError when the server stops answering', async () => {
    // A TCP proxy in front of PostgreSQL that the test can cut.
    const target = new URL(PG_URL);
    const sockets = new Set<Socket>();
    const proxy: Server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
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
    const viaProxy = new URL(PG_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(address.port);

    const dataSource = await new DataSource(options(authEntities, viaProxy.toString())).initialize();
    try {
      const users = new TypeOrmUserStore(dataSource);
      const sessions = new TypeOrmSessionStore(dataSource);
      expect(await users.findById(randomUUID())).toBeNull();

      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        for (const s of sockets) s.destroy();
      });

      await expect(users.findById(randomUUID())).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(
        users.create({ username: 'down', email: 'down@example.test', passwordHash: 'h', roles: [] }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(sessions.rotate('x', 'y', {
        refreshTokenHash: 'n', previousSuccessor: 'e', rotatedAt: 1, lastUsedAt: 1, expiresAt: 1,
      })).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await dataSource.destroy().catch(() => undefined);
    }
  });
});
