import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { authEntities, createAuthMigrations, rateLimitEntity, TypeOrmSessionStore } from '../../lib/stores/typeorm/index.js';
import { MemorySessionStore, type SessionStore } from '../../lib/index.js';
import { redisClientOptions, RedisSessionStore } from '../../lib/stores/redis/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import { createPgDatabase, redisTestPrefix, REDIS_URL, type TestDatabase } from '../fixtures/services.js';

/**
 * Threat: an access token outliving its session. After a logout, a logout everywhere, a password
 * change, `DELETE /auth/sessions/:id` or a detected refresh-token reuse, the session's access tokens
 * must stop opening HOST routes (the sample app's `/protected` and `/admin`), not only the module's
 * own: at once on the instance that revoked it, within about a second on the others (the revocation
 * feed), and still after a restart. For every session store: memory, SQLite, PostgreSQL, Redis.
 */

const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** One session-store backend: `connect()` is one app instance's connection to it. */
interface Backend {
  name: string;
  /** Whether several instances can share it (not the memory store). */
  shared: boolean;
  setUp(): Promise<void>;
  connect(): Promise<{ store: SessionStore; close: () => Promise<void> }>;
  tearDown(): Promise<void>;
}

function memoryBackend(): Backend {
  const store = new MemorySessionStore();
  return {
    name: 'memory',
    shared: false,
    setUp: () => Promise.resolve(),
    connect: () => Promise.resolve({ store, close: () => Promise.resolve() }),
    tearDown: () => Promise.resolve(),
  };
}

function typeOrmBackend(
  name: string,
  options: () => Promise<ConstructorParameters<typeof DataSource>[0]>,
  drop: () => Promise<void>,
): Backend {
  return {
    name,
    shared: true,
    setUp: () => Promise.resolve(),
    async connect() {
      const dataSource = await new DataSource(await options()).initialize();
      await dataSource.runMigrations();
      return { store: new TypeOrmSessionStore(dataSource), close: () => dataSource.destroy() };
    },
    tearDown: drop,
  };
}

function sqliteBackend(): Backend {
  const file = join(tmpdir(), `gk-revoked-${randomBytes(6).toString('hex')}.sqlite`);
  return typeOrmBackend(
    'typeorm/better-sqlite3',
    () =>
      Promise.resolve({
        type: 'better-sqlite3',
        database: file,
        entities: [...Object.values(authEntities), rateLimitEntity()],
        migrations: createAuthMigrations(),
      }),
    async () => {
      for (const suffix of ['', '-wal', '-shm']) await rm(`${file}${suffix}`, { force: true });
    },
  );
}

function postgresBackend(): Backend {
  let db: TestDatabase | undefined;
  const backend = typeOrmBackend(
    'typeorm/postgres',
    () => {
      if (!db) throw new Error('PostgreSQL is not reachable (see the beforeAll failure)');
      return Promise.resolve({
        type: 'postgres',
        url: db.url,
        entities: [...Object.values(authEntities), rateLimitEntity()],
        migrations: createAuthMigrations(),
        connectTimeoutMS: 5000,
      });
    },
    async () => {
      await db?.drop();
    },
  );
  backend.setUp = async () => {
    db = await createPgDatabase('revoked');
  };
  return backend;
}

