import { randomBytes, randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { DataSource } from 'typeorm';
import { StoreUnavailableError } from '../../lib/errors/store.errors.js';
import type { AccountTokenStore, StoredAccountToken } from '../../lib/stores/account-token.store.js';
import type { MfaStore } from '../../lib/stores/mfa.store.js';
import type { RateLimitStore } from '../../lib/stores/rate-limit.store.js';
import {
  RedisAccountTokenStore,
  RedisActivityStore,
  redisClientOptions,
  RedisMfaStore,
  RedisRateLimitStore,
  RedisSessionStore,
} from '../../lib/stores/redis/index.js';
import type { SessionRotation, SessionStore, StoredSession } from '../../lib/stores/session.store.js';
import { authEntities } from '../../lib/stores/typeorm/auth-entities.js';
import { TypeOrmMfaStore } from '../../lib/stores/typeorm/typeorm-mfa.store.js';
import {
  runAccountTokenStoreContract,
  runActivityStoreContract,
  runMfaStoreContract,
  runRateLimitStoreContract,
  runSessionStoreContract,
} from '../../lib/testing/index.js';
import { createMfaTestApp, MFA_USERS } from '../fixtures/mfa-app.js';

/**
 * Runs against a real Redis (127.0.0.1:6379, or REDIS_URL). An unreachable server FAILS this suite:
 * the beforeAll hook rejects, so every test fails; nothing is skipped. Every key lives under a prefix
 * of this run (`gk_test_<random>:`), each test under one of its own, deleted afterwards (SCAN + UNLINK
 * by prefix; never FLUSHDB: other things share this Redis).
 */
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const RUN_PREFIX = `gk_test_${randomBytes(6).toString('hex')}:`;

const T0 = 1_750_000_000_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let shared: Redis | undefined;
let prefixes = 0;

/** A client with the library's recommended options, connected (rejects when Redis is unreachable). */
async function openClient(url = REDIS_URL, extra: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, { ...redisClientOptions(), lazyConnect: true, ...extra });
  redis.on('error', () => undefined); // reconnection errors are expected in the outage tests
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis at ${url} is not reachable.`, { cause: error });
  }
  return redis;
}

function sharedClient(): Redis {
  if (!shared) throw new Error(`Redis at ${REDIS_URL} was not reachable (see the beforeAll failure).`);
  return shared;
}

/** A prefix of its own under the run's prefix. */
function freshPrefix(): string {
  return `${RUN_PREFIX}${++prefixes}:`;
}

/** The keys under `prefix` (SCAN, never KEYS). */
async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
}

/** A contract-suite factory: a store on the shared client under a fresh prefix, deleted at teardown. */
function fixture<S>(make: (redis: Redis, keyPrefix: string) => S): () => Promise<{ store: S; teardown: () => Promise<void> }> {
  return async () => {
    const redis = sharedClient();
    const keyPrefix = freshPrefix();
    return { store: make(redis, keyPrefix), teardown: () => deleteKeysUnder(redis, keyPrefix) };
  };
}

beforeAll(async () => {
  shared = await openClient();
});

afterAll(async () => {
  if (!shared) return;
  try {
    await deleteKeysUnder(shared, RUN_PREFIX);
  } finally {
    await shared.quit().catch(() => shared?.disconnect());
  }
});

runSessionStoreContract('redis', async () => {
  const redis = sharedClient();
  const keyPrefix = freshPrefix();
  return {
    store: new RedisSessionStore(redis, { keyPrefix }),
    teardown: () => deleteKeysUnder(redis, keyPrefix),
    footprint: () => redisFootprint(redis, keyPrefix),
  };
});

/** What the keys under `prefix` hold: their number, and their bytes (MEMORY USAGE, every element counted). */
async function redisFootprint(redis: Redis, prefix: string): Promise<number> {
  const keys = await keysUnder(redis, prefix);
  let bytes = 0;
  for (const key of keys) bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  return keys.length * 1_000_000 + bytes;
}
runRateLimitStoreContract(
  'redis',
  fixture((redis, keyPrefix) => new RedisRateLimitStore(redis, { keyPrefix })),
);
runMfaStoreContract(
  'redis',
  fixture((redis, keyPrefix) => new RedisMfaStore(redis, { keyPrefix })),
);
runAccountTokenStoreContract(
  'redis',
  fixture((redis, keyPrefix) => new RedisAccountTokenStore(redis, { keyPrefix })),
);
runActivityStoreContract('redis', (maxPerUser) =>
  fixture((redis, keyPrefix) => new RedisActivityStore(redis, { keyPrefix, maxPerUser }))(),
);

describe('split MFA through the module: mfaEnrolmentStore on SQL (TypeORM, SQLite), mfaChallengeStore on Redis', () => {
  it('keeps the TOTP state in SQL and the pending marks and trusted devices in Redis', async () => {
    const dataSource = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: Object.values(authEntities),
      synchronize: true,
    }).initialize();
    const keyPrefix = freshPrefix();
    const enrolment = new TypeOrmMfaStore(dataSource);
    const challenges = new RedisMfaStore(sharedClient(), { keyPrefix });
    const t = await createMfaTestApp({ options: { mfaEnrolmentStore: enrolment, mfaChallengeStore: challenges } });
    try {
      const userId = MFA_USERS.totp.id;
      // The fixture enrolled TOTP through the module: the secret went to SQL only.
      expect((await enrolment.getState(userId)).totpSecret).not.toBeNull();
      expect((await challenges.getState(userId)).totpSecret).toBeNull();

      const body = await t.loginBody(MFA_USERS.totp.username, MFA_USERS.totp.password);
      t.clock.advance(30_000);
      const verified = await t.http
        .post('/auth/mfa/verify')
        .send({ mfaToken: body.mfaToken, method: 'totp', code: t.totpCode(), trustDevice: true });
      expect(verified.status).toBe(200);
      // The accepted step is in SQL; the trusted device (and the finished pending login) in Redis.
      expect((await enrolment.getState(userId)).totpLastStep).toBeGreaterThan(-1);
      expect(await challenges.listTrustedDevices(userId, t.clock.now())).toHaveLength(1);
      expect(await enrolment.listTrustedDevices(userId, t.clock.now())).toEqual([]);
      const replay = await t.http.post('/auth/mfa/verify').send({ mfaToken: body.mfaToken, method: 'totp', code: t.totpCode(1) });
      expect(replay.status).toBe(401);
      // The trust token is found in Redis: the second factor is skipped.
      const trusted = await t.http
        .post('/auth/login')
        .send({ username: MFA_USERS.totp.username, password: MFA_USERS.totp.password, trustToken: verified.body.trustToken });
      expect(trusted.body).toMatchObject({ isRequiresMfa: false });
    } finally {
      await t.close();
      await dataSource.destroy();
      await deleteKeysUnder(sharedClient(), keyPrefix);
    }
  });
});

function session(overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    id: randomUUID(),
    userId: randomUUID(),
    refreshTokenHash: `h-${randomUUID()}`,
    previousTokenHash: null,
    previousSuccessor: null,
    rotatedAt: null,
    createdAt: T0,
    lastUsedAt: T0,
    expiresAt: T0 + 30 * MINUTE,
    absoluteExpiresAt: T0 + 30 * DAY,
    revokedAt: null,
    userAgent: 'redis-spec',
    ip: '203.0.113.9',
    ...overrides,
  };
}

function rotation(i = 0): SessionRotation {
  return {
    refreshTokenHash: `next-${i}-${randomUUID()}`,
    previousSuccessor: `enc-${i}`,
    rotatedAt: T0 + MINUTE + i,
    lastUsedAt: T0 + MINUTE + i,
    expiresAt: T0 + 31 * MINUTE + i,
  };
}

interface Stores {
  sessions: SessionStore;
  counters: RateLimitStore;
  mfa: MfaStore;
  tokens: AccountTokenStore;
}

function storesOn(redis: Redis, keyPrefix: string): Stores {
  return {
    sessions: new RedisSessionStore(redis, { keyPrefix }),
    counters: new RedisRateLimitStore(redis, { keyPrefix }),
    mfa: new RedisMfaStore(redis, { keyPrefix }),
    tokens: new RedisAccountTokenStore(redis, { keyPrefix }),
  };
}

/**
 * A TCP proxy in front of Redis that a test can cut (close the listener and every connection) and
 * restore on the same port, or black-hole: every open connection goes silent for good (bytes are
 * dropped, nothing is closed: a half-open connection, as after a peer vanished or a NAT forgot the
 * flow), and so do new ones until `heal()`, after which new connections work again.
 */
class TcpProxy {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly silenced = new WeakSet<Socket>();
  private blackholed = false;

  constructor(private readonly target: URL) {}

  async listen(port = this.port): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  blackhole(): void {
    this.blackholed = true;
    for (const s of this.sockets) this.silenced.add(s);
  }

  heal(): void {
    this.blackholed = false;
  }

  private accept(client: Socket): void {
    const upstream = connect(Number(this.target.port || 6379), this.target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      if (this.blackholed) this.silenced.add(from);
      from.on('error', () => from.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
      from.on('data', (chunk: Buffer) => {
        if (!this.silenced.has(from) && !to.destroyed) to.write(chunk);
      });
    }
  }
}

/** Resolves how long `call` took to reject, expecting a StoreUnavailableError. */
async function rejectionTime(call: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  const error = await call().then(
    () => new Error('resolved although Redis is unreachable'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect((error as StoreUnavailableError).cause).toBeDefined();
  return Date.now() - started;
}

/** Polls `call` until it resolves; resolves how long that took. */
async function untilWorking(call: () => Promise<unknown>, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await call();
      return Date.now() - started;
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      if (Date.now() - started > limitMs) throw new Error(`still unavailable after ${limitMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Every operation kind the outage tests try, on stores whose Redis is unreachable. */
function outageCalls(stores: Stores): (() => Promise<unknown>)[] {
  return [
    () => stores.sessions.findById(randomUUID()),
    () => stores.sessions.rotate(randomUUID(), 'h', rotation()),
    () => stores.sessions.create(session()),
    () => stores.sessions.deleteExpired(T0),
    () => stores.counters.increment('login:x', MINUTE, T0),
    () => stores.counters.peek('login:x', T0),
    () => stores.mfa.getState(randomUUID()),
    () => stores.mfa.consumeCode(randomUUID(), 'p', 'email', 'c', T0),
    () => stores.mfa.finishPending(randomUUID(), T0 + MINUTE),
    () => stores.tokens.put(accountToken()),
    () => stores.tokens.consume('password-reset', 'h', T0),
    () => stores.tokens.findForUser(randomUUID(), 'login-code', T0),
  ];
}

describe('Redis stores: redis only', () => {
  it('keeps stores with different key prefixes apart', async () => {
    const redis = sharedClient();
    const [prefixA, prefixB] = [freshPrefix(), freshPrefix()];
    const a = storesOn(redis, prefixA);
    const b = storesOn(redis, prefixB);

    const s = session();
    await a.sessions.create(s);
    expect(await a.sessions.rotate(s.id, s.refreshTokenHash, rotation())).toBe(true);
    expect(await b.sessions.findById(s.id)).toBeNull();
    expect(await b.sessions.listActiveByUser(s.userId, T0)).toEqual([]);
    expect(await b.sessions.revokeAllForUser(s.userId, T0)).toBe(0);
    expect(await b.sessions.deleteExpired(Number.MAX_SAFE_INTEGER)).toBe(0);
    expect(await b.sessions.rotate(s.id, s.refreshTokenHash, rotation())).toBe(false);
    expect(await a.sessions.listActiveByUser(s.userId, T0)).toHaveLength(1);

    await a.counters.increment('login:shared', MINUTE, T0);
    await a.counters.increment('login:shared', MINUTE, T0);
    expect((await b.counters.peek('login:shared', T0)).count).toBe(0);
    expect((await b.counters.increment('login:shared', MINUTE, T0)).count).toBe(1);
    expect((await a.counters.peek('login:shared', T0)).count).toBe(2);

    const userId = randomUUID();
    await a.mfa.setActiveTotp(userId, 'secret-a');
    await a.mfa.replaceRecoveryCodes(userId, ['r1']);
    await a.mfa.putCode(userId, { pendingId: 'p', method: 'email', codeHash: 'c', expiresAt: T0 + MINUTE });
    expect(await b.mfa.getState(userId)).toStrictEqual({
      totpSecret: null,
      totpLastStep: -1,
      totpPendingSecret: null,
      recoveryCodesLeft: 0,
    });
    expect(await b.mfa.consumeRecoveryCode(userId, 'r1')).toBe(false);
    expect(await b.mfa.consumeCode(userId, 'p', 'email', 'c', T0)).toBe(false);
    const pendingId = randomUUID();
    expect(await a.mfa.finishPending(pendingId, T0 + MINUTE)).toBe(true);
    expect(await b.mfa.isPendingFinished(pendingId, T0)).toBe(false);
    expect(await b.mfa.finishPending(pendingId, T0 + MINUTE)).toBe(true);
    await b.mfa.deleteExpired?.(Number.MAX_SAFE_INTEGER);
    expect(await a.mfa.consumeCode(userId, 'p', 'email', 'c', T0)).toBe(true);
    expect(await a.mfa.isPendingFinished(pendingId, T0)).toBe(true);

    // Every key written lies under one of the two prefixes, and both hold some.
    const keys = await keysUnder(redis, RUN_PREFIX);
    const ofA = keys.filter((k) => k.startsWith(prefixA));
    const ofB = keys.filter((k) => k.startsWith(prefixB));
    expect(ofA.length).toBeGreaterThan(0);
    expect(ofB.length).toBeGreaterThan(0);
    await deleteKeysUnder(redis, prefixA);
    await deleteKeysUnder(redis, prefixB);
  });

  it('works on a client with its own ioredis keyPrefix (which comes first)', async () => {
    const clientPrefix = freshPrefix();
    const redis = await openClient(REDIS_URL, { keyPrefix: clientPrefix });
    try {
      const { sessions, mfa } = storesOn(redis, 'app:');
      // The operations whose scripts build keys from index members.
      const userId = randomUUID();
      const [a, b] = [session({ userId }), session({ userId, createdAt: T0 + 1 })];
      const ended = session({ userId, expiresAt: T0 - DAY });
      for (const s of [a, b, ended]) await sessions.create(s);
      expect((await sessions.listActiveByUser(userId, T0)).map((s) => s.id)).toEqual([b.id, a.id]);
      expect(await sessions.rotate(a.id, a.refreshTokenHash, rotation())).toBe(true);
      expect(await sessions.deleteExpired(T0)).toBe(1);
      // The revocation feed: pub/sub channel and index under the client's prefix too.
      const heard: string[] = [];
      const unsubscribe = await (sessions as RedisSessionStore).watchRevocations({
        revoked: (r) => heard.push(...r.map((x) => x.id)),
        resync: () => undefined,
      });
      try {
        expect(await sessions.revokeAllForUser(userId, T0 + 5, a.id)).toBe(1);
        const deadline = Date.now() + 5000;
        while (heard.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(heard).toEqual([b.id]);
      } finally {
        await unsubscribe();
      }
      expect(await (sessions as RedisSessionStore).listRevokedSince(T0, 10)).toStrictEqual([{ id: b.id, revokedAt: T0 + 5 }]);
      expect((await sessions.findById(b.id))?.revokedAt).toBe(T0 + 5);

      const device = { id: randomUUID(), userId, tokenHash: 't', label: 'l', createdAt: T0, lastUsedAt: T0, expiresAt: T0 + DAY };
      await mfa.addTrustedDevice(device);
      await mfa.addTrustedDevice({ ...device, id: randomUUID(), expiresAt: T0 - 1 });
      await mfa.putCode(userId, { pendingId: 'p', method: 'email', codeHash: 'c', expiresAt: T0 - 1 });
      expect(await mfa.listTrustedDevices(userId, T0)).toStrictEqual([device]);
      await mfa.deleteExpired?.(T0);
      expect(await mfa.consumeCode(userId, 'p', 'email', 'c', T0 - 2)).toBe(false);
      expect(await mfa.deleteTrustedDevices(userId)).toBe(1);

      const keys = await keysUnder(sharedClient(), clientPrefix);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key.startsWith(`${clientPrefix}app:`)).toBe(true);
    } finally {
      redis.disconnect();
      await deleteKeysUnder(sharedClient(), clientPrefix);
    }
  });

  it('gives every key a TTL, as a duration from the record’s own times', async () => {
    const redis = sharedClient();
    const keyPrefix = freshPrefix();
    const { sessions, counters, mfa } = storesOn(redis, keyPrefix);
    try {
      // Sessions: live, rotated twice, revoked, revoked with the rest, ended long ago and purged.
      const userId = randomUUID();
      const live = session({ userId });
      const revoked = session({ userId });
      const other = session({ userId });
      const ended = session({ userId, expiresAt: T0 - DAY, absoluteExpiresAt: T0 - DAY });
      for (const s of [live, revoked, other, ended]) await sessions.create(s);
      const r1 = rotation(1);
      expect(await sessions.rotate(live.id, live.refreshTokenHash, r1)).toBe(true);
      expect(await sessions.rotate(live.id, r1.refreshTokenHash, rotation(2))).toBe(true);
      expect(await sessions.revoke(revoked.id, T0 + 5)).toBe(true);
      expect(await sessions.deleteExpired(T0)).toBe(1);
      expect(await sessions.revokeAllForUser(userId, T0 + 6, live.id)).toBe(1);
      expect(await sessions.listActiveByUser(userId, T0 + 2 * MINUTE)).toHaveLength(1);

      // Counters: a window started and incremented.
      await counters.increment('login:ttl', MINUTE, T0);
      await counters.increment('login:ttl', MINUTE, T0 + 1);

      // MFA: enrolment, recovery codes, a code, a finished login, devices.
      const mfaUser = randomUUID();
      await mfa.setPendingTotp(mfaUser, 'pending-secret');
      expect(await mfa.activateTotp(mfaUser, 'pending-secret', 100)).toBe(true);
      expect(await mfa.acceptTotpStep(mfaUser, 101)).toBe(true);
      await mfa.replaceRecoveryCodes(mfaUser, ['r1', 'r2']);
      expect(await mfa.consumeRecoveryCode(mfaUser, 'r1')).toBe(true);
      await mfa.putCode(mfaUser, { pendingId: 'p', method: 'sms', codeHash: 'c', expiresAt: T0 + 10 * MINUTE });
      expect(await mfa.finishPending(randomUUID(), T0 + 5 * MINUTE)).toBe(true);
      const device = {
        id: randomUUID(),
        userId: mfaUser,
        tokenHash: 't',
        label: null,
        createdAt: T0,
        lastUsedAt: T0,
        expiresAt: T0 + 30 * DAY,
      };
      await mfa.addTrustedDevice(device);
      await mfa.addTrustedDevice({ ...device, id: randomUUID(), expiresAt: T0 - 1 });
      await mfa.touchTrustedDevice(device.id, T0 + DAY);
      expect(await mfa.listTrustedDevices(mfaUser, T0)).toHaveLength(1);
      await mfa.deleteExpired?.(T0);

      const keys = await keysUnder(redis, keyPrefix);
      const kinds = new Set(keys.map((k) => k.slice(keyPrefix.length).split(':')[0]));
      expect([...kinds].sort()).toEqual([
        'mfa-code',
        'mfa-codes-by-expiry',
        'mfa-device',
        'mfa-devices-by-expiry',
        'mfa-finished',
        'mfa-finished-by-expiry',
        'mfa-recovery',
        'mfa-totp',
        'mfa-user-devices',
        'rate',
        'revocations',
        'session',
        'sessions-by-end',
        'user-sessions',
      ]);
      const ttls = new Map<string, number>();
      for (const key of keys) ttls.set(key.slice(keyPrefix.length), await redis.pttl(key));
      for (const [key, ttl] of ttls) {
        if (!(ttl > 0)) throw new Error(`${key} has no TTL (PTTL ${ttl})`);
      }
      // Durations from the records' times, although those lie in the past of the real clock.
      const between = (key: string, min: number, max: number): void => {
        const ttl = ttls.get(key) ?? -3;
        if (ttl < min || ttl > max) throw new Error(`${key}: PTTL ${ttl} not within [${min}, ${max}]`);
      };
      between('rate:login:ttl', MINUTE - 5000, MINUTE + MINUTE); // window + 60 s slack
      between(`session:${live.id}`, 30 * MINUTE + DAY - 5000, 30 * MINUTE + DAY); // idle expiry + 24 h retention
      between(`session:${revoked.id}`, DAY - 5000, DAY); // retention after the revocation
      between(`session:${other.id}`, DAY - 5000, DAY);
      between(`mfa-device:${device.id}`, 30 * DAY, 30 * DAY + MINUTE);
      between(`mfa-code:${mfaUser}`, 30 * MINUTE - 5000, 30 * MINUTE);
      expect(keys.some((k) => k.endsWith(ended.id))).toBe(false);
    } finally {
      await deleteKeysUnder(redis, keyPrefix);
    }
  });

  it('replay after an early expiry: a single-use mark lives until what it guards expires, when that is past pendingTtlMs', async () => {
    const redis = sharedClient();
    const keyPrefix = freshPrefix();
    const mfa = new RedisMfaStore(redis, { keyPrefix, pendingTtlMs: 60_000 });
    try {
      // A social sign-in's state (up to 30 minutes) or a native ID token (up to an hour).
      const id = `oauth:state:${randomUUID()}`;
      expect(await mfa.finishPending(id, Date.now() + 30 * MINUTE)).toBe(true);
      const keys = await redis.keys(`${keyPrefix}*${id}`);
      expect(keys).toHaveLength(1);
      expect(await redis.pttl(keys[0])).toBeGreaterThan(29 * MINUTE);
      expect(await mfa.finishPending(id, Date.now() + 30 * MINUTE)).toBe(false);
    } finally {
      await deleteKeysUnder(redis, keyPrefix);
    }
  });

  it('drops index entries of records whose keys expired, without deleteExpired', async () => {
    const redis = sharedClient();
    const keyPrefix = freshPrefix();
    try {
      const stores = { sessions: new RedisSessionStore(redis, { keyPrefix }), mfa: new RedisMfaStore(redis, { keyPrefix }) };
      const write = async (endsAt: number): Promise<void> => {
        await stores.sessions.create(session({ createdAt: T0, lastUsedAt: T0, expiresAt: endsAt }));
        await stores.mfa.finishPending(randomUUID(), endsAt);
        await stores.mfa.putCode(randomUUID(), { pendingId: 'p', method: 'email', codeHash: 'c', expiresAt: endsAt });
        const device = { id: randomUUID(), userId: randomUUID(), tokenHash: 't', label: null, createdAt: T0, lastUsedAt: T0 };
        await stores.mfa.addTrustedDevice({ ...device, expiresAt: endsAt });
      };
      const indexes = ['sessions-by-end', 'mfa-finished-by-expiry', 'mfa-codes-by-expiry', 'mfa-devices-by-expiry'];
      const sizes = (): Promise<number[]> => Promise.all(indexes.map((index) => redis.zcard(`${keyPrefix}${index}`)));

      await write(T0 + DAY);
      const kept = new Set(await keysUnder(redis, keyPrefix));
      for (let i = 0; i < 15; i++) await write(T0 + i);
      expect(await sizes()).toEqual([16, 16, 16, 16]);
      // The records of the 15 later writes expire (explicitly, so that no timing of this machine
      // decides which entries a write meets), while every index key stays.
      const records = (await keysUnder(redis, keyPrefix)).filter((key) => !kept.has(key) && !indexes.some((index) => key.endsWith(index)));
      await Promise.all(records.map((key) => redis.pexpire(key, 1)));
      const deadline = Date.now() + 10_000;
      while ((await redis.exists(...records)) > 0) {
        if (Date.now() > deadline) throw new Error('the expired records are still there after 10 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // Each write drops up to 10 entries whose records are gone.
      await write(T0 + DAY);
      await write(T0 + DAY);
      expect(await sizes()).toEqual([3, 3, 3, 3]);
    } finally {
      await deleteKeysUnder(redis, keyPrefix);
    }
  });

  it('lets exactly one of 100 rotations win across two clients (two app instances)', async () => {
    const other = await openClient();
    const keyPrefix = freshPrefix();
    try {
      const a = new RedisSessionStore(sharedClient(), { keyPrefix });
      const b = new RedisSessionStore(other, { keyPrefix });
      const s = session();
      await a.create(s);
      const rotations = Array.from({ length: 100 }, (_, i) => rotation(i));
      const results = await Promise.all(rotations.map((r, i) => (i % 2 === 0 ? a : b).rotate(s.id, s.refreshTokenHash, r)));
      expect(results.filter((ok) => ok)).toHaveLength(1);
      const winner = rotations[results.indexOf(true)];
      expect(await b.findById(s.id)).toStrictEqual({
        ...s,
        refreshTokenHash: winner.refreshTokenHash,
        previousTokenHash: s.refreshTokenHash,
        previousSuccessor: winner.previousSuccessor,
        rotatedAt: winner.rotatedAt,
        lastUsedAt: winner.lastUsedAt,
        expiresAt: winner.expiresAt,
      });
    } finally {
      other.disconnect();
      await deleteKeysUnder(sharedClient(), keyPrefix);
    }
  });

  it('keeps counters exact and MFA once-only across two clients (two app instances)', async () => {
    const other = await openClient();
    const keyPrefix = freshPrefix();
    try {
      const counterA = new RedisRateLimitStore(sharedClient(), { keyPrefix });
      const counterB = new RedisRateLimitStore(other, { keyPrefix });
      const states = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? counterA : counterB).increment('k', MINUTE, T0)),
      );
      expect(states.map((s) => s.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect((await counterB.peek('k', T0)).count).toBe(100);

      const a = new RedisMfaStore(sharedClient(), { keyPrefix });
      const b = new RedisMfaStore(other, { keyPrefix });
      const pick = (i: number): RedisMfaStore => (i % 2 === 0 ? a : b);
      const count = (results: boolean[]): number => results.filter((ok) => ok).length;
      const userId = randomUUID();
      await a.setPendingTotp(userId, 'enc');
      expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).activateTotp(userId, 'enc', 7))))).toBe(1);
      expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).acceptTotpStep(userId, 8))))).toBe(1);
      await a.replaceRecoveryCodes(userId, ['r1', 'r2']);
      expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).consumeRecoveryCode(userId, 'r1'))))).toBe(1);
      await b.putCode(userId, { pendingId: 'p', method: 'email', codeHash: 'c', expiresAt: T0 + MINUTE });
      expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).consumeCode(userId, 'p', 'email', 'c', T0))))).toBe(1);
      const pendingId = randomUUID();
      expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).finishPending(pendingId, T0 + MINUTE))))).toBe(1);
    } finally {
      other.disconnect();
      await deleteKeysUnder(sharedClient(), keyPrefix);
    }
  });

  it('a watcher resyncs after its connection was cut, and hears revocations again', async () => {
    const proxy = new TcpProxy(new URL(REDIS_URL));
    await proxy.listen();
    const keyPrefix = freshPrefix();
    const redis = await openClient(`redis://127.0.0.1:${proxy.port}`);
    try {
      const watched = new RedisSessionStore(redis, { keyPrefix });
      const writer = new RedisSessionStore(sharedClient(), { keyPrefix });
      const heard: string[] = [];
      let resyncs = 0;
      const unsubscribe = await watched.watchRevocations({ revoked: (r) => heard.push(...r.map((x) => x.id)), resync: () => resyncs++ });
      try {
        await proxy.cut();
        await proxy.listen();
        const deadline = Date.now() + 15_000;
        while (resyncs === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(resyncs).toBe(1);
        const s = session();
        await writer.create(s);
        await writer.revoke(s.id, T0 + 1);
        while (heard.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(heard).toEqual([s.id]);
      } finally {
        await unsubscribe();
      }
    } finally {
      redis.disconnect();
      await proxy.cut();
      await deleteKeysUnder(sharedClient(), keyPrefix);
    }
  }, 30_000);

  it('lets a non-connection error (a bug) through unchanged', async () => {
    const redis = sharedClient();
    const keyPrefix = freshPrefix();
    try {
      await redis.set(`${keyPrefix}session:wrong-type`, 'x');
      const error = await new RedisSessionStore(redis, { keyPrefix }).findById('wrong-type').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/WRONGTYPE/);
    } finally {
      await deleteKeysUnder(redis, keyPrefix);
    }
  });

  it('rejects with StoreUnavailableError within 3 s when Redis is cut off, and recovers on the same client', async () => {
    const proxy = new TcpProxy(new URL(REDIS_URL));
    await proxy.listen();
    const keyPrefix = freshPrefix();
    const redis = await openClient(`redis://127.0.0.1:${proxy.port}`);
    try {
      const stores = storesOn(redis, keyPrefix);
      const s = session();
      await stores.sessions.create(s);

      await proxy.cut();
      for (const call of outageCalls(stores)) expect(await rejectionTime(call)).toBeLessThan(3000);

      await proxy.listen(); // the same port
      expect(await untilWorking(() => stores.sessions.findById(s.id), 10_000)).toBeLessThan(10_000);
      // No call that was reported as failed ran later (no offline queue, nothing re-sent).
      expect((await stores.counters.peek('login:x', T0)).count).toBe(0);
      // The same store instances work again, without being recreated.
      expect(await stores.sessions.rotate(s.id, s.refreshTokenHash, rotation())).toBe(true);
      expect((await stores.counters.increment('login:back', MINUTE, T0)).count).toBe(1);
      expect(await stores.mfa.finishPending(randomUUID(), T0 + MINUTE)).toBe(true);
    } finally {
      redis.disconnect();
      await proxy.cut();
      await deleteKeysUnder(sharedClient(), keyPrefix);
    }
  }, 30_000);

  it('rejects within 3 s when the connection goes silent (half-open), and reconnects by itself', async () => {
    const proxy = new TcpProxy(new URL(REDIS_URL));
    await proxy.listen();
    const keyPrefix = freshPrefix();
    const redis = await openClient(`redis://127.0.0.1:${proxy.port}`);
    try {
      const stores = storesOn(redis, keyPrefix);
      const s = session();
      await stores.sessions.create(s);

      proxy.blackhole();
      // In flight on the silent connection: the command timeout answers.
      const inFlight = await Promise.all(outageCalls(stores).map((call) => rejectionTime(call)));
      for (const elapsed of inFlight) expect(elapsed).toBeLessThan(3000);
      // Later calls too (meanwhile the socket timeout has dropped the silent connection).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const later = await Promise.all(outageCalls(stores).map((call) => rejectionTime(call)));
      for (const elapsed of later) expect(elapsed).toBeLessThan(3000);

      // The old connection stays silent for ever: only a new one can work.
      proxy.heal();
      expect(await untilWorking(() => stores.sessions.findById(s.id), 10_000)).toBeLessThan(10_000);
      // No call that was reported as failed ran later (nothing re-sent after the reconnection).
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await stores.counters.peek('login:x', T0)).count).toBe(0);
      expect(await stores.sessions.rotate(s.id, s.refreshTokenHash, rotation())).toBe(true);
      expect((await stores.counters.increment('login:back', MINUTE, T0)).count).toBe(1);
    } finally {
      redis.disconnect();
      await proxy.cut();
      await deleteKeysUnder(sharedClient(), keyPrefix);
    }
  }, 30_000);
});

