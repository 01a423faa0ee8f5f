import { createPublicKey, generateKeyPairSync, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

/**
 * Publishing the keys: `GET /.well-known/jwks.json` and `GET /.well-known/oauth-authorization-server`.
 * No private member is ever published, HS256 secrets never are, and a token verifies against the
 * published JWKS with an independent verifier (node:crypto, importing the JWK as published; the
 * same with the `jose` library in jwks-jose.e2e-spec.ts).
 */

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const OTHER_SECRET = 'an-old-hs256-secret-of-at-least-32-bytes!!';

type Json = Record<string, unknown>;
const part = (token: string, i: 0 | 1): Json => JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString('utf8')) as Json;

/** Verifies a compact JWS with the JWK of the set its `kid` names, by node:crypto alone. */
function verifyWithJwks(token: string, jwks: { keys: Json[] }): boolean {
  const header = part(token, 0);
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  if (jwk === undefined || jwk.alg !== header.alg) return false;
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  const [h, p, s] = token.split('.');
  const digest = header.alg === 'EdDSA' ? null : 'sha256';
  const options = header.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  return cryptoVerify(digest, Buffer.from(`${h}.${p}`), options, Buffer.from(s, 'base64url'));
}

describe('publishing the keys', () => {
  describe.each([false, true])('a key set with RS256, ES256 and EdDSA keys and an HS256 secret (forRootAsync: %s)', (async) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        async,
        options: {
          jwt: {
            keys: [
              { kid: 'ed-next', algorithm: 'EdDSA', privateKey: ed.privateKey, status: 'standby' },
              { kid: 'rs-now', algorithm: 'RS256', privateKey: rsa.privateKey },
              { kid: 'es-old', algorithm: 'ES256', publicKey: ec.publicKey, status: 'retired' },
              { kid: 'hs-old', algorithm: 'HS256', secret: OTHER_SECRET, status: 'retired' },
            ],
            jwksMaxAge: '10m',
            publicUrl: 'https://auth.example.com',
          },
        },
      });
    });
    afterAll(() => t.close());

    it('GET /.well-known/jwks.json: the public asymmetric keys, with kid, alg and use, and no private member', async () => {
      const res = await t.http.get('/.well-known/jwks.json');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('public, max-age=600');
      const body = res.body as { keys: Json[] };
      expect(body.keys.map((k) => [k.kid, k.alg, k.kty, k.use])).toEqual([
        ['ed-next', 'EdDSA', 'OKP', 'sig'],
        ['rs-now', 'RS256', 'RSA', 'sig'],
        ['es-old', 'ES256', 'EC', 'sig'],
      ]);
      const publicOf = (key: typeof rsa.publicKey): Json => key.export({ format: 'jwk' });
      expect(body.keys[0]).toEqual({ ...publicOf(ed.publicKey), kid: 'ed-next', alg: 'EdDSA', use: 'sig' });
      expect(body.keys[1]).toEqual({ ...publicOf(rsa.publicKey), kid: 'rs-now', alg: 'RS256', use: 'sig' });
      expect(body.keys[2]).toEqual({ ...publicOf(ec.publicKey), kid: 'es-old', alg: 'ES256', use: 'sig' });
      for (const key of body.keys)
        for (const member of PRIVATE_MEMBERS)
          expect({ kid: key.kid, member, value: key[member] }).toEqual({ kid: key.kid, member, value: undefined });
      expect(res.text).not.toContain(Buffer.from(OTHER_SECRET).toString('base64url'));
      expect(res.text).not.toContain('hs-old');
    });

    it('a token issued at login verifies against the published JWKS with node:crypto alone', async () => {
      const { accessToken } = await t.login();
      expect(part(accessToken, 0)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: 'rs-now' });
      const { body } = await t.http.get('/.well-known/jwks.json').expect(200);
      expect(verifyWithJwks(accessToken, body as { keys: Json[] })).toBe(true);
      // Control: a tampered token does not.
      const [h, , s] = accessToken.split('.');
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...part(accessToken, 1), sub: 'u-admin' })).toString('base64url')}.${s}`;
      expect(verifyWithJwks(tampered, body as { keys: Json[] })).toBe(false);
    });

    it('a strong ETag; If-None-Match with it answers 304 without a body', async () => {
      const first = await t.http.get('/.well-known/jwks.json').expect(200);
      const etag = first.headers.etag;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
      expect((await t.http.get('/.well-known/jwks.json')).headers.etag).toBe(etag);
      for (const tag of [etag, `"other", ${etag}`, `W/${etag}`, '*']) {
        const res = await t.http.get('/.well-known/jwks.json').set('If-None-Match', tag);
        expect({ tag, status: res.status, text: res.text }).toEqual({ tag, status: 304, text: '' });
        expect(res.headers['cache-control']).toBe('public, max-age=600');
      }
      await t.http.get('/.well-known/jwks.json').set('If-None-Match', '"stale"').expect(200);
    });

    it('GET /.well-known/oauth-authorization-server: issuer, jwks_uri, token_endpoint, grant types', async () => {
      const res = await t.http.get('/.well-known/oauth-authorization-server');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        issuer: 'nest-gatekeeper',
        jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
        token_endpoint: 'https://auth.example.com/auth/token',
        grant_types_supported: ['password', 'refresh_token'],
      });
    });

    it('both are public: no token needed, the global guard lets them through', async () => {
      await t.http.get('/.well-known/jwks.json').set('Authorization', 'Bearer garbage').expect(200);
      await t.http.get('/auth/jwks.json').expect(404); // not under the module's prefix
    });
  });

  describe('only HS256 secrets: nothing is published', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        options: { jwt: { keys: [{ kid: 'hs', algorithm: 'HS256', secret: OTHER_SECRET }], publicUrl: 'https://auth.example.com' } },
      });
    });
    afterAll(() => t.close());

    it('GET /.well-known/jwks.json and /.well-known/oauth-authorization-server answer 404', async () => {
      await t.http.get('/.well-known/jwks.json').expect(404);
      await t.http.get('/.well-known/oauth-authorization-server').expect(404);
    });
  });

  it('the single-key HS256 form (the default) publishes nothing either', async () => {
    const t = await createTestApp();
    try {
      await t.http.get('/.well-known/jwks.json').expect(404);
      await t.http.get('/.well-known/oauth-authorization-server').expect(404);
    } finally {
      await t.close();
    }
  });

  it('the single-key RS256 form publishes its key under its thumbprint kid; without jwt.publicUrl there is no metadata document', async () => {
    const t = await createTestApp({ options: { jwt: { algorithm: 'RS256', privateKey: rsa.privateKey } } });
    try {
      const res = await t.http.get('/.well-known/jwks.json').expect(200);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      const { accessToken } = await t.login();
      const body = res.body as { keys: Json[] };
      expect(body.keys).toHaveLength(1);
      expect(body.keys[0].kid).toBe(part(accessToken, 0).kid);
      expect(verifyWithJwks(accessToken, body)).toBe(true);
      await t.http.get('/.well-known/oauth-authorization-server').expect(404);
    } finally {
      await t.close();
    }
  });

  it('paths are configurable (routes.jwks, routes.authorizationServerMetadata), follow the global prefix, and can be left out', async () => {
    const t = await createTestApp({
      options: { jwt: { algorithm: 'EdDSA', privateKey: ed.privateKey, publicUrl: 'https://example.com/idp' } },
      extras: { routes: { jwks: 'keys/jwks', authorizationServerMetadata: '.well-known/openid-configuration', prefix: 'account' } },
      beforeInit: (app) => app.setGlobalPrefix('api'),
    });
    try {
      await t.http.get('/.well-known/jwks.json').expect(404);
      await t.http.get('/api/.well-known/jwks.json').expect(404);
      const keys = await t.http.get('/api/keys/jwks').expect(200);
      expect((keys.body as { keys: Json[] }).keys).toHaveLength(1);
      const metadata = await t.http.get('/api/.well-known/openid-configuration').expect(200);
      expect(metadata.body).toEqual({
        issuer: 'nest-gatekeeper',
        jwks_uri: 'https://example.com/idp/api/keys/jwks',
        token_endpoint: 'https://example.com/idp/api/account/token',
        grant_types_supported: ['password', 'refresh_token'],
      });
    } finally {
      await t.close();
    }
    const off = await createTestApp({
      options: { jwt: { algorithm: 'EdDSA', privateKey: ed.privateKey, publicUrl: 'https://example.com' } },
      extras: { routes: { jwks: false } },
    });
    try {
      // Without the JWK Set there is nothing for the metadata to point at: both are gone.
      await off.http.get('/.well-known/jwks.json').expect(404);
      await off.http.get('/.well-known/oauth-authorization-server').expect(404);
      expect((await off.login()).accessToken).toBeDefined();
    } finally {
      await off.close();
    }
  });
});
