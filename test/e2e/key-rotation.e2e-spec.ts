import { createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import type { AuthModuleOptions, JwtKeyOptions } from '../../lib/index.js';
import { createTestApp, TEST_SECRET, type TestApp } from '../fixtures/create-test-app.js';

/**
 * Key rotation by configuration, across app instances sharing one session store: a token signed by
 * an instance still on the old configuration keeps working where the old key is retired, and is
 * refused once the old key is removed. A token's kid only ever names a configured key.
 */

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const NEW_SECRET = 'the-next-hs256-secret-of-at-least-32-bytes';

type Json = Record<string, unknown>;
const b64url = (value: Json | Buffer): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');
const headerOf = (token: string): Json => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as Json;
const payloadOf = (token: string): Json => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Json;

function forge(header: Json, payload: Json, sign: (input: string) => Buffer): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${b64url(sign(input))}`;
}

async function accepted(t: TestApp, token: string): Promise<void> {
  const res = await t.http.get('/protected').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  const me = await t.http.get('/auth/me').set('Authorization', `Bearer ${token}`);
  expect(me.status).toBe(200);
}

async function refused(t: TestApp, token: string): Promise<void> {
  for (const path of ['/protected', '/auth/me']) {
    const res = await t.http.get(path).set('Authorization', `Bearer ${token}`);
    expect({ path, status: res.status, code: (res.body as Json).code }).toEqual({ path, status: 401, code: 'ACCESS_TOKEN_INVALID' });
  }
}

describe('key rotation by configuration (two app instances, one session store)', () => {
  const apps: TestApp[] = [];
  /** An app instance with this key set, sharing the first instance's session store. */
  async function instance(jwt: AuthModuleOptions['jwt']): Promise<TestApp> {
    const t = await createTestApp({ options: { jwt, ...(apps[0] ? { sessionStore: apps[0].sessions } : {}) } });
    apps.push(t);
    return t;
  }
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });

  it('RS256 k1 → EdDSA k2: k1 tokens keep working while k1 is retired, and are refused once k1 is removed', async () => {
    const k1: JwtKeyOptions = { kid: 'k1', algorithm: 'RS256', privateKey: rsa.privateKey };
    const k2: JwtKeyOptions = { kid: 'k2', algorithm: 'EdDSA', privateKey: ed.privateKey };
    const old = await instance({ keys: [k1] });
    const { accessToken: oldToken } = await old.login();
    expect(headerOf(oldToken)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' });

    // Step 1: k2 published as standby everywhere; k1 still signs.
    const standby = await instance({ keys: [k1, { ...k2, status: 'standby' }] });
    const { accessToken: stillK1 } = await standby.login();
    expect(headerOf(stillK1).kid).toBe('k1');
    const signedByK2 = forge({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k2' }, payloadOf(stillK1), (input) =>
      cryptoSign(null, Buffer.from(input), ed.privateKey),
    );
    await accepted(standby, signedByK2); // ready for tokens of instances already promoted

    // Step 2: k2 active, k1 retired (its public key only).
    const rotated = await instance({ keys: [k2, { kid: 'k1', algorithm: 'RS256', publicKey: rsa.publicKey, status: 'retired' }] });
    const { accessToken: newToken } = await rotated.login();
    expect(headerOf(newToken)).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k2' });
    await accepted(rotated, oldToken);
    await accepted(rotated, newToken);
    await accepted(standby, newToken);
    await refused(old, newToken); // an instance that never published k2 refuses its tokens

    // Step 3: k1 removed.
    const done = await instance({ keys: [k2] });
    await accepted(done, newToken);
    await refused(done, oldToken);
    await refused(done, stillK1);
  });

  it('HS256 secret rotation from the single-key form: the old secret moves into jwt.keys without a kid and keeps its derived kid', async () => {
    const old = await instance({ secret: TEST_SECRET });
    const { accessToken: oldToken } = await old.login();
    const oldKid = headerOf(oldToken).kid;
    expect(oldKid).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{22}$/));

    const rotated = await instance({
      keys: [
        { kid: 'hs-2', algorithm: 'HS256', secret: NEW_SECRET },
        { algorithm: 'HS256', secret: TEST_SECRET, status: 'retired' },
      ],
    });
    const { accessToken: newToken } = await rotated.login();
    expect(headerOf(newToken)).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'hs-2' });
    await accepted(rotated, oldToken);
    await accepted(rotated, newToken);
    // The retired secret verifies only tokens naming it: a token signed with it under the new kid is refused.
    const mislabelled = forge({ ...headerOf(oldToken), kid: 'hs-2' }, payloadOf(newToken), (input) =>
      createHmac('sha256', TEST_SECRET).update(input).digest(),
    );
    await refused(rotated, mislabelled);

    const done = await instance({ keys: [{ kid: 'hs-2', algorithm: 'HS256', secret: NEW_SECRET }] });
    await accepted(done, newToken);
    await refused(done, oldToken);
  });

  it('an unknown kid is refused even when the token is signed with the active key (no fallback)', async () => {
    const t = await instance({ keys: [{ kid: 'k2', algorithm: 'EdDSA', privateKey: ed.privateKey }] });
    const { accessToken } = await t.login();
    const relabelled = forge({ ...headerOf(accessToken), kid: 'k1' }, payloadOf(accessToken), (input) =>
      cryptoSign(null, Buffer.from(input), ed.privateKey),
    );
    await refused(t, relabelled);
    const { kid: _kid, ...noKid } = headerOf(accessToken);
    await refused(
      t,
      forge(noKid, payloadOf(accessToken), (input) => cryptoSign(null, Buffer.from(input), ed.privateKey)),
    );
    await accepted(t, accessToken);
  });
});
