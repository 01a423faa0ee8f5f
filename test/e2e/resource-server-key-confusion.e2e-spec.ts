import { createHmac } from 'node:crypto';
import {
  accessClaims,
  createResourceServerApp,
  JwksServer,
  signToken,
  testKey,
  tokenFor,
  until,
  type ResourceServerApp,
} from '../fixtures/resource-server.js';

/**
 * Forged tokens a resource server must refuse although it takes its keys from the network: no `kid`,
 * a `kid` naming another key, `alg` swapped for HS256 or none, keys a JWK Set should not carry.
 * Tokens are signed here, with keys published by a local JWKS server.
 */
const rsa = testKey('RS256', 'rsa-1');
const ec = testKey('ES256', 'ec-1');
const ed = testKey('EdDSA', 'ed-1');
const withPrivate = testKey('EdDSA', 'leaky');
const shortRsa = testKey('RS256', 'rsa-1024', 1024);
const encKey = testKey('ES256', 'enc-1');
const HMAC_SECRET = Buffer.from('a-shared-secret-that-is-32-bytes-long!!');

let jwks: JwksServer;
let rs: ResourceServerApp;
beforeAll(async () => {
  jwks = new JwksServer();
  jwks.publish([
    rsa.jwk,
    ec.jwk,
    ed.jwk,
    { ...withPrivate.jwk, d: (withPrivate.privateKey.export({ format: 'jwk' }) as { d: string }).d },
    shortRsa.jwk,
    { ...encKey.jwk, use: 'enc' },
    { kty: 'oct', kid: 'hs-1', alg: 'HS256', use: 'sig', k: HMAC_SECRET.toString('base64url') },
    { ...ed.jwk, kid: 'ed-as-rs', alg: 'RS256' },
  ]);
  await jwks.start();
  rs = await createResourceServerApp(jwks.url);
  await until(() => jwks.count === 1, 'the start-up fetch');
});
afterAll(async () => {
  await rs.close();
  await jwks.stop();
});

it.each([rsa, ec, ed])('a token of every algorithm verifies with its own published key ($algorithm)', async (key) => {
  await rs.get('/protected', tokenFor(key)).expect(200, { userId: 'u-1' });
});

describe('kid is required and honoured', () => {
  it('a token without kid is refused, and causes no fetch', async () => {
    const before = jwks.count;
    rs.clock.advanceSeconds(31); // past the cooldown: a fetch would be allowed
    const token = signToken({ alg: 'EdDSA', typ: 'at+jwt' }, accessClaims(rs.clock.now()), ed.privateKey);
    const res = await rs.get('/protected', token).expect(401);
    expect(res.body.code).toBe('ACCESS_TOKEN_INVALID');
    expect(jwks.count).toBe(before);
  });

  it('a token signed validly by one published key under another key’s kid is refused', async () => {
    await rs.get('/protected', tokenFor(ed, accessClaims(), { kid: ec.kid })).expect(401);
    await rs.get('/protected', signToken({ alg: 'ES256', typ: 'at+jwt', kid: ed.kid }, accessClaims(), ec.privateKey)).expect(401);
  });

  it('jku, x5u and an embedded jwk never select a key', async () => {
    const attacker = testKey('EdDSA', 'attacker');
    const header = { jwk: attacker.jwk, jku: 'https://evil.example/jwks.json', x5u: 'https://evil.example/cert.pem' };
    await rs.get('/protected', tokenFor(attacker, accessClaims(), header)).expect(401);
    await rs.get('/protected', tokenFor(attacker, accessClaims(), { ...header, kid: ed.kid })).expect(401);
  });
});

