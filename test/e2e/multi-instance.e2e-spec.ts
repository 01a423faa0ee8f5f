import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Secret, TOTP } from 'otpauth';
import { DEMO_TOTP_SECRET } from '../../sample-app/src/seed.js';
import { createPgDatabase, redisTestPrefix, REDIS_URL, type TestDatabase } from '../fixtures/services.js';
import { buildSampleApp, postJson, startSampleProcess, type SampleProcess } from '../fixtures/sample-process.js';
import { SoftAuthenticator } from '../fixtures/soft-authenticator.js';
import { startTestIdp, type TestIdp } from '../fixtures/oidc-provider.js';

/**
 * Two sample-app PROCESSES on different ports share one PostgreSQL (users, TOTP enrolment) and one
 * Redis (sessions, counters, codes, trusted devices), as two instances behind a load balancer would
 * (issue 5). Every scenario crosses the instances.
 */

const GRACE_SECONDS = 2;
const PASSKEY_ORIGIN = 'http://localhost:3000';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let db: TestDatabase;
let prefix: string;
let a: SampleProcess;
let b: SampleProcess;
let idp: TestIdp;
/** The one public URL of both instances (behind one load balancer): the social sign-in callback is built on it. */
const PUBLIC_URL = 'http://localhost:3000';

beforeAll(async () => {
  buildSampleApp();
  db = await createPgDatabase('multi');
  prefix = redisTestPrefix();
  idp = await startTestIdp([
    {
      client_id: 'multi',
      client_secret: 'multi-secret',
      redirect_uris: [`${PUBLIC_URL}/auth/oauth/oidc/callback`],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ]);
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS),
    // Both instances serve one site (behind one load balancer): the origin of the passkey ceremonies.
    WEBAUTHN_ORIGIN: PASSKEY_ORIGIN,
    PUBLIC_URL,
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: 'multi',
    OIDC_CLIENT_SECRET: 'multi-secret',
  };
  // One after the other: the first creates the schema and seeds the demo users.
  a = await startSampleProcess(env);
  b = await startSampleProcess(env);
}, 240_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await idp?.close();
  await db?.drop();
  if (prefix) {
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  }
});

async function login(on: SampleProcess, username = 'emilys', password = 'emilyspass', extra: Record<string, unknown> = {}) {
  return postJson(`${on.base}/auth/login`, { username, password, ...extra });
}

async function loginTokens(on: SampleProcess): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await login(on);
  expect(res.status).toBe(200);
  return res.body as { accessToken: string; refreshToken: string };
}

const refresh = (on: SampleProcess, refreshToken: unknown) => postJson(`${on.base}/auth/refresh`, { refreshToken });

