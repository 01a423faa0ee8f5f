import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

/**
 * Interoperability: access tokens verified by an independent JOSE library (`jose`, as a gateway or
 * another service would) from the JWK Set the module publishes, for every asymmetric algorithm.
 */
const KEYS = {
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  EdDSA: generateKeyPairSync('ed25519').privateKey,
} as const;

describe.each(Object.keys(KEYS) as (keyof typeof KEYS)[])('%s tokens verified by jose from the published JWKS', (algorithm) => {
  let t: TestApp;
  let jwksUrl: URL;
  beforeAll(async () => {
    t = await createTestApp({ options: { jwt: { algorithm, privateKey: KEYS[algorithm] } } });
    await t.app.listen(0, '127.0.0.1');
    const { port } = (t.app.getHttpServer() as Server).address() as AddressInfo;
    jwksUrl = new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`);
  });
  afterAll(() => t.close());

  it('a token issued at login verifies (kid, algorithm, typ, issuer, audience)', async () => {
    const { accessToken } = await t.login();
    const { payload, protectedHeader } = await jwtVerify(accessToken, createRemoteJWKSet(jwksUrl), {
      algorithms: [algorithm],
      issuer: 'nest-gatekeeper',
      audience: 'nest-gatekeeper',
      typ: 'at+jwt',
    });
    expect(payload.sub).toBe('u-emily');
    expect(protectedHeader.kid).toEqual(expect.any(String));
  });

  it('a token with a changed claim does not verify', async () => {
    const { accessToken } = await t.login();
    const [header, body, signature] = accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url')}.${signature}`;
    await expect(jwtVerify(forged, createRemoteJWKSet(jwksUrl), { algorithms: [algorithm] })).rejects.toThrow();
  });
});
