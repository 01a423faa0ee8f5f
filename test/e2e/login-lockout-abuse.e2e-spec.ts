import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Argon2idPasswordHasher, RATE_LIMIT_STORE, type PasswordHasher, type RateLimitStore } from '../../lib/index.js';
import { RedisRateLimitStore } from '../../lib/stores/redis/index.js';
import { rateLimitEntity } from '../../lib/stores/typeorm/rate-limit.entity.js';
import { TypeOrmRateLimitStore } from '../../lib/stores/typeorm/typeorm-rate-limit.store.js';
import { createTestApp, hashOnce, type TestApp } from '../fixtures/create-test-app.js';
import { slowCounters } from '../fixtures/slow-counters.js';
import { openSqlStores } from '../fixtures/sql-stores.js';
import { createPgDatabase, REDIS_URL, redisTestPrefix, withDatabase, PG_URL, type TestDatabase } from '../fixtures/services.js';

/**
 * The login limiter from the attacker's side (issue 12, findings 2–4): an address cap that holds
 * under concurrency on every RateLimitStore, lockouts an outsider cannot turn against the owner, and
 * answers that tell nobody whether an account exists or which identifiers belong together.
 */

/**
 * Counts the verifications made against emilys' real argon2id hash (the checks a guesser gets); every
 * other hash (the dummy hash of unknown users) is a cheap plain-text stand-in, to keep long runs fast.
 */
class CountingHasher implements PasswordHasher {
  private readonly argon2 = new Argon2idPasswordHasher();
  checks = 0;
  constructor(private readonly watched: string) {}
  hash(password: string): Promise<string> {
    return Promise.resolve(`plain$${password}`);
  }
  verify(encoded: string, password: string): Promise<boolean> {
    if (encoded === this.watched) this.checks++;
    if (encoded.startsWith('plain$')) return Promise.resolve(encoded === `plain$${password}`);
    return this.argon2.verify(encoded, password);
  }
}

interface StoreCase {
  name: string;
  open(): Promise<{ store: RateLimitStore; close(): Promise<void> }>;
}

const STORES: StoreCase[] = [
  { name: 'memory', open: async () => ({ store: slowCounters(), close: async () => undefined }) },
  {
    name: 'SQLite',
    open: async () => {
      const ds = await new DataSource({
        type: 'better-sqlite3',
        database: ':memory:',
        entities: [rateLimitEntity()],
        synchronize: true,
      }).initialize();
      return { store: new TypeOrmRateLimitStore(ds), close: () => ds.destroy() };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const db: TestDatabase = await createPgDatabase('limiter');
      const ds = await new DataSource({
        type: 'postgres',
        url: withDatabase(PG_URL, db.name),
        entities: [rateLimitEntity()],
        synchronize: true,
      }).initialize();
      return {
        store: new TypeOrmRateLimitStore(ds),
        close: async () => {
          await ds.destroy();
          await db.drop();
        },
      };
    },
  },
  {
    name: 'MariaDB',
    open: async () => {
      const sql = await openSqlStores('mariadb', 'limiter');
      return { store: new TypeOrmRateLimitStore(sql.dataSource), close: () => sql.close() };
    },
  },
  {
    name: 'Redis',
    open: async () => {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      const keyPrefix = redisTestPrefix();
      return {
        store: new RedisRateLimitStore(redis, { keyPrefix }),
        close: async () => {
          const keys = await redis.keys(`${keyPrefix}*`);
          if (keys.length > 0) await redis.del(...keys);
          redis.disconnect();
        },
      };
    },
  },
];

