import { DataSource } from 'typeorm';
import { authEntities, type AuthEntities } from '../../lib/stores/typeorm/auth-entities.js';
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
import { runTypeOrmAdapterChecks, seedUsers, sessionRowCount } from './typeorm-fixture.js';

/** A fresh in-memory SQLite database (better-sqlite3) with the entity set synchronised. */
async function openSqlite(entities: AuthEntities = authEntities): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: [...Object.values(entities), rateLimitEntityOf()],
    synchronize: true,
  });
  return dataSource.initialize();
}

runUserStoreContract('typeorm/better-sqlite3', async (seed = []) => {
  const dataSource = await openSqlite();
  await seedUsers(dataSource, authEntities, seed);
  return { store: new TypeOrmUserStore(dataSource), teardown: () => dataSource.destroy() };
});

runSessionStoreContract('typeorm/better-sqlite3', async () => {
  const dataSource = await openSqlite();
  return {
    store: new TypeOrmSessionStore(dataSource),
    teardown: () => dataSource.destroy(),
    footprint: () => sessionRowCount(dataSource, authEntities),
  };
});

runRateLimitStoreContract('typeorm/better-sqlite3', async () => {
  const dataSource = await openSqlite();
  return { store: new TypeOrmRateLimitStore(dataSource), teardown: () => dataSource.destroy() };
});

runMfaStoreContract('typeorm/better-sqlite3', async () => {
  const dataSource = await openSqlite();
  return { store: new TypeOrmMfaStore(dataSource), teardown: () => dataSource.destroy() };
});

runAccountTokenStoreContract('typeorm/better-sqlite3', async () => {
  const dataSource = await openSqlite();
  return { store: new TypeOrmAccountTokenStore(dataSource), teardown: () => dataSource.destroy() };
});

runActivityStoreContract('typeorm/better-sqlite3', async (maxPerUser) => {
  const dataSource = await openSqlite();
  return { store: new TypeOrmActivityStore(dataSource, authEntities, { maxPerUser }), teardown: () => dataSource.destroy() };
});

runPasskeyStoreContract('typeorm/better-sqlite3', async () => {
  const dataSource = await openSqlite();
  return { store: new TypeOrmPasskeyStore(dataSource), teardown: () => dataSource.destroy() };
});

runIdentityStoreContract('typeorm/better-sqlite3', async () => {
  const dataSource = await openSqlite();
  return { store: new TypeOrmIdentityStore(dataSource), teardown: () => dataSource.destroy() };
});

describe('TypeOrmActivityStore on better-sqlite3: trimming', () => {
  it('feed flooding: an account written to one event at a time stays within maxPerUser + 10 %, and lists its newest entries', async () => {
    const dataSource = await openSqlite();
    try {
      const store = new TypeOrmActivityStore(dataSource, authEntities, { maxPerUser: 50 });
      const t0 = Date.now();
      let most = 0;
      for (let i = 0; i < 200; i++) {
        await store.record([
          {
            type: 'login.failed',
            id: `e${String(i).padStart(4, '0')}`,
            at: new Date(t0 + i).toISOString(),
            userId: 'u-1',
            sessionId: null,
            ip: null,
            userAgent: null,
            requestId: null,
            reason: 'invalid_credentials',
          },
        ]);
        most = Math.max(most, await dataSource.createQueryBuilder().from(authEntities.auditLog, 'a').getCount());
      }
      expect(most).toBeLessThanOrEqual(55);
      const newest = await store.listByUser('u-1', 50);
      expect(newest.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => `e${String(199 - i).padStart(4, '0')}`));
    } finally {
      await dataSource.destroy();
    }
  });
});

runTypeOrmAdapterChecks('better-sqlite3', {
  open: async (entities) => {
    const dataSource = await openSqlite(entities);
    return { dataSource, close: () => dataSource.destroy() };
  },
});
