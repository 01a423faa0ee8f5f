import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_HTTP_ADAPTER } from '../fixtures/create-test-app.js';
import { buildSampleApp, freePort, startSampleProcess, type SampleProcess } from '../fixtures/sample-process.js';
import { createPgDatabase, type TestDatabase } from '../fixtures/services.js';

/**
 * A key rotation across processes, as an operator runs it (issue 16): issuers A and B share one
 * PostgreSQL database and one JWT_JWKS_FILE; a resource server (`SAMPLE_ROLE=resource-server`)
 * verifies through A's JWKS only. The next key is published as standby, promoted by a rolling restart
 * of A then B, and the old one removed the same way. The resource server is never restarted and
 * answers no 401 to a token of either generation while both are configured; a cookie session's CSRF
 * token and a pending e-mail code issued before the promotion still work after it; once the old key
 * is removed, only tokens of the new one pass, at the issuers at once and at the resource server
 * after its next fetch of the JWKS.
 */

type Json = Record<string, unknown>;
const EMILY = { username: 'emilys', password: 'emilyspass' };
const EMAIL_USER = { username: 'email.user', password: 'emailpass123', email: 'email@example.com' };

function privateJwk(kind: 'ed25519' | 'ec', kid: string): JsonWebKey {
  const { privateKey } = kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: kind === 'ed25519' ? 'EdDSA' : 'ES256', use: 'sig' };
}

