import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { authEntities, type AuthEntities } from '../../lib/stores/typeorm/auth-entities.js';
import { createAuthMigrations } from '../../lib/stores/typeorm/auth-migrations.js';
import { rateLimitEntity as rateLimitEntityOf } from '../../lib/stores/typeorm/rate-limit.entity.js';
import { TypeOrmAccountTokenStore } from '../../lib/stores/typeorm/typeorm-account-token.store.js';
import { TypeOrmIdentityStore } from '../../lib/stores/typeorm/typeorm-identity.store.js';
import { TypeOrmPasskeyStore } from '../../lib/stores/typeorm/typeorm-passkey.store.js';
import { TypeOrmActivityStore } from '../../lib/stores/typeorm/typeorm-activity.store.js';
import { TypeOrmMfaStore } from '../../lib/stores/typeorm/typeorm-mfa.store.js';
import { TypeOrmRateLimitStore } from '../../lib/stores/typeorm/typeorm-rate-limit.store.js';
import { TypeOrmSessionStore } from '../../lib/stores/typeorm/typeorm-session.store.js';
import { TypeOrmUserStore } from '../../lib/stores/typeorm/typeorm-user.store.js';
import {
  runAccountTokenStoreContract,
  runActivityStoreContract,
  runPasskeyStoreContract,
  runIdentityStoreContract,
  runMfaStoreContract,
  runRateLimitStoreContract,
  runSessionStoreContract,
  runUserStoreContract,
} from '../../lib/testing/index.js';
import { clearTables, runSharedDatabaseChecks, runTypeOrmAdapterChecks, seedUsers, session, sessionRowCount } from './typeorm-fixture.js';

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
    return { store: new TypeOrmSessionStore(dataSource()), footprint: () => sessionRowCount(dataSource(), authEntities) };
  });

  runRateLimitStoreContract(name, async () => {
    await dataSource().createQueryBuilder().delete().from(rateLimitEntityOf()).execute();
    return { store: new TypeOrmRateLimitStore(dataSource()) };
  });

  runMfaStoreContract(name, async () => {
    await clearTables(dataSource(), authEntities);
    return { store: new TypeOrmMfaStore(dataSource()) };
  });

  runAccountTokenStoreContract(name, async () => {
    await clearTables(dataSource(), authEntities);
    return { store: new TypeOrmAccountTokenStore(dataSource()) };
  });

  runActivityStoreContract(name, async (maxPerUser) => {
    await clearTables(dataSource(), authEntities);
    return { store: new TypeOrmActivityStore(dataSource(), authEntities, { maxPerUser }) };
  });

  runPasskeyStoreContract(name, async () => {
    await clearTables(dataSource(), authEntities);
    return { store: new TypeOrmPasskeyStore(dataSource()) };
  });

  runIdentityStoreContract(name, async () => {
    await clearTables(dataSource(), authEntities);
    return { store: new TypeOrmIdentityStore(dataSource()) };
  });
}

runTypeOrmAdapterChecks('mariadb', {
  open: async (entities) => {
    const dataSource = await openSynchronized(entities);
    return { dataSource, close: () => dataSource.destroy() };
  },
});

runSharedDatabaseChecks('mariadb', {
  shared: sharedDataSource,
  // The other instance connects without CLIENT_FOUND_ROWS: the stores must not depend on it.
  openOther: () => openShared({ flags: ['-FOUND_ROWS'] }),
  openVia: (port) => {
    const url = new URL(urlFor(DATABASE));
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return new DataSource(options(authEntities, {}, url.toString())).initialize();
  },
  server: { host: new URL(MYSQL_URL).hostname, port: Number(new URL(MYSQL_URL).port || 3306) },
});

describe('TypeORM adapters: mariadb only', () => {
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
    expect((await sessions.findById(s.id))?.previousTokenHash).toBe(upper);

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
});
