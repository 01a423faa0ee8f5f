import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { authEntities, TypeOrmSessionStore } from '../../lib/stores/typeorm/index.js';
import { MemorySessionStore, type SessionStore } from '../../lib/index.js';
import { redisClientOptions, RedisSessionStore } from '../../lib/stores/redis/index.js';
import { hashRefreshToken } from '../../lib/tokens/refresh-token.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import {
  createPgDatabase,
  eventually,
  PG_URL,
  REDIS_URL,
  redisTestPrefix,
  trackPair,
  withDatabase,
  type TestDatabase,
} from '../fixtures/services.js';
import { openSqlStores, type SqlKind } from '../fixtures/sql-stores.js';

/**
 * Threat (issue 13): a lost reply taken for theft. A refresh that commits while its reply is lost (a
 * crash, a frozen connection, a network cut) leaves the client holding its last acknowledged token;
 * its retry, after `reuseGraceSeconds`, must get the successor the server committed, not
 * `REFRESH_TOKEN_REUSED` and a revoked session. Reuse once the successor was used stays theft, and
 * the window is bounded (`refreshToken.orphanGraceSeconds`, 2 min by default). For every session
 * store, and through a proxy that drops the store's reply to the rotation (Redis, PostgreSQL).
 */

const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });
const sessionIdOf = (refreshToken: string): string => refreshToken.split('.')[0];

interface OpenStore {
  store: SessionStore;
  close(): Promise<void>;
}

const STORES: [string, () => Promise<OpenStore>][] = [
  ['memory', () => Promise.resolve({ store: new MemorySessionStore(), close: () => Promise.resolve() })],
  ...(['sqlite', 'postgres', 'mariadb'] as SqlKind[]).map((kind): [string, () => Promise<OpenStore>] => [
    kind,
    async () => {
      const sql = await openSqlStores(kind, 'lostreply');
      return { store: sql.options.sessionStore as SessionStore, close: () => sql.close() };
    },
  ]),
  [
    'redis',
    async () => {
      const redis = new Redis(REDIS_URL, redisClientOptions());
      const prefix = redisTestPrefix();
      return {
        store: new RedisSessionStore(redis, { keyPrefix: prefix }),
        async close() {
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length > 0) await redis.del(...keys);
          redis.disconnect();
        },
      };
    },
  ],
];

