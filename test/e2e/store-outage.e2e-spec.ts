import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import type { Response } from 'supertest';
import {
  authEntities,
  rateLimitEntity,
  TypeOrmRateLimitStore,
  TypeOrmSessionStore,
  TypeOrmUserStore,
} from '../../lib/stores/typeorm/index.js';
import type { AuthModuleOptions } from '../../lib/index.js';
import { RedisRateLimitStore, RedisSessionStore, redisClientOptions } from '../../lib/stores/redis/index.js';
import { createTestApp, hashOnce, type TestApp } from '../fixtures/create-test-app.js';
import { createPgDatabase, eventually, PG_URL, REDIS_URL, redisTestPrefix, TcpProxy, withDatabase } from '../fixtures/services.js';

/**
 * Failure behaviour (issue 5): when the database or Redis cannot be reached, auth routes answer a 503
 * `STORE_UNAVAILABLE` problem quickly (never a hang, never a 500 or a driver message), and they work
 * again by themselves when it returns. The outage is a TCP proxy between the app and the real
 * PostgreSQL that the test cuts and restores (the shared server keeps running).
 */

/** Words of driver errors that must never reach a response. */
const DRIVER_WORDS = /ECONN|terminated|socket|postgres|pg_|typeorm|QueryFailed|timeout/i;

function expectUnavailable(res: Response): void {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe('STORE_UNAVAILABLE');
  expect(JSON.stringify(res.body)).not.toMatch(DRIVER_WORDS);
}

/** A test app whose users, sessions and counters live in a fresh PostgreSQL database behind a proxy. */
interface PgBehindProxy {
  proxy: TcpProxy;
  t: TestApp;
  close(): Promise<void>;
}

async function pgBehindProxy(
  tag: string,
  driver: { connectTimeoutMS?: number; extra?: Record<string, unknown> },
  options: Partial<AuthModuleOptions> = {},
): Promise<PgBehindProxy> {
  const db = await createPgDatabase(tag);
  const proxy = await TcpProxy.start(new URL(PG_URL).hostname, Number(new URL(PG_URL).port || 5432));
  const dataSource = await new DataSource({
    type: 'postgres',
    url: withDatabase(PG_URL, db.name, proxy.port),
    entities: [...Object.values(authEntities), rateLimitEntity()],
    synchronize: true,
    ...driver,
  }).initialize();
  const users = new TypeOrmUserStore(dataSource);
  await users.create({
    username: 'emilys',
    email: 'emily.johnson@example.com',
    passwordHash: await hashOnce('emilyspass'),
    roles: ['user'],
  });
  const t = await createTestApp({
    options: {
      userStore: users,
      sessionStore: new TypeOrmSessionStore(dataSource),
      rateLimitStore: new TypeOrmRateLimitStore(dataSource),
      ...options,
    },
  });
  return {
    proxy,
    t,
    async close() {
      await t.close();
      await proxy.close();
      await dataSource.destroy().catch(() => undefined);
      await db.drop();
    },
  };
}

describe('PostgreSQL outage: users, sessions and counters in PostgreSQL', () => {
  let env: PgBehindProxy;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    env = await pgBehindProxy('outage', { connectTimeoutMS: 2000 });
    ({ proxy, t } = env);
  });
  afterAll(() => env?.close());

  it('answers 503 STORE_UNAVAILABLE within seconds while the database is down, and recovers by itself', async () => {
    const before = await t.login();
    await t.http.post('/auth/refresh').send({ refreshToken: before.refreshToken }).expect(200);
    // The token this client holds now (the response above rotated it).
    const held = (await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }).expect(200)).body as {
      accessToken: string;
      refreshToken: string;
    };

    await proxy.cut();
    const started = Date.now();
    expectUnavailable(await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }));
    expectUnavailable(await t.http.post('/auth/refresh').send({ refreshToken: held.refreshToken }));
    expectUnavailable(await t.http.get('/auth/me').set('Authorization', `Bearer ${held.accessToken}`));
    expectUnavailable(await t.http.get('/auth/sessions').set('Authorization', `Bearer ${held.accessToken}`));
    expect(Date.now() - started).toBeLessThan(10_000);

    await proxy.restore();
    // No restart, no new DataSource: the pool reconnects on its own.
    await eventually(async () => (await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' })).status === 200);
    // Nothing was lost: the session that existed before the outage refreshes (its token was not used up
    // by the refused attempt).
    const after = await t.http.post('/auth/refresh').send({ refreshToken: held.refreshToken });
    expect(after.status).toBe(200);
    expect(after.body.refreshToken).not.toBe(held.refreshToken);
  });
});

