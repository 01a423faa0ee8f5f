import { randomBytes } from 'node:crypto';
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
 * Forged `kid`s cannot make a resource server hammer the issuer: a token whose `kid` names no known
 * key waits for one re-fetch, shared by every request in flight, at most once per
 * `jwks.unknownKidCooldown`; within the cooldown such tokens are refused without a fetch. The same
 * path picks up a key the issuer has just published (rotation), with no restart.
 * Fetches are counted at a local JWKS server; time moves on the resource server's test clock.
 */
const current = testKey('EdDSA', 'ed-2026');
const next = testKey('ES256', 'es-2027');

let jwks: JwksServer;
let rs: ResourceServerApp;
beforeAll(async () => {
  jwks = new JwksServer();
  jwks.publish([current.jwk]);
  await jwks.start();
  rs = await createResourceServerApp(jwks.url);
  // Cooldown windows are checked to the second: real time must not creep in on a busy machine.
  rs.clock.freeze();
  await until(() => jwks.count === 1, 'the start-up fetch');
  await rs.get('/protected', tokenFor(current, accessClaims(rs.clock.now()))).expect(200);
});
afterAll(async () => {
  await rs.close();
  await jwks.stop();
});

function forged(): string {
  return tokenFor(testKey('EdDSA', 'x'), accessClaims(rs.clock.now()), { kid: randomBytes(12).toString('base64url') });
}

async function flood(n: number): Promise<number[]> {
  const statuses = await Promise.all(Array.from({ length: n }, () => rs.get('/protected', forged()).then((res) => res.status)));
  return [...new Set(statuses)];
}

it('200 parallel requests with random kids: all 401, and at most one JWKS fetch per cooldown', async () => {
  jwks.delayMs = 200; // the fetch is still in flight while the flood arrives: every request shares it
  try {
    // Within the cooldown of the start-up fetch: no fetch at all.
    expect(await flood(200)).toEqual([401]);
    expect(jwks.count).toBe(1);

    rs.clock.advanceSeconds(30);
    expect(await flood(200)).toEqual([401]);
    expect(jwks.count).toBe(2);

    // Again within the cooldown of that fetch.
    rs.clock.advanceSeconds(29);
    expect(await flood(200)).toEqual([401]);
    expect(jwks.count).toBe(2);

    rs.clock.advanceSeconds(1);
    expect(await flood(200)).toEqual([401]);
    expect(jwks.count).toBe(3);
  } finally {
    jwks.delayMs = 0;
  }
  // The known key kept working throughout.
  await rs.get('/protected', tokenFor(current, accessClaims(rs.clock.now()))).expect(200);
});

it('a key newly published by the issuer is picked up by the unknown-kid path, with no restart', async () => {
  rs.clock.advanceSeconds(30); // past the last fetch's cooldown
  jwks.publish([current.jwk, next.jwk]);
  const before = jwks.count;
  await rs.get('/protected', tokenFor(next, accessClaims(rs.clock.now()))).expect(200, { userId: 'u-1' });
  expect(jwks.count).toBe(before + 1);
  // The retired key goes away on the issuer: once the resource server refetches, its tokens (even one
  // verified and cached before) are refused.
  const old = tokenFor(current, accessClaims(rs.clock.now()));
  await rs.get('/protected', old).expect(200);
  jwks.publish([next.jwk]);
  rs.clock.advanceSeconds(300); // past the refresh point: a background refresh starts
  await rs.get('/protected', tokenFor(next, accessClaims(rs.clock.now()))).expect(200);
  await until(() => jwks.count === before + 2, 'the background refresh');
  await eventually(async () => (await rs.get('/protected', old)).status === 401, 'the removed key’s tokens to be refused');
});
