import { afterEach, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { AuthConfigError } from '../../lib/errors/auth-config.error.js';
import { JwtKeyRing, type AuthModuleOptions, type JwtKeyOptions, type KeyProvider } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

/**
 * Keys from a `jwt.keyProvider` (a KMS, Vault, a secrets file, the database), reloaded without a
 * restart: the new key signs after a reload, tokens of a key still configured keep working, a key
 * removed by a reload stops verifying at once (cached tokens included), and a bad load keeps the keys
 * in use.
 */

const SECRET_KEY = 'the-secret-key-of-csrf-tokens-and-codes-32b+';
const k1: JwtKeyOptions = { kid: 'k1', algorithm: 'EdDSA', privateKey: generateKeyPairSync('ed25519').privateKey };
const k2: JwtKeyOptions = { kid: 'k2', algorithm: 'ES256', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };

/** A provider whose answer the test changes (as an operator would change the secret store). */
class ChangingProvider implements KeyProvider {
  loads = 0;
  answer: () => Promise<readonly JwtKeyOptions[]>;
  constructor(keys: readonly JwtKeyOptions[]) {
    this.answer = () => Promise.resolve(keys);
  }
  set(keys: readonly JwtKeyOptions[]): void {
    this.answer = () => Promise.resolve(keys);
  }
  loadKeys(): Promise<readonly JwtKeyOptions[]> {
    this.loads++;
    return this.answer();
  }
}

const kidOf = (jwt: string): unknown => (JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8')) as { kid: unknown }).kid;

describe('jwt.keyProvider: keys reloaded without a restart', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });
  async function open(provider: KeyProvider, jwt: Partial<AuthModuleOptions['jwt']> = {}): Promise<TestApp> {
    const t = await createTestApp({ options: { jwt: { keyProvider: provider, ...jwt }, secretKey: SECRET_KEY } });
    apps.push(t);
    return t;
  }
  const status = async (t: TestApp, token: string): Promise<number> =>
    (await t.http.get('/protected').set('Authorization', `Bearer ${token}`)).status;

  it('promote by reload: the new key signs, old tokens keep working while their key is retired, and stop at once when it is removed', async () => {
    const provider = new ChangingProvider([k1]);
    const t = await open(provider);
    const ring = t.app.get(JwtKeyRing);
    const { accessToken: old } = await t.login();
    expect(kidOf(old)).toBe('k1');
    expect(await status(t, old)).toBe(200); // verified once: now in the verified-token cache
    const before = await t.http.get('/.well-known/jwks.json');
    expect(before.body.keys.map((key: { kid: string }) => key.kid)).toEqual(['k1']);

    provider.set([k2, { ...k1, status: 'retired' }]);
    await expect(ring.reload()).resolves.toEqual({ changed: true });
    expect(ring.activeKid()).toBe('k2');
    const { accessToken: fresh } = await t.login();
    expect(kidOf(fresh)).toBe('k2');
    expect(await status(t, fresh)).toBe(200);
    expect(await status(t, old)).toBe(200);
    const after = await t.http.get('/.well-known/jwks.json').set('If-None-Match', before.headers.etag);
    expect(after.status).toBe(200);
    expect(after.body.keys.map((key: { kid: string }) => key.kid)).toEqual(['k2', 'k1']);

    // A leaked k1 is removed: its tokens are refused at once, though one was cached as verified.
    provider.set([k2]);
    await expect(ring.reload()).resolves.toEqual({ changed: true });
    expect(await status(t, old)).toBe(401);
    expect(await status(t, fresh)).toBe(200);
    // Reloading the same set changes nothing (the verified-token cache is kept).
    await expect(ring.reload()).resolves.toEqual({ changed: false });
  });

  it('a load that fails its checks, rejects or hangs keeps the keys in use, and says why without key material', async () => {
    const provider = new ChangingProvider([k1]);
    const t = await createTestApp({ options: { jwt: { keyProvider: provider }, secretKey: SECRET_KEY, storeTimeout: 1 } });
    apps.push(t);
    const ring = t.app.get(JwtKeyRing);
    const { accessToken } = await t.login();

    provider.set([k1, { ...k2 }]); // two active keys
    await expect(ring.reload()).rejects.toThrow(/jwt\.keyProvider: exactly one key must have status 'active'/);
    provider.answer = () => Promise.reject(new Error('vault sealed'));
    await expect(ring.reload()).rejects.toThrow('vault sealed');
    provider.answer = () => new Promise(() => undefined);
    await expect(ring.reload()).rejects.toThrow('no answer within 1000 ms');
    provider.set([{ kid: 'k1', algorithm: 'EdDSA', privateKey: 'not a key' }]);
    const refused = await ring.reload().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthConfigError);
    expect(String(refused)).not.toContain('not a key');

    expect(ring.activeKid()).toBe('k1');
    expect(await status(t, accessToken)).toBe(200);
  });

  it('concurrent reloads share one load', async () => {
    const provider = new ChangingProvider([k1]);
    const t = await open(provider);
    const ring = t.app.get(JwtKeyRing);
    const loads = provider.loads;
    provider.set([k2, { ...k1, status: 'retired' }]);
    const results = await Promise.all(Array.from({ length: 20 }, () => ring.reload()));
    expect(provider.loads).toBe(loads + 1);
    expect(results.every((result) => result.changed)).toBe(true);
  });

  it('reloads on its own every jwt.keyReloadInterval', async () => {
    const provider = new ChangingProvider([k1]);
    const t = await open(provider, { keyReloadInterval: '1s' });
    const ring = t.app.get(JwtKeyRing);
    provider.set([k2, { ...k1, status: 'retired' }]);
    const deadline = Date.now() + 15_000;
    while (ring.activeKid() !== 'k2' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ring.activeKid()).toBe('k2');
    expect(kidOf((await t.login()).accessToken)).toBe('k2');
  });

  it('with only HS256 secrets loaded, the JWKS route answers 404 (a secret is never published)', async () => {
    const t = await open(new ChangingProvider([{ kid: 'hs', algorithm: 'HS256', secret: 'an-hs256-secret-of-at-least-32-bytes!!' }]));
    const res = await t.http.get('/.well-known/jwks.json');
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('an-hs256-secret');
  });

  describe('start-up', () => {
    const startWith = (options: Partial<AuthModuleOptions>): Promise<unknown> =>
      createTestApp({ options }).then(
        (t) => t.close().then(() => 'started'),
        (error: unknown) => error,
      );

    it('does not start when the provider fails, lacks loadKeys or gives a bad set; needs secretKey; is not combined with keys', async () => {
      const failing = { loadKeys: () => Promise.reject(new Error('vault sealed')) };
      expect(String(await startWith({ jwt: { keyProvider: failing }, secretKey: SECRET_KEY }))).toMatch(
        /jwt\.keyProvider: loadKeys\(\) failed at start-up \(Error\)/,
      );
      expect(String(await startWith({ jwt: { keyProvider: {} as KeyProvider }, secretKey: SECRET_KEY }))).toMatch(
        /jwt\.keyProvider: does not implement KeyProvider; missing loadKeys\(\)/,
      );
      expect(String(await startWith({ jwt: { keyProvider: new ChangingProvider([]) }, secretKey: SECRET_KEY }))).toMatch(
        /jwt\.keyProvider: must be a non-empty array of keys/,
      );
      expect(String(await startWith({ jwt: { keyProvider: new ChangingProvider([k1]) } }))).toMatch(
        /secretKey: is required with jwt\.keyProvider/,
      );
      expect(
        String(await startWith({ jwt: { keyProvider: new ChangingProvider([k1]), secret: SECRET_KEY }, secretKey: SECRET_KEY })),
      ).toMatch(/jwt\.secret: cannot be combined with jwt\.keyProvider/);
    });
  });
});