/** A password-reset token valid for 10 minutes of the real clock. */
function accountToken(overrides: Partial<StoredAccountToken> = {}): StoredAccountToken {
  return {
    userId: randomUUID(),
    purpose: 'password-reset',
    tokenHash: `t-${randomUUID()}`,
    email: null,
    expiresAt: Date.now() + 10 * MINUTE,
    ...overrides,
  };
}

describe('RedisAccountTokenStore: redis only', () => {
  it('gives both keys of a token a TTL from its expiresAt, and leaves no key behind a replaced, consumed or deleted token', async () => {
    const clientPrefix = freshPrefix();
    const redis = await openClient(REDIS_URL, { keyPrefix: clientPrefix });
    try {
      const tokens = new RedisAccountTokenStore(redis, { keyPrefix: 'app:' });
      const keys = async (): Promise<string[]> => (await keysUnder(sharedClient(), clientPrefix)).sort();
      const older = accountToken();
      const newer = accountToken({ userId: older.userId, email: 'new@example.test' });
      await tokens.put(older);
      await tokens.put(newer);
      // The older token's index entry went with it (the scripts build keys under the client's prefix too).
      expect(await keys()).toEqual([
        `${clientPrefix}app:account-token-hash:password-reset:${newer.tokenHash}`,
        `${clientPrefix}app:account-token:password-reset:${newer.userId}`,
      ]);
      for (const key of await keys()) {
        const ttl = await sharedClient().pttl(key);
        // 10 minutes + the 60 s slack.
        expect(ttl).toBeGreaterThan(11 * MINUTE - 5000);
        expect(ttl).toBeLessThanOrEqual(11 * MINUTE);
      }
      // A token whose expiresAt lies in the past of the real clock (an app clock behind it) lives the slack.
      const behind = accountToken({ purpose: 'login-code', expiresAt: T0 });
      await tokens.put(behind);
      const behindTtl = await sharedClient().pttl(`${clientPrefix}app:account-token:login-code:${behind.userId}`);
      expect(behindTtl).toBeGreaterThan(MINUTE - 5000);
      expect(behindTtl).toBeLessThanOrEqual(MINUTE);
      expect(await tokens.consume('login-code', behind.tokenHash, T0 - 1)).toStrictEqual(behind);

      expect(await tokens.consume('password-reset', newer.tokenHash, Date.now())).toStrictEqual(newer);
      expect(await keys()).toEqual([]);
      await tokens.put(older);
      await tokens.deleteForUser(older.userId);
      expect(await keys()).toEqual([]);
      await tokens.put(older);
      await tokens.deleteForUser(older.userId, 'password-reset');
      expect(await keys()).toEqual([]);
    } finally {
      redis.disconnect();
      await deleteKeysUnder(sharedClient(), clientPrefix);
    }
  });

  it('gives a token to exactly one of 100 consumers on two clients (two app instances)', async () => {
    const other = await openClient();
    const keyPrefix = freshPrefix();
    try {
      const a = new RedisAccountTokenStore(sharedClient(), { keyPrefix });
      const b = new RedisAccountTokenStore(other, { keyPrefix });
      const token = accountToken({ purpose: 'email-change', email: 'next@example.test' });
      await b.put(token);
      const now = Date.now();
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).consume('email-change', token.tokenHash, now)),
      );
      expect(results.filter((r) => r !== null)).toStrictEqual([token]);
    } finally {
      other.disconnect();
      await deleteKeysUnder(sharedClient(), keyPrefix);
    }
  });

  it('rejects invalid options with one error listing each', () => {
    expect(() => new RedisAccountTokenStore(sharedClient(), { expirySlackMs: -1 })).toThrow(/expirySlackMs/);
  });
});