describe('PostgreSQL that stops answering (connections open, no bytes through)', () => {
  let env: PgBehindProxy;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    env = await pgBehindProxy('hang', {
      connectTimeoutMS: 2000,
      // The documented fail-fast settings: without a read timeout a query on a hung server waits for
      // the operating system to give up on the TCP connection (many minutes).
      extra: { query_timeout: 2000 },
    });
    ({ proxy, t } = env);
  });
  afterAll(() => env?.close());

  it('answers 503 once the read timeout passes, not a hang, and recovers when the server answers again', async () => {
    const held = await t.login();
    proxy.freeze();
    const started = Date.now();
    expectUnavailable(await t.http.post('/auth/refresh').send({ refreshToken: held.refreshToken }));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(8000);

    await proxy.restore();
    await eventually(async () => (await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' })).status === 200);
  });
});

describe('storeTimeout: the safety net when the driver has no timeout of its own', () => {
  let env: PgBehindProxy;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    env = await pgBehindProxy('nettimeout', {}, { storeTimeout: '1s' });
    ({ proxy, t } = env);
  });
  afterAll(() => env?.close());

  it('answers 503 after storeTimeout when the database hangs, and works again afterwards', async () => {
    const held = await t.login();
    proxy.freeze();
    const started = Date.now();
    expectUnavailable(await t.http.post('/auth/refresh').send({ refreshToken: held.refreshToken }));
    expectUnavailable(await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2 * 900);
    expect(elapsed).toBeLessThan(6000);

    await proxy.restore();
    await eventually(async () => (await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' })).status === 200);
  });
});

describe('storeReadTimeout: reads give up sooner than writes when the database freezes', () => {
  let env: PgBehindProxy;

  beforeAll(async () => {
    env = await pgBehindProxy('readtimeout', {}, { storeTimeout: '4s', storeReadTimeout: '500ms' });
  });
  afterAll(() => env?.close());

  it('a frozen PostgreSQL holds GET /auth/me for the read timeout, not the write timeout', async () => {
    const { proxy, t } = env;
    const { accessToken } = await t.login();
    proxy.freeze();
    const started = Date.now();
    expectUnavailable(await t.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(3000);
    await proxy.restore();
    await eventually(async () => (await t.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`)).status === 200);
  });
});

describe('Redis outage: sessions and counters in Redis, users in memory', () => {
  let proxy: TcpProxy;
  let redis: Redis;
  let t: TestApp;
  const prefix = redisTestPrefix();

  beforeAll(async () => {
    const target = new URL(REDIS_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379));
    // The documented client: fails fast while Redis is away, reconnects by itself.
    redis = new Redis(`redis://127.0.0.1:${proxy.port}`, redisClientOptions({ lazyConnect: true }));
    redis.on('error', () => undefined);
    await redis.connect();
    t = await createTestApp({
      options: {
        sessionStore: new RedisSessionStore(redis, { keyPrefix: prefix }),
        rateLimitStore: new RedisRateLimitStore(redis, { keyPrefix: prefix }),
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    const keys = await redis.keys(`${prefix}*`).catch(() => []);
    if (keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    await proxy?.close();
  });

  it('answers 503 at once while Redis is down, and recovers by itself on the same client', async () => {
    const held = await t.login();
    await proxy.cut();
    const started = Date.now();
    expectUnavailable(await t.http.post('/auth/refresh').send({ refreshToken: held.refreshToken }));
    expectUnavailable(await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }));
    expect(Date.now() - started).toBeLessThan(3000);

    await proxy.restore();
    await eventually(async () => (await t.http.post('/auth/refresh').send({ refreshToken: held.refreshToken })).status === 200);
  });

  it('answers 503 within seconds when Redis hangs (connection open, no reply), and recovers', async () => {
    const held = await t.login();
    proxy.freeze();
    const started = Date.now();
    expectUnavailable(await t.http.post('/auth/refresh').send({ refreshToken: held.refreshToken }));
    expect(Date.now() - started).toBeLessThan(6000);

    await proxy.restore();
    await eventually(async () => (await t.http.post('/auth/refresh').send({ refreshToken: held.refreshToken })).status === 200);
  });
});