function redisBackend(): Backend {
  const keyPrefix = redisTestPrefix();
  const clients: Redis[] = [];
  return {
    name: 'redis',
    shared: true,
    setUp: () => Promise.resolve(),
    async connect() {
      const redis = new Redis(REDIS_URL, { ...redisClientOptions(), lazyConnect: true });
      redis.on('error', () => undefined);
      await redis.connect();
      clients.push(redis);
      return { store: new RedisSessionStore(redis, { keyPrefix }), close: async () => void (await redis.quit()) };
    },
    async tearDown() {
      const redis = new Redis(REDIS_URL, { lazyConnect: true });
      await redis.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.unlink(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Polls `probe` every 20 ms until it resolves true; resolves the time it took, rejects after `ms`. */
async function within(ms: number, probe: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`not refused within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Latencies seen across instances (logged at the end, for the report). */
const latencies: string[] = [];
afterAll(() => {
  if (latencies.length > 0) console.log(`revocation latency across instances:\n  ${latencies.join('\n  ')}`);
});

describe.each([memoryBackend(), sqliteBackend(), postgresBackend(), redisBackend()])(
  'revoked-token replay: $name session store',
  (backend) => {
    let a: TestApp;
    let closeA: () => Promise<void>;

    async function app(): Promise<{ t: TestApp; close: () => Promise<void> }> {
      const { store, close } = await backend.connect();
      const t = await createTestApp({ options: { sessionStore: store } });
      return {
        t,
        close: async () => {
          await t.close();
          await close();
        },
      };
    }

    beforeAll(async () => {
      await backend.setUp();
      ({ t: a, close: closeA } = await app());
    }, 60_000);

    afterAll(async () => {
      await closeA?.();
      await backend.tearDown();
    }, 60_000);

    const refused = async (t: TestApp, token: string, path = '/protected'): Promise<boolean> => {
      const res = await t.http.get(path).set(bearer(token));
      if (res.status === 401) expect(res.body.code).toBe('ACCESS_TOKEN_INVALID');
      return res.status === 401;
    };

    it('after logout, the old access token is refused on the host routes /protected and /admin', async () => {
      const admin = await a.login('admin', 'adminpass123');
      await a.http.get('/admin').set(bearer(admin.accessToken)).expect(200);
      await a.http.post('/auth/logout').set(bearer(admin.accessToken)).expect(200);
      expect(await refused(a, admin.accessToken, '/protected')).toBe(true);
      expect(await refused(a, admin.accessToken, '/admin')).toBe(true);
    });

    it('after logout everywhere, every session’s old access token is refused', async () => {
      const one = await a.login();
      const two = await a.login();
      await a.http.post('/auth/logout').set(bearer(one.accessToken)).send({ allSessions: true }).expect(200);
      expect(await refused(a, one.accessToken)).toBe(true);
      expect(await refused(a, two.accessToken)).toBe(true);
    });

    it('after DELETE /auth/sessions/:id, that session’s old access token is refused', async () => {
      const mine = await a.login();
      const lost = await a.login();
      await a.http
        .delete(`/auth/sessions/${lost.refreshToken.split('.')[0]}`)
        .set(bearer(mine.accessToken))
        .expect(204);
      expect(await refused(a, lost.accessToken)).toBe(true);
      await a.http.get('/protected').set(bearer(mine.accessToken)).expect(200);
    });

    it('after refresh-token reuse is detected, the family’s old access token is refused', async () => {
      const victim = await a.login();
      const rotated = await a.http.post('/auth/refresh').send({ refreshToken: victim.refreshToken }).expect(200);
      // The successor is used, so the victim's token is no longer an orphan's parent: presenting it is reuse.
      const next = await a.http.post('/auth/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(200);
      const reuse = await a.http.post('/auth/refresh').send({ refreshToken: victim.refreshToken }).expect(401);
      expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
      expect(await refused(a, victim.accessToken)).toBe(true);
      expect(await refused(a, rotated.body.accessToken as string)).toBe(true);
      expect(await refused(a, next.body.accessToken as string)).toBe(true);
    });

    if (backend.shared) {
      describe('across two instances sharing the store', () => {
        let b: TestApp;
        let closeB: () => Promise<void>;
        beforeAll(async () => {
          ({ t: b, close: closeB } = await app());
        }, 60_000);
        afterAll(() => closeB?.(), 60_000);

        it('logout on A → B refuses the old access token within about a second', async () => {
          const s = await a.login();
          await b.http.get('/protected').set(bearer(s.accessToken)).expect(200);
          await a.http.post('/auth/logout').set(bearer(s.accessToken)).expect(200);
          const ms = await within(1_500, () => refused(b, s.accessToken));
          latencies.push(`${backend.name}: logout on A → 401 on B after ${ms} ms`);
        });

        it('logout everywhere on B → A refuses every old access token within about a second', async () => {
          const one = await a.login();
          const two = await b.login();
          await b.http.post('/auth/logout').set(bearer(two.accessToken)).send({ allSessions: true }).expect(200);
          const ms = await within(1_500, async () => (await refused(a, one.accessToken)) && (await refused(a, two.accessToken)));
          latencies.push(`${backend.name}: logout-all on B → 401 on A after ${ms} ms`);
        });

        it('a restarted instance still refuses a token revoked before it started', async () => {
          const s = await a.login();
          await closeB();
          await a.http.post('/auth/logout').set(bearer(s.accessToken)).expect(200);
          ({ t: b, close: closeB } = await app());
          expect(await refused(b, s.accessToken)).toBe(true);
        }, 60_000);
      });
    }

    // Last: it changes the demo user's password on A.
    it('after a password change, the other sessions’ old access tokens are refused', async () => {
      const changer = await a.login();
      const other = await a.login();
      await a.http
        .post('/auth/password/change')
        .set(bearer(changer.accessToken))
        .send({ currentPassword: 'emilyspass', newPassword: 'a-new-long-passphrase' })
        .expect(200);
      expect(await refused(a, other.accessToken)).toBe(true);
      await a.http.get('/protected').set(bearer(changer.accessToken)).expect(200);
    });
  },
);

describe('a day-long access token cannot be asked for (jwt.maxAccessTokenTtl defaults to 1 h)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('expiresInMins: 1440 → 400 at login and at refresh; 60 is still fine', async () => {
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass', expiresInMins: 1440 }).expect(400);
    expect(login.body.code).toBe('VALIDATION_FAILED');
    const ok = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass', expiresInMins: 60 }).expect(200);
    expect(ok.body.expiresIn).toBe(3600);
    const refresh = await t.http.post('/auth/refresh').send({ refreshToken: ok.body.refreshToken, expiresInMins: 1440 }).expect(400);
    expect(refresh.body.code).toBe('VALIDATION_FAILED');
  });
});