describe.each(STORES)('lost refresh reply: %s session store', (_name, open) => {
  let opened: OpenStore;
  let t: TestApp;
  beforeAll(async () => {
    opened = await open();
  }, 60_000);
  afterAll(() => opened?.close(), 60_000);
  beforeEach(async () => {
    t = await createTestApp({ options: { sessionStore: opened.store } });
  });
  afterEach(() => t.close());

  const refresh = (refreshToken: string) => t.http.post('/auth/refresh').send({ refreshToken });

  it('a refresh whose reply was lost, retried with the old token 60 s later, gets the same successor and keeps the session', async () => {
    const login = await t.login();
    const lost = await refresh(login.refreshToken).expect(200); // committed; the client never sees it
    const committed = lost.body.refreshToken as string;
    t.clock.advanceSeconds(60); // well past reuseGraceSeconds (10 s)

    const retry = await refresh(login.refreshToken).expect(200);
    expect(retry.body.refreshToken).toBe(committed);
    expect(retry.body.expiresIn).toBe(900); // a fresh access token, not one 60 s into its life
    await t.http
      .get('/protected')
      .set(bearer(retry.body.accessToken as string))
      .expect(200);
    // a second retry (its reply lost too) is answered alike
    expect((await refresh(login.refreshToken).expect(200)).body.refreshToken).toBe(committed);

    const next = await refresh(committed).expect(200);
    expect((await opened.store.findById(sessionIdOf(committed)))?.revokedAt).toBeNull();
    await refresh(next.body.refreshToken as string).expect(200);
  });

  it('theft: once the successor was used, the old token revokes the session (401 REFRESH_TOKEN_REUSED)', async () => {
    const login = await t.login();
    const first = await refresh(login.refreshToken).expect(200);
    t.clock.advanceSeconds(60);
    const second = await refresh(first.body.refreshToken as string).expect(200);

    const reuse = await refresh(login.refreshToken).expect(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await opened.store.findById(sessionIdOf(login.refreshToken)))?.revokedAt).not.toBeNull();
    expect((await refresh(second.body.refreshToken as string).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('after the orphan window (orphanGraceSeconds, 2 min by default) the old token is reuse again', async () => {
    const login = await t.login();
    const first = await refresh(login.refreshToken).expect(200);
    t.clock.advanceSeconds(121);

    const reuse = await refresh(login.refreshToken).expect(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(first.body.refreshToken as string).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
  });
});

describe('lost refresh reply: orphanGraceSeconds', () => {
  it('0 keeps the old behaviour: past reuseGraceSeconds the old token is reuse even with an unused successor', async () => {
    const t = await createTestApp({ options: { refreshToken: { orphanGraceSeconds: 0 } } });
    try {
      const login = await t.login();
      await t.http.post('/auth/refresh').send({ refreshToken: login.refreshToken }).expect(200);
      t.clock.advanceSeconds(11);
      const reuse = await t.http.post('/auth/refresh').send({ refreshToken: login.refreshToken }).expect(401);
      expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    } finally {
      await t.close();
    }
  });
});

/**
 * A TCP proxy that forwards both ways until a client sends `marker` (the rotation's expected hash);
 * from then on that connection's replies are swallowed: the statement reaches the server and commits,
 * its answer never comes back. {@link cutDropped} then closes that connection, as a crash or a network
 * cut would.
 */
class ReplyDroppingProxy {
  private marker: string | undefined;
  private readonly dropped = new Set<Socket>();
  private readonly sockets = new Set<Socket>();
  private markerSeen!: () => void;
  /** Resolves when a connection starts dropping replies. */
  readonly dropping = new Promise<void>((resolve) => (this.markerSeen = resolve));

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(host: string, port: number): Promise<ReplyDroppingProxy> {
    const made: { proxy?: ReplyDroppingProxy } = {};
    const server = createServer((client) => made.proxy!.accept(client, connect(port, host)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    made.proxy = new ReplyDroppingProxy(server, typeof address === 'object' && address ? address.port : 0);
    return made.proxy;
  }

  /** Swallows the replies of the next connection that sends `marker`. */
  dropRepliesAfter(marker: string): void {
    this.marker = marker;
  }

  private accept(client: Socket, upstream: Socket): void {
    let dropping = false;
    let tail = '';
    trackPair(this.sockets, client, upstream);
    client.on('data', (chunk: Buffer) => {
      const marker = this.marker;
      if (marker !== undefined && !dropping) {
        const text = tail + chunk.toString('latin1');
        if (text.includes(marker)) {
          dropping = true;
          this.marker = undefined;
          this.dropped.add(client);
          this.markerSeen();
        }
        tail = text.slice(-marker.length);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!dropping) client.write(chunk);
    });
  }

  /** Closes the connections whose replies were dropped. */
  cutDropped(): void {
    for (const s of this.dropped) s.destroy();
    this.dropped.clear();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface ProxiedBackend {
  /** The store the app uses (through the proxy). */
  store: SessionStore;
  /** A store on a direct connection, to watch the commit. */
  direct: SessionStore;
  proxy: ReplyDroppingProxy;
  close(): Promise<void>;
}

const PROXIED: [string, () => Promise<ProxiedBackend>][] = [
  [
    'redis',
    async () => {
      const target = new URL(REDIS_URL);
      const proxy = await ReplyDroppingProxy.start(target.hostname, Number(target.port || 6379));
      const prefix = redisTestPrefix();
      const viaProxy = new Redis(`redis://127.0.0.1:${proxy.port}`, redisClientOptions());
      viaProxy.on('error', () => undefined);
      const direct = new Redis(REDIS_URL, redisClientOptions());
      return {
        store: new RedisSessionStore(viaProxy, { keyPrefix: prefix }),
        direct: new RedisSessionStore(direct, { keyPrefix: prefix }),
        proxy,
        async close() {
          const keys = await direct.keys(`${prefix}*`);
          if (keys.length > 0) await direct.del(...keys);
          viaProxy.disconnect();
          direct.disconnect();
          await proxy.close();
        },
      };
    },
  ],
  [
    'postgres',
    async () => {
      const db: TestDatabase = await createPgDatabase('lostreply');
      const target = new URL(PG_URL);
      const proxy = await ReplyDroppingProxy.start(target.hostname, Number(target.port || 5432));
      const entities = Object.values(authEntities);
      const direct = await new DataSource({ type: 'postgres', url: db.url, entities, synchronize: true }).initialize();
      const viaProxy = await new DataSource({
        type: 'postgres',
        url: withDatabase(PG_URL, db.name, proxy.port),
        entities,
        connectTimeoutMS: 5000,
      }).initialize();
      return {
        store: new TypeOrmSessionStore(viaProxy),
        direct: new TypeOrmSessionStore(direct),
        proxy,
        async close() {
          await viaProxy.destroy().catch(() => undefined);
          await direct.destroy();
          await proxy.close();
          await db.drop();
        },
      };
    },
  ],
];

describe.each(PROXIED)('lost refresh reply through a proxy that drops the store’s reply: %s', (_name, open) => {
  let backend: ProxiedBackend;
  let t: TestApp;
  beforeAll(async () => {
    backend = await open();
    t = await createTestApp({ options: { sessionStore: backend.store } });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await backend?.close();
  }, 60_000);

  it('the rotation commits, its reply is lost (the client gets an error), and the retry 60 s later gets the committed successor', async () => {
    const login = await t.login();
    const oldHash = hashRefreshToken(login.refreshToken);
    const id = sessionIdOf(login.refreshToken);
    backend.proxy.dropRepliesAfter(oldHash); // only `rotate` sends the expected (current) hash

    const pending = t.http
      .post('/auth/refresh')
      .send({ refreshToken: login.refreshToken })
      .then((r) => r);
    await backend.proxy.dropping;
    await eventually(async () => (await backend.direct.findById(id))?.refreshTokenHash !== oldHash, 30_000, 50);
    const committedHash = (await backend.direct.findById(id))!.refreshTokenHash;
    backend.proxy.cutDropped();
    const failed = await pending;
    expect(failed.status).toBe(503); // the client never saw the successor

    t.clock.advanceSeconds(60);
    // The client retries while the store reconnects (503s change nothing), as a real client would.
    let retry: Response | undefined;
    await eventually(
      async () => {
        retry = await t.http.post('/auth/refresh').send({ refreshToken: login.refreshToken });
        return retry.status !== 503;
      },
      30_000,
      100,
    );
    expect(retry?.status).toBe(200);
    expect(hashRefreshToken(retry?.body.refreshToken as string)).toBe(committedHash);
    await t.http.post('/auth/refresh').send({ refreshToken: retry?.body.refreshToken }).expect(200);
    expect((await backend.direct.findById(id))?.revokedAt).toBeNull();
  }, 60_000);
});