describe('two sample-app processes sharing PostgreSQL and Redis', () => {
  it('passkeys across instances: options from one, the answer to the other; a replayed assertion refused on either', async () => {
    const authenticator = new SoftAuthenticator(PASSKEY_ORIGIN);
    const { accessToken } = await loginTokens(a);
    const bearer = { authorization: `Bearer ${accessToken}` };
    const options = await postJson(`${a.base}/auth/passkeys/register/options`, { password: 'emilyspass' }, bearer);
    expect(options.status).toBe(200);
    const credential = authenticator.create(options.body as never);
    const registered = await postJson(`${b.base}/auth/passkeys/register`, { credential }, bearer);
    expect(registered.status).toBe(201);

    const request = await postJson(`${b.base}/auth/passkeys/login/options`, {});
    const assertion = authenticator.get(request.body as never);
    const signedIn = await postJson(`${a.base}/auth/passkeys/login`, { credential: assertion });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ isRequiresMfa: false, user: { username: 'emilys' } });
    for (const on of [b, a]) expect((await postJson(`${on.base}/auth/passkeys/login`, { credential: assertion })).status).toBe(401);
  });

  it('social sign-in across instances: started on one, finished on the other, its code exchanged on the first; replays refused on both', async () => {
    const start = await fetch(`${a.base}/auth/oauth/oidc`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const stateCookie = start.headers
      .getSetCookie()
      .find((line) => line.startsWith('gk_oauth_oidc='))!
      .split(';')[0];
    const back = await idp.signIn(start.headers.get('location')!, 'multi-user');
    const callbackOn = (on: SampleProcess) =>
      fetch(`${on.base}${back.pathname}${back.search}`, { redirect: 'manual', headers: { cookie: stateCookie } });
    const done = await callbackOn(b);
    expect(done.status).toBe(302);
    const code = new URLSearchParams(new URL(done.headers.get('location')!).hash.slice(1)).get('oauth_code');
    const binding = done.headers
      .getSetCookie()
      .find((line) => line.startsWith('gk_oauth_exchange='))
      ?.split(';')[0];
    // The sample app runs in header mode: the one-time code, exchanged on the other instance with its binding cookie.
    expect(code).toEqual(expect.any(String));
    const exchanged = await postJson(`${a.base}/auth/oauth/exchange`, { code }, { cookie: binding! });
    expect(exchanged.status).toBe(200);
    expect(exchanged.body).toMatchObject({ user: { email: 'multi-user@idp.test', emailVerified: true } });
    expect((await postJson(`${b.base}/auth/oauth/exchange`, { code }, { cookie: binding! })).status).toBe(400);
    for (const on of [a, b]) expect((await callbackOn(on)).status).toBe(400);
  });

  it('runs both instances on Redis sessions (the keys appear under the run’s prefix)', async () => {
    await loginTokens(a);
    const redis = new Redis(REDIS_URL);
    try {
      expect((await redis.keys(`${prefix}*`)).length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it('refresh on A, its successor used on A, then the old token on B: the session is revoked on both', async () => {
    const t0 = await loginTokens(a);
    const r1 = await refresh(a, t0.refreshToken);
    expect(r1.status).toBe(200);
    const r2 = await refresh(a, r1.body['refreshToken']);
    expect(r2.status).toBe(200);
    const t2 = r2.body['refreshToken'];

    const reuse = await refresh(b, t0.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body['code']).toBe('REFRESH_TOKEN_REUSED');

    // The current token of the family is dead everywhere.
    expect((await refresh(a, t2)).status).toBe(401);
    expect((await refresh(b, t2)).status).toBe(401);
  });

  it('a refresh of one token split across A and B gives one successor', async () => {
    const t0 = await loginTokens(a);
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => refresh(i % 2 === 0 ? a : b, t0.refreshToken)));
    // Every caller gets the same pair (the losers from the reuse-grace cache), and it works on both.
    expect(results.map((r) => r.status)).toEqual(Array(16).fill(200));
    const successors = new Set(results.map((r) => r.body['refreshToken']));
    expect(successors.size).toBe(1);
    const [successor] = [...successors];
    expect(successor).not.toBe(t0.refreshToken);
    expect((await refresh(b, successor)).status).toBe(200);
  });

  it('counts a login lockout across both instances', async () => {
    // maxFailures 5 (the module's default): wrong passwords alternate between the instances.
    for (let i = 0; i < 5; i++) {
      expect((await login(i % 2 === 0 ? a : b, 'admin', 'wrong-password')).status).toBe(401);
    }
    // Locked on both, even with the right password.
    expect((await login(b, 'admin', 'adminpass123')).status).toBe(429);
    expect((await login(a, 'admin', 'adminpass123')).status).toBe(429);
  });

  it('honours on B a trusted device created on A', async () => {
    const pending = await login(a, 'totp.user', 'totppass123');
    expect(pending.status).toBe(200);
    expect(pending.body['isRequiresMfa']).toBe(true);
    const code = TOTP.generate({ secret: Secret.fromBase32(DEMO_TOTP_SECRET) });
    const verified = await postJson(`${a.base}/auth/mfa/verify`, {
      mfaToken: pending.body['mfaToken'],
      method: 'totp',
      code,
      trustDevice: true,
    });
    expect(verified.status).toBe(200);
    const trustToken = verified.body['trustToken'];
    expect(typeof trustToken).toBe('string');

    const onB = await login(b, 'totp.user', 'totppass123', { trustToken });
    expect(onB.status).toBe(200);
    expect(onB.body['isRequiresMfa']).toBe(false);
    expect(typeof onB.body['accessToken']).toBe('string');
    // Without it, B still asks for the second factor.
    expect((await login(b, 'totp.user', 'totppass123')).body['isRequiresMfa']).toBe(true);
  });

  it('logout on A: refresh refused on B', async () => {
    const t = await loginTokens(a);
    // The session works on B before the logout.
    const before = await refresh(b, t.refreshToken);
    expect(before.status).toBe(200);
    const out = await postJson(`${a.base}/auth/logout`, {}, { authorization: `Bearer ${String(before.body['accessToken'])}` });
    expect(out.status).toBe(200);
    const res = await refresh(b, before.body['refreshToken']);
    expect(res.status).toBe(401);
    expect(res.body['code']).toBe('REFRESH_TOKEN_INVALID');
  });

  it('the activity feed is shared: a failed login on A and a login on B appear on either (RedisActivityStore)', async () => {
    expect((await login(a, 'emilys', 'not-the-password')).status).toBe(401);
    const onB = await loginTokens(b);
    const feedOn = async (on: SampleProcess): Promise<string[]> => {
      const res = await fetch(`${on.base}/auth/activity`, { headers: { authorization: `Bearer ${onB.accessToken}`, 'user-agent': 'x' } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { type: string }[]).map((e) => e.type);
    };
    // B's own events are there at once (read your writes); A's arrive through Redis within moments.
    const deadline = Date.now() + 10_000;
    let onA = await feedOn(a);
    const newestTwo = (types: string[]): string[] => types.slice(0, 2).sort();
    while (newestTwo(onA).join() !== 'login.failed,login.succeeded' && Date.now() < deadline) {
      await sleep(50);
      onA = await feedOn(a);
    }
    expect(newestTwo(onA)).toEqual(['login.failed', 'login.succeeded']);
    expect(newestTwo(await feedOn(b))).toEqual(['login.failed', 'login.succeeded']);
  });

  it('logout on A → /protected on B 401 within 1.5 s (the revocation feed, Redis pub/sub)', async () => {
    const t = await loginTokens(a);
    const protectedOnB = async (): Promise<Response> =>
      fetch(`${b.base}/protected`, { headers: { authorization: `Bearer ${t.accessToken}` } });
    expect((await protectedOnB()).status).toBe(200);
    const out = await postJson(`${a.base}/auth/logout`, {}, { authorization: `Bearer ${t.accessToken}` });
    expect(out.status).toBe(200);
    const started = Date.now();
    for (;;) {
      const res = await protectedOnB();
      if (res.status === 401) {
        expect(((await res.json()) as Record<string, unknown>)['code']).toBe('ACCESS_TOKEN_INVALID');
        break;
      }
      expect(res.status).toBe(200);
      if (Date.now() - started > 1500) throw new Error('B still accepts the logged-out access token after 1.5 s');
      await sleep(20);
    }
    console.log(`multi-instance: logout on A → 401 on B after ${Date.now() - started} ms`);
  });
});