describe('login limiter: attacks on the limits themselves', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const from = (address: string) => ({ 'X-Forwarded-For': address });
  const login = (body: Record<string, unknown>, address = '203.0.113.9') => t.http.post('/auth/login').set(from(address)).send(body);

  describe.each(STORES)('per-address cap under a concurrent burst ($name)', ({ open }) => {
    let opened: Awaited<ReturnType<StoreCase['open']>>;
    afterEach(() => opened?.close());

    it('40 parallel guesses after 95 failures from one address get at most 5 checks (the rest 429)', async () => {
      opened = await open();
      t = await createTestApp({ options: { trustProxyHeaders: true, rateLimitStore: opened.store } });
      // 95 failures from the address, spread over accounts (no per-account lock interferes).
      for (let i = 0; i < 95; i += 5) {
        await Promise.all(
          Array.from({ length: 5 }, (_, j) => login({ username: `nobody-${i + j}`, password: 'wrong-password' }).expect(401)),
        );
      }
      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => login({ username: `burst-${i}`, password: 'wrong-password' })));
      const statuses = burst.map((r) => r.status);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
      expect(burst.find((r) => r.status === 429)?.headers['retry-after']).toBeDefined();
    });
  });

  it('an outsider who fails 5 times cannot lock the owner out: the owner at another address logs in', async () => {
    t = await createTestApp({ options: { trustProxyHeaders: true } });
    for (let i = 0; i < 5; i++) await login({ username: 'emilys', password: 'guess' }, '198.51.100.66').expect(401);
    const attacker = await login({ username: 'emilys', password: 'emilyspass' }, '198.51.100.66');
    expect(attacker.status).toBe(429);
    await login({ username: 'emilys', password: 'emilyspass' }, '192.0.2.10').expect(200);
    await login({ email: 'emily.johnson@example.com', password: 'emilyspass' }, '192.0.2.11').expect(200);
  });

  it('distributed guessing hits the account-wide ceiling; clients that proved themselves still get in', async () => {
    const hasher = new CountingHasher(await hashOnce('emilyspass'));
    t = await createTestApp({
      options: { trustProxyHeaders: true, passwordHasher: hasher, rateLimit: { ceiling: { max: 20, window: '1h' } } },
    });
    // The owner signed in from home yesterday: that address is proven for the account.
    await login({ username: 'emilys', password: 'emilyspass' }, '192.0.2.10').expect(200);
    t.clock.advanceSeconds(86_400);
    hasher.checks = 0;
    // 60 addresses, 2 guesses each: only the ceiling's 20 are checked.
    for (let a = 0; a < 60; a++) {
      for (let g = 0; g < 2; g++) await login({ username: 'emilys', password: `guess-${a}-${g}` }, `198.51.100.${a + 1}`).expect(401);
    }
    expect(hasher.checks).toBe(20);
    // A new address with the right password is answered like a wrong one (nothing tells the guesser
    // the ceiling is reached), the proven home address gets in.
    await login({ username: 'emilys', password: 'emilyspass' }, '203.0.113.77').expect(401);
    await login({ username: 'emilys', password: 'emilyspass' }, '192.0.2.10').expect(200);
    t.clock.advanceSeconds(3601);
    await login({ username: 'emilys', password: 'emilyspass' }, '203.0.113.77').expect(200);
  });

  it('a single-address guesser gets no more checks per hour than before, even alternating username and e-mail', async () => {
    const hasher = new CountingHasher(await hashOnce('emilyspass'));
    t = await createTestApp({ options: { trustProxyHeaders: true, passwordHasher: hasher } });
    // Guess every 10 s for two hours (waiting out every 429), alternating the identifiers.
    for (let n = 0, elapsed = 0; elapsed < 7200; n++) {
      const body = n % 2 === 0 ? { username: 'emilys', password: `g${n}` } : { email: 'emily.johnson@example.com', password: `g${n}` };
      const res = await login(body, '198.51.100.7');
      const wait = res.status === 429 ? Number(res.headers['retry-after']) : 10;
      if (res.status !== 429) expect(res.status).toBe(401);
      t.clock.advanceSeconds(wait);
      elapsed += wait;
    }
    // The schedule of one account before per-address counting: 5, then one more after each lock
    // (30 s doubling to 15 min): 12 per hour.
    expect(hasher.checks).toBeLessThanOrEqual(24);
  });

  it('no enumeration through the limiter: after 5 failures as {username: N}, {email: N} answers the same whether N exists or not', async () => {
    t = await createTestApp();
    const probe = async (name: string) => {
      for (let i = 0; i < 5; i++) await t.http.post('/auth/login').send({ username: name, password: 'wrong-password' }).expect(401);
      const res = await t.http.post('/auth/login').send({ email: name, password: 'wrong-password' });
      return { status: res.status, retryAfter: res.headers['retry-after'], body: res.body as unknown };
    };
    expect(await probe('admin')).toEqual(await probe('no-such-user'));
  });

  it('no link between a username and its e-mail: after locking the username, its own e-mail answers exactly like any other', async () => {
    t = await createTestApp();
    for (let i = 0; i < 5; i++) await t.http.post('/auth/login').send({ username: 'emilys', password: 'wrong-password' }).expect(401);
    await t.http.post('/auth/login').send({ username: 'emilys', password: 'wrong-password' }).expect(429);
    // Seven guesses through emilys' own e-mail, through another account's e-mail and through an
    // unknown one: the same statuses and Retry-After, so nothing links the username to its e-mail.
    const run = async (email: string) => {
      const out: string[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await t.http.post('/auth/login').send({ email, password: 'wrong-password' });
        out.push(`${res.status} ${String(res.headers['retry-after'])}`);
      }
      return out;
    };
    const own = await run('emily.johnson@example.com');
    expect(own).toEqual(await run('admin@example.com'));
    expect(own).toEqual(await run('nobody@example.com'));
    expect(own.slice(0, 5).every((s) => s.startsWith('401'))).toBe(true);
    expect(own[5]).toBe('429 30');
  });
});