const kidOf = (jwt: string): unknown => (JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8')) as Json).kid;

/** The cookies a response sets, merged over `jar`. */
function cookiesOf(res: Response, jar: Record<string, string> = {}): Record<string, string> {
  const next = { ...jar };
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    next[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return next;
}
const cookieHeader = (jar: Record<string, string>): string =>
  Object.entries(jar)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** The status of GET /protected at `app` with the token as a Bearer header. */
async function protectedStatus(app: { base: string }, token: string): Promise<number> {
  return (await fetch(`${app.base}/protected`, { headers: { authorization: `Bearer ${token}` } })).status;
}

/** Polls `probe` until it gives `expected` (or the deadline passes); resolves the last value. */
async function eventually<T>(probe: () => Promise<T>, expected: T, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (last !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}

describe('key rotation across processes: issuers A and B, a resource server on A’s JWKS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gk-rotation-'));
  const file = join(dir, 'jwks.json');
  const k1 = privateJwk('ed25519', 'k1');
  const k2 = privateJwk('ec', 'k2');
  const writeKeys = (...keys: JsonWebKey[]): void => writeFileSync(file, JSON.stringify({ keys }));
  let db: TestDatabase | undefined;
  let env: Record<string, string>;
  let portA: number;
  let portB: number;
  const apps: { a?: SampleProcess; b?: SampleProcess; rs?: SampleProcess } = {};

  /** (Re)starts issuer A or B with the key file as it is now: a rolling deployment of one instance. */
  async function restart(name: 'a' | 'b'): Promise<SampleProcess> {
    await apps[name]?.stop();
    apps[name] = await startSampleProcess(env, name === 'a' ? portA : portB);
    return apps[name];
  }

  beforeAll(async () => {
    buildSampleApp();
    db = await createPgDatabase('key_rotation');
    [portA, portB] = [await freePort(), await freePort()];
    env = {
      DATABASE_URL: db.url,
      JWT_JWKS_FILE: file,
      AUTH_ACCESS_TOKEN_TYPE: 'cookie',
      // Verifiers may keep the keys 2 s, so that the removal reaches the resource server quickly.
      JWT_JWKS_MAX_AGE: '2s',
    };
    // Step 0: k1 signs; k2 is already published as standby (the file's order: the first signs).
    writeKeys(k1, k2);
    await restart('a');
    await restart('b');
    apps.rs = await startSampleProcess({
      SAMPLE_ROLE: 'resource-server',
      AUTH_JWKS_URL: `http://127.0.0.1:${portA}/.well-known/jwks.json`,
      JWKS_MIN_CACHE_AGE: '1s',
      JWKS_UNKNOWN_KID_COOLDOWN: '1s',
    });
  }, 300_000);

  afterAll(async () => {
    await Promise.all(Object.values(apps).map((app) => app?.stop()));
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('the resource server serves /health, /protected and /admin through the JWKS alone (401 without a token, 403 without the role)', async () => {
    const { a, rs } = apps as Required<typeof apps>;
    const health = await fetch(`${rs.base}/health`);
    expect(await health.json()).toEqual({ status: 'ok', role: 'resource-server', adapter: TEST_HTTP_ADAPTER });
    const none = await fetch(`${rs.base}/protected`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const user = cookiesOf(await post(`${a.base}/auth/login`, EMILY)).access_token;
    const admin = cookiesOf(await post(`${a.base}/auth/login`, { username: 'admin', password: 'adminpass123' })).access_token;
    expect(await eventually(() => protectedStatus(rs, user), 200)).toBe(200);
    expect((await fetch(`${rs.base}/protected`, { headers: { authorization: `Bearer ${user}` } }).then((r) => r.json())) as Json).toEqual({
      userId: expect.any(String),
    });
    expect((await fetch(`${rs.base}/admin`, { headers: { authorization: `Bearer ${user}` } })).status).toBe(403);
    expect((await fetch(`${rs.base}/admin`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
  });

  it('promote k2 then remove k1: no 401 for either generation while both are configured, CSRF tokens and pending codes survive, and only k2 passes at the end', async () => {
    const { a, b, rs } = apps as Required<typeof apps>;

    // Before the rotation: a cookie session (its CSRF token keyed by k1), a pending e-mail code.
    const login = await post(`${a.base}/auth/login`, EMILY);
    expect(login.status).toBe(200);
    const jar = cookiesOf(login);
    const oldToken = jar.access_token;
    expect(kidOf(oldToken)).toBe('k1');
    // The resource server fetches A's JWKS in the background at start-up.
    expect(await eventually(() => protectedStatus(rs, oldToken), 200)).toBe(200);
    const pending = (await (
      await post(`${b.base}/auth/login`, { username: EMAIL_USER.username, password: EMAIL_USER.password })
    ).json()) as Json;
    expect(pending).toMatchObject({ isRequiresMfa: true, defaultMfaMethod: 'email' });
    const outbox = (await (await fetch(`${b.base}/dev/outbox?to=${EMAIL_USER.email}`)).json()) as { code: string }[];
    const code = outbox[0].code;

    // Promote k2 (the new file order), A first: while A restarts, the resource server keeps its cached keys.
    writeKeys(k2, k1);
    const a2 = await restart('a');
    expect(await protectedStatus(rs, oldToken)).toBe(200);
    const fromA = cookiesOf(await post(`${a2.base}/auth/login`, EMILY)).access_token;
    expect(kidOf(fromA)).toBe('k2');
    // B still signs with k1 but knows k2 (standby since step 0): both generations pass everywhere.
    const fromB = cookiesOf(await post(`${b.base}/auth/login`, EMILY)).access_token;
    expect(kidOf(fromB)).toBe('k1');
    for (const app of [a2, b, rs]) {
      for (const token of [oldToken, fromA, fromB])
        expect({ at: app.base, kid: kidOf(token), status: await protectedStatus(app, token) }).toMatchObject({ status: 200 });
    }

    const b2 = await restart('b');
    // The session from before the promotion refreshes at B with its old CSRF token; the new access token is k2's.
    const refreshed = await fetch(`${b2.base}/auth/refresh`, {
      method: 'POST',
      headers: { cookie: cookieHeader(jar), 'x-csrf-token': jar.csrf_token, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refreshed.status).toBe(200);
    const after = cookiesOf(refreshed, jar);
    expect(kidOf(after.access_token)).toBe('k2');
    expect(await protectedStatus(rs, after.access_token)).toBe(200);
    // The e-mail code sent (and HMAC'd) before the promotion completes the login at the promoted B.
    const verified = await post(`${b2.base}/auth/mfa/verify`, { mfaToken: pending.mfaToken, method: 'email', code });
    expect(verified.status).toBe(200);
    for (const token of [oldToken, fromA, fromB, after.access_token]) expect(await protectedStatus(rs, token)).toBe(200);

    // Remove k1 (after maxAccessTokenTtl in real life): its tokens are refused by the issuers at once,
    // by the resource server after its next fetch of A's JWKS; k2's keep passing everywhere.
    writeKeys(k2);
    const a3 = await restart('a');
    const b3 = await restart('b');
    for (const app of [a3, b3]) {
      expect(await protectedStatus(app, oldToken)).toBe(401);
      expect(await protectedStatus(app, fromA)).toBe(200);
    }
    expect(await eventually(() => protectedStatus(rs, oldToken), 401)).toBe(401);
    expect(await protectedStatus(rs, fromB)).toBe(401);
    expect(await protectedStatus(rs, fromA)).toBe(200);
    expect(await protectedStatus(rs, after.access_token)).toBe(200);
  }, 300_000);
});
