import {
  accessClaims,
  createResourceServerApp,
  JwksServer,
  testKey,
  tokenFor,
  until,
  type ResourceServerApp,
} from '../fixtures/resource-server.js';
import { cacheControlMaxAge } from '../../lib/resource-server/jwks-client.js';

/**
 * The JWK Set is cached as its `Cache-Control` says (clamped to [minCacheAge, maxCacheAge]),
 * refreshed in the background ahead of expiry (at 80 %), and revalidated with `If-None-Match`.
 * Time moves on the resource server's test clock; fetches are counted at a local JWKS server.
 */
const key = testKey('EdDSA', 'ed-1');

async function app(headers: Record<string, string>): Promise<{ jwks: JwksServer; rs: ResourceServerApp }> {
  const jwks = new JwksServer();
  jwks.publish([key.jwk], headers);
  await jwks.start();
  const rs = await createResourceServerApp(jwks.url);
  // The steps below land a second before or at a threshold: real time must not creep in on a busy machine.
  rs.clock.freeze();
  await until(() => jwks.count === 1, 'the start-up fetch');
  await rs.fetchSettled();
  return { jwks, rs };
}

const call = (rs: ResourceServerApp) => rs.get('/protected', tokenFor(key, accessClaims(rs.clock.now()))).expect(200);

it.each([
  ['max-age=120', { 'Cache-Control': 'public, max-age=120' }, 96],
  ['max-age=1 (raised to minCacheAge, 30 s)', { 'Cache-Control': 'max-age=1' }, 24],
  ['no-cache (minCacheAge)', { 'Cache-Control': 'no-cache' }, 24],
  ['no Cache-Control (defaultCacheAge, 5 min)', {}, 240],
  ['max-age of a week (lowered to maxCacheAge, 1 day)', { 'Cache-Control': 'max-age=604800' }, 69_120],
  ['max-age=300 with Age: 200', { 'Cache-Control': 'max-age=300', Age: '200' }, 80],
])('%s: no fetch before 80 % of the freshness, one background refresh after', async (_name, headers, refreshAt) => {
  const { jwks, rs } = await app(headers);
  try {
    rs.clock.advanceSeconds(refreshAt - 1);
    await call(rs);
    expect(jwks.count).toBe(1);
    rs.clock.advanceSeconds(1);
    await call(rs); // served at once with the keys in hand; the refresh runs behind it
    await until(() => jwks.count === 2, 'the background refresh');
    await call(rs);
    await call(rs);
    await rs.fetchSettled();
    expect(jwks.count).toBe(2);
  } finally {
    await rs.close();
    await jwks.stop();
  }
});

it('revalidates with If-None-Match; a 304 renews the freshness and keeps the keys', async () => {
  const { jwks, rs } = await app({ 'Cache-Control': 'max-age=100', ETag: '"v1"' });
  try {
    rs.clock.advanceSeconds(80);
    await call(rs);
    await until(() => jwks.count === 2, 'the revalidation');
    await rs.fetchSettled();
    expect(jwks.requests[1]).toEqual({ ifNoneMatch: '"v1"', status: 304 });
    await call(rs);
    rs.clock.advanceSeconds(79); // fresh again from the 304
    await call(rs);
    expect(jwks.count).toBe(2);
  } finally {
    await rs.close();
    await jwks.stop();
  }
});

describe('cacheControlMaxAge', () => {
  it.each([
    [null, null, undefined],
    ['public', null, undefined],
    ['public, max-age=300', null, 300],
    ['MAX-AGE=60', null, 60],
    ['max-age="60"', null, 60],
    ['max-age=300', '100', 200],
    ['max-age=300', '400', 0],
    ['max-age=300', 'junk', 300],
    ['max-age=300, no-store', null, 0],
    ['no-cache', null, 0],
    ['max-age=-1', null, undefined],
    ['max-age=1e9', null, undefined],
  ])('%s (Age %s) → %s', (cacheControl, age, expected) => {
    expect(cacheControlMaxAge(cacheControl, age)).toBe(expected);
  });
});