describe('login limiter: silent refusals', () => {
  it('refusals answered like a wrong password still count against the address (no unlimited free hashing)', async () => {
    const t = await createTestApp({
      options: {
        trustProxyHeaders: true,
        rateLimit: { account: { maxFailures: 50 }, ceiling: { max: 2, window: '1h' }, address: { max: 10, window: '15m' } },
      },
    });
    try {
      const login = () =>
        t.http.post('/auth/login').set('X-Forwarded-For', '198.51.100.3').send({ username: 'emilys', password: 'wrong-password' });
      // Two failures reach the (tiny) ceiling; the next attempts from this unproven address are
      // refused unchecked (401), and the address cap still ends them.
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await login()).status);
      expect(statuses.slice(0, 10)).toEqual(Array.from({ length: 10 }, () => 401));
      expect(statuses.slice(10)).toEqual([429, 429]);
    } finally {
      await t.close();
    }
  });
});

describe('login limiter: reservations across a window boundary', () => {
  it('a success settled after the address window turned over does not erase a failure of the new window', async () => {
    const argon2 = new Argon2idPasswordHasher();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let gated = true;
    const hasher: PasswordHasher = {
      hash: (password) => argon2.hash(password),
      verify: async (encoded, password) => {
        if (gated && password === 'emilyspass') await gate;
        return argon2.verify(encoded, password);
      },
    };
    const t = await createTestApp({
      options: {
        trustProxyHeaders: true,
        passwordHasher: hasher,
        passwordHashing: { concurrency: 4 },
        rateLimit: { address: { max: 1, window: '15m' } },
      },
    });
    try {
      const from = (body: Record<string, unknown>) => t.http.post('/auth/login').set('X-Forwarded-For', '198.51.100.9').send(body);
      // A correct login reserves its place in the address window, then waits in its hash...
      const pending = from({ username: 'emilys', password: 'emilyspass' }).then((r) => r.status);
      const rates = t.app.get<RateLimitStore>(RATE_LIMIT_STORE);
      const addressKey = 'login:addr:198.51.100.9';
      for (let i = 0; i < 200 && (await rates.peek(addressKey, t.clock.now())).count === 0; i++) await new Promise((r) => setImmediate(r));
      expect((await rates.peek(addressKey, t.clock.now())).count).toBe(1);
      // ...the window turns over, and a failure from the same address fills the new one (max 1).
      t.clock.advanceSeconds(15 * 60 + 1);
      await from({ username: 'nobody-here', password: 'wrong-password' }).expect(401);
      gated = false;
      release();
      expect(await pending).toBe(200);
      // The success released its own reservation only: the new window's failure still counts.
      await from({ username: 'someone-else', password: 'wrong-password' }).expect(429);
    } finally {
      await t.close();
    }
  });
});
