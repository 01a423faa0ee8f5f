import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import {
  accessClaims,
  createResourceServerApp,
  eventually,
  JwksServer,
  testKey,
  tokenFor,
  until,
  type ResourceServerApp,
} from '../fixtures/resource-server.js';

/**
 * A resource server keeps working while its issuer is down: the cached keys serve for their cache
 * lifetime and, stale, up to `jwks.maxStale`; start-up does not need the issuer; a broken answer
 * (HTTP error, garbage, an oversized body) never replaces the keys in hand.
 */
describe('the issuer is stopped', () => {
  let issuer: TestApp;
  let rs: ResourceServerApp;
  beforeAll(async () => {
    issuer = await createTestApp({
      options: { jwt: { algorithm: 'EdDSA', privateKey: generateKeyPairSync('ed25519').privateKey, accessTokenTtl: '1h' } },
    });
    await issuer.app.listen(0, '127.0.0.1');
    const { port } = (issuer.app.getHttpServer() as Server).address() as AddressInfo;
    rs = await createResourceServerApp(`http://127.0.0.1:${port}/.well-known/jwks.json`, { options: { jwks: { maxStale: '10m' } } });
  });
  afterAll(() => rs.close());

  it('valid tokens keep being accepted for the cache lifetime (5 min) and, stale, up to maxStale; then refused', async () => {
    const seen = (await issuer.login()).accessToken;
    await rs.get('/protected', seen).expect(200);
    // Tokens the resource server has never verified: they prove the keys, not the verified-token cache.
    const unseen = await Promise.all(Array.from({ length: 3 }, async () => (await issuer.login()).accessToken));
    await issuer.close();

    rs.clock.advanceSeconds(250); // past the refresh point (80 %): a background refresh fails
    await rs.get('/protected', unseen[0]).expect(200);
    await rs.get('/protected', seen).expect(200);

    rs.clock.advanceSeconds(60 + 9 * 60); // 5 min fresh + 9 min stale
    await rs.get('/protected', unseen[1]).expect(200);

    rs.clock.advanceSeconds(2 * 60); // more than maxStale past freshness: the keys are dropped
    await rs.get('/protected', unseen[2]).expect(401);
    await rs.get('/protected', seen).expect(401);
  });
});

describe('the issuer is down at start-up', () => {
  it('start-up succeeds; tokens get 401 until the issuer answers, then 200 (retry backs off from 1 s)', async () => {
    const jwks = new JwksServer();
    const key = testKey('ES256', 'es-1');
    jwks.publish([key.jwk]);
    await jwks.start();
    const port = jwks.port;
    await jwks.stop(); // a port nobody listens on
    const rs = await createResourceServerApp(`http://127.0.0.1:${port}/.well-known/jwks.json`);
    try {
      await rs.get('/health').expect(200);
      await rs.get('/protected', tokenFor(key, accessClaims(rs.clock.now()))).expect(401);
      await jwks.start(port);
      // Within the back-off: no fetch yet.
      await rs.get('/protected', tokenFor(key, accessClaims(rs.clock.now()))).expect(401);
      expect(jwks.count).toBe(0);
      rs.clock.advanceSeconds(2);
      await eventually(
        async () => (await rs.get('/protected', tokenFor(key, accessClaims(rs.clock.now())))).status === 200,
        'the keys to arrive',
      );
    } finally {
      await rs.close();
      await jwks.stop();
    }
  });
});

describe('the issuer answers something unusable', () => {
  const key = testKey('EdDSA', 'ed-1');
  let jwks: JwksServer;
  let rs: ResourceServerApp;
  beforeAll(async () => {
    jwks = new JwksServer();
    jwks.publish([key.jwk], { 'Cache-Control': 'max-age=60' });
    await jwks.start();
    rs = await createResourceServerApp(jwks.url, { options: { jwks: { maxResponseBytes: 4096 } } });
    await until(() => jwks.count === 1, 'the start-up fetch');
  });
  afterAll(async () => {
    await rs.close();
    await jwks.stop();
  });

  it.each([
    ['HTTP 500', { status: 500, body: 'oops' }],
    ['HTTP 404', { status: 404, body: '' }],
    ['not JSON', { body: '<html>' }],
    ['not a JWK Set', { body: { keys: 'none' } }],
    ['an empty key set', { body: { keys: [] } }],
    ['only unusable keys', { body: { keys: [{ kty: 'oct', kid: 'h', alg: 'HS256', k: 'AAAA' }] } }],
    ['an oversized body', { body: { keys: [key.jwk], padding: 'x'.repeat(10_000) } }],
    ['a redirect', { status: 302, headers: { Location: 'http://127.0.0.1:9/evil.json' }, body: '' }],
  ])('%s: the cached keys keep serving', async (_name, answer) => {
    jwks.answer = answer;
    const before = jwks.count;
    rs.clock.advanceSeconds(61); // past freshness and any back-off: the next request starts a refresh
    // Every request meanwhile is served with the cached keys; a fetch starts only after the previous
    // one settled (single flight), so the next case's fetch also shows this one's failure was applied.
    await eventually(async () => {
      await rs.get('/protected', tokenFor(key, accessClaims(rs.clock.now()))).expect(200);
      return jwks.count > before;
    }, 'a refresh with this answer');
    await rs.fetchSettled();
    await rs.get('/protected', tokenFor(key, accessClaims(rs.clock.now()))).expect(200);
  });

  it('after all of them the same keys still serve, and a good answer is taken again', async () => {
    jwks.publish([key.jwk], { 'Cache-Control': 'max-age=60' });
    const before = jwks.count;
    rs.clock.advanceSeconds(61);
    await eventually(async () => {
      await rs.get('/protected', tokenFor(key, accessClaims(rs.clock.now()))).expect(200);
      return jwks.count > before;
    }, 'a good refresh');
  });
});
