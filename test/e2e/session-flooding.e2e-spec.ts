import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { authEntities, createAuthMigrations, rateLimitEntity, TypeOrmSessionStore } from '../../lib/stores/typeorm/index.js';
import { MemorySessionStore, type SessionStore } from '../../lib/index.js';
import { redisClientOptions, RedisSessionStore } from '../../lib/stores/redis/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import { createPgDatabase, redisTestPrefix, REDIS_URL } from '../fixtures/services.js';

/**
 * Threat: session flooding — a stolen password (or a script) piling up live sessions the owner never
 * sees the end of. `refreshToken.maxSessionsPerUser` caps them: a login beyond the cap revokes the
 * oldest live sessions (their refresh AND access tokens stop working), and concurrent logins converge
 * to exactly the cap, on every session store.
 */

const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

interface Backend {
  name: string;
  open(): Promise<{ store: SessionStore; close: () => Promise<void> }>;
}

const backends: Backend[] = [
  { name: 'memory', open: () => Promise.resolve({ store: new MemorySessionStore(), close: () => Promise.resolve() }) },
  {
    name: 'typeorm/postgres',
    async open() {
      const db = await createPgDatabase('cap');
      const dataSource = await new DataSource({
        type: 'postgres',
        url: db.url,
        entities: [...Object.values(authEntities), rateLimitEntity()],
        migrations: createAuthMigrations(),
        migrationsRun: true,
      }).initialize();
      return {
        store: new TypeOrmSessionStore(dataSource),
        close: async () => {
          await dataSource.destroy();
          await db.drop();
        },
      };
    },
  },
  {
    name: 'redis',
    async open() {
      const keyPrefix = redisTestPrefix();
      const redis = new Redis(REDIS_URL, { ...redisClientOptions(), lazyConnect: true });
      await redis.connect();
      return {
        store: new RedisSessionStore(redis, { keyPrefix }),
        close: async () => {
          const keys = await redis.keys(`${keyPrefix}*`);
          if (keys.length > 0) await redis.del(...keys);
          await redis.quit();
        },
      };
    },
  },
];

describe.each(backends)('session flooding: refreshToken.maxSessionsPerUser on the $name session store', (backend) => {
  let t: TestApp;
  let store: SessionStore;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ store, close } = await backend.open());
  }, 60_000);
  afterAll(() => close?.(), 60_000);
  afterEach(() => t?.close());

  const live = async (): Promise<string[]> => (await store.listActiveByUser('u-emily', t.clock.now())).map((s) => s.id);

  it('a login beyond the cap revokes the oldest live session: its refresh and access tokens stop working', async () => {
    t = await createTestApp({ options: { sessionStore: store, refreshToken: { maxSessionsPerUser: 2 } } });
    await store.revokeAllForUser('u-emily', t.clock.now());
    const first = await t.login();
    t.clock.advance(5);
    const second = await t.login();
    t.clock.advance(5);
    const third = await t.login();

    const ids = (token: string): string => token.split('.')[0];
    expect((await live()).sort()).toEqual([ids(second.refreshToken), ids(third.refreshToken)].sort());
    expect((await t.http.post('/auth/refresh').send({ refreshToken: first.refreshToken }).expect(401)).body.code).toBe(
      'REFRESH_TOKEN_INVALID',
    );
    expect((await t.http.get('/protected').set(bearer(first.accessToken)).expect(401)).body.code).toBe('ACCESS_TOKEN_INVALID');
    await t.http.get('/protected').set(bearer(second.accessToken)).expect(200);
    await t.http.post('/auth/refresh').send({ refreshToken: third.refreshToken }).expect(200);
  });

  it('10 parallel logins with a cap of 3 leave exactly 3 live sessions', async () => {
    t = await createTestApp({ options: { sessionStore: store, refreshToken: { maxSessionsPerUser: 3 }, rateLimit: { enabled: false } } });
    await store.revokeAllForUser('u-emily', t.clock.now());
    const logins = await Promise.all(Array.from({ length: 10 }, () => t.login()));
    const alive = await live();
    expect(alive).toHaveLength(3);
    // The survivors work; every other session's tokens are refused.
    for (const login of logins) {
      const id = login.refreshToken.split('.')[0];
      const res = await t.http.get('/protected').set(bearer(login.accessToken));
      expect({ id, status: res.status }).toEqual({ id, status: alive.includes(id) ? 200 : 401 });
    }
  }, 60_000);

  it('without a cap (the default), sessions are not limited', async () => {
    t = await createTestApp({ options: { sessionStore: store, rateLimit: { enabled: false } } });
    await store.revokeAllForUser('u-emily', t.clock.now());
    await Promise.all(Array.from({ length: 12 }, () => t.login()));
    expect(await live()).toHaveLength(12);
  });
});
