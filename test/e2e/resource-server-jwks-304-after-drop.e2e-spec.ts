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
import { ResourceServerTokenService } from '../../lib/resource-server/index.js';

/**
 * A revalidation (`If-None-Match`) in flight while `jwks.maxStale` runs out: the keys are dropped
 * meanwhile, then the issuer answers 304 Not Modified. That 304 speaks of keys the resource server no
 * longer holds: taking it as "still fresh" would leave it with no keys and a fresh-looking cache, and
 * every later revalidation (same ETag) would answer 304 again: every token refused until the issuer's
 * key set changes. The 304 must lead to a full fetch instead.
 */
const key = testKey('EdDSA', 'ed-1');

let jwks: JwksServer;
let rs: ResourceServerApp;
beforeAll(async () => {
  jwks = new JwksServer();
  jwks.publish([key.jwk], { 'Cache-Control': 'max-age=60', ETag: '"v1"' });
  await jwks.start();
  rs = await createResourceServerApp(jwks.url, { options: { jwks: { maxStale: '1m' } } });
  await until(() => jwks.count === 1, 'the start-up fetch');
  await rs.fetchSettled();
});
afterAll(async () => {
  await rs.close();
  await jwks.stop();
});

/** Whether the resource server holds no key (read from its JWKS client). */
function dropped(): boolean {
  const service: unknown = rs.app.get(ResourceServerTokenService);
  return (service as { jwks: { verifiers: ReadonlyMap<string, unknown> } }).jwks.verifiers.size === 0;
}

const token = (): string => tokenFor(key, accessClaims(rs.clock.now()));

it('a 304 answering a revalidation sent before the keys were dropped does not leave the resource server keyless', async () => {
  await rs.get('/protected', token()).expect(200);
  let release = (): void => undefined;
  jwks.hold = new Promise<void>((resolve) => (release = resolve));
  rs.clock.advanceSeconds(50); // past the refresh point (80 % of 60 s): a revalidation starts, and hangs
  await rs.get('/protected', token()).expect(200);
  await until(() => jwks.arrived === 2, 'the revalidation to reach the issuer');
  rs.clock.advanceSeconds(71); // more than maxStale past freshness: the keys are dropped
  // This request waits for the revalidation in flight (its kid names no key now), which then answers 304.
  const during = rs.get('/protected', token()).then((res) => res.status);
  await until(() => dropped(), 'the keys to be dropped');
  jwks.hold = undefined;
  release();
  expect(await during).toBe(401);
  await rs.fetchSettled();
  expect(jwks.requests[1]).toEqual({ ifNoneMatch: '"v1"', status: 304 });

  // The issuer is reachable and its keys never changed: after the retry back-off, tokens pass again.
  rs.clock.advanceSeconds(31);
  await eventually(async () => (await rs.get('/protected', token())).status === 200, 'the keys to be fetched again', 3000);
  // And that fetch asked for the whole set, not a revalidation of keys no longer held.
  expect(jwks.requests.slice(2).some((r) => r.ifNoneMatch === undefined && r.status === 200)).toBe(true);
});
