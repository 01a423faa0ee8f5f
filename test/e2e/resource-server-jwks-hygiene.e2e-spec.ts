import { generateKeyPairSync, sign } from 'node:crypto';
import {
  accessClaims,
  createResourceServerApp,
  JwksServer,
  testKey,
  tokenFor,
  until,
  type ResourceServerApp,
} from '../fixtures/resource-server.js';

/**
 * More keys a JWK Set should not carry, and `kid`s that only look alike: two keys under one `kid`
 * (neither is used: the token cannot say which it means), `key_ops` without `verify`, an ES256 key
 * on another curve, and a `kid` matched exactly (no case folding or Unicode normalisation, so a
 * look-alike names no key).
 */
const dupA = testKey('EdDSA', 'dup');
const dupB = testKey('ES256', 'dup');
const signOnly = testKey('ES256', 'ops-sign');
const verifyOps = testKey('ES256', 'ops-verify');
const cased = testKey('EdDSA', 'Case-1');
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });

let jwks: JwksServer;
let rs: ResourceServerApp;
beforeAll(async () => {
  jwks = new JwksServer();
  jwks.publish([
    dupA.jwk,
    dupB.jwk,
    { ...signOnly.jwk, key_ops: ['sign'] },
    { ...verifyOps.jwk, key_ops: ['verify'] },
    { ...p384.publicKey.export({ format: 'jwk' }), kid: 'p384', alg: 'ES256', use: 'sig' },
    cased.jwk,
  ]);
  await jwks.start();
  rs = await createResourceServerApp(jwks.url);
  await until(() => jwks.count === 1, 'the start-up fetch');
  await rs.fetchSettled();
});
afterAll(async () => {
  await rs.close();
  await jwks.stop();
});

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

it('a kid published twice (two different keys) is ignored: tokens of either key are refused', async () => {
  await rs.get('/protected', tokenFor(dupA, accessClaims(rs.clock.now()))).expect(401);
  await rs.get('/protected', tokenFor(dupB, accessClaims(rs.clock.now()))).expect(401);
});

it('key_ops without "verify" is ignored; with "verify" the key is used', async () => {
  await rs.get('/protected', tokenFor(signOnly, accessClaims(rs.clock.now()))).expect(401);
  await rs.get('/protected', tokenFor(verifyOps, accessClaims(rs.clock.now()))).expect(200);
});

it('an ES256 key on P-384 is ignored', async () => {
  const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: 'p384' })}.${b64(accessClaims(rs.clock.now()))}`;
  const signature = sign('sha256', Buffer.from(input), { key: p384.privateKey, dsaEncoding: 'ieee-p1363' });
  await rs.get('/protected', `${input}.${signature.toString('base64url')}`).expect(401);
});

it.each(['case-1', 'CASE-1', 'Case\u20111', 'Ｃase-1', 'Case-1\u0000', ' Case-1'])(
  'a kid that only looks like a published one (%j) names no key, and costs no fetch within the cooldown',
  async (kid) => {
    const before = jwks.count;
    await rs.get('/protected', tokenFor(cased, accessClaims(rs.clock.now()), { kid })).expect(401);
    expect(jwks.count).toBe(before);
  },
);

it('the published kid itself verifies', async () => {
  await rs.get('/protected', tokenFor(cased, accessClaims(rs.clock.now()))).expect(200);
});