describe('alg/key confusion', () => {
  it('HS256 token under the RSA key’s kid, HMAC’d with its public key (PEM, DER and JWK text) is refused', async () => {
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
    const der = rsa.publicKey.export({ format: 'der', type: 'spki' });
    for (const secret of [pem, der, JSON.stringify(rsa.jwk)]) {
      const token = signToken({ alg: 'HS256', typ: 'at+jwt', kid: rsa.kid }, accessClaims(), secret);
      await rs.get('/protected', token).expect(401);
    }
  });

  it('alg none under a published kid is refused', async () => {
    const token = signToken({ alg: 'none', typ: 'at+jwt', kid: ed.kid }, accessClaims(), ed.privateKey);
    await rs.get('/protected', token).expect(401);
    await rs.get('/protected', token.slice(0, -1)).expect(401);
  });

  it('a key published with an alg that does not fit its type (an Ed25519 key as RS256) is ignored', async () => {
    await rs.get('/protected', signToken({ alg: 'EdDSA', typ: 'at+jwt', kid: 'ed-as-rs' }, accessClaims(), ed.privateKey)).expect(401);
  });
});

describe('keys a JWK Set should not carry are ignored', () => {
  it('an HS256 (oct) key: an HMAC token under its kid is refused', async () => {
    const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'hs-1' })).toString('base64url')}.${Buffer.from(
      JSON.stringify(accessClaims()),
    ).toString('base64url')}`;
    const token = `${input}.${createHmac('sha256', HMAC_SECRET).update(input).digest('base64url')}`;
    await rs.get('/protected', token).expect(401);
  });

  it('a key carrying private members (d): a token it signed is refused', async () => {
    await rs.get('/protected', tokenFor(withPrivate)).expect(401);
  });

  it('an RSA key under 2048 bits, and a key with use "enc"', async () => {
    await rs.get('/protected', tokenFor(shortRsa)).expect(401);
    await rs.get('/protected', tokenFor(encKey)).expect(401);
  });
});

describe('the issuer’s claim rules', () => {
  it.each([
    ['typ JWT', {}, { typ: 'JWT' }],
    ['no typ', {}, { typ: undefined }],
    ['another issuer', { iss: 'https://evil.example' }, {}],
    ['another audience', { aud: 'other-api' }, {}],
    ['no sid', { sid: undefined }, {}],
    ['no exp', { exp: undefined }, {}],
    ['a future nbf', { nbf: Math.floor(Date.now() / 1000) + 600 }, {}],
  ])('%s is refused', async (_name, claims, header) => {
    await rs.get('/protected', tokenFor(ed, { ...accessClaims(rs.clock.now()), ...claims }, header)).expect(401);
  });

  it('an expired token is refused, by the injected clock (cached or not)', async () => {
    const token = tokenFor(ed, accessClaims(rs.clock.now()));
    await rs.get('/protected', token).expect(200);
    rs.clock.advanceSeconds(901);
    await rs.get('/protected', token).expect(401);
    await rs.get('/protected', tokenFor(ed, accessClaims(rs.clock.now() - 901_000))).expect(401);
  });

  it('a signature not in canonical base64url is refused', async () => {
    const token = tokenFor(ed, accessClaims(rs.clock.now()));
    await rs.get('/protected', `${token}=`).expect(401);
  });
});

describe('garbage Authorization headers: 401, never 5xx', () => {
  const garbage = [
    'Bearer',
    'Bearer ',
    'Bearer a',
    'Bearer a.b',
    'Bearer a.b.c',
    'Bearer ...',
    'Bearer e30.e30.',
    `Bearer ${Buffer.from('{"kid":{"a":1}}').toString('base64url')}.e30.AA`,
    `Bearer ${Buffer.from('{"kid":"__proto__","alg":"EdDSA"}').toString('base64url')}.e30.AA`,
    `Bearer ${Buffer.from('[1,2]').toString('base64url')}.e30.AA`,
    `Bearer ${'A'.repeat(5000)}.e30.AA`,
    'Bearer \u00e9\u00e9\u00e9',
    'Bearer a b c',
    'Bearer%20x',
    'Basic dXNlcjpwYXNz',
    'bearer ' + 'x.'.repeat(2000),
  ];
  it.each(garbage.map((header) => [header.slice(0, 40), header]))('%s', async (_name, header) => {
    const res = await rs.http.get('/protected').set('Authorization', header);
    expect(res.status).toBe(401);
    expect(res.body.status).toBe(401);
  });
});
