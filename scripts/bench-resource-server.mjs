// Guard cost of a resource server against the issuer's own (issue 16 item 4): the per-request work
// of both guards' verification, in process, on the built package (npm run build first).
// `node scripts/bench-resource-server.mjs` prints ns per call for a repeated token (the verified-token
// cache, the usual case) and a first-seen token (a signature check), EdDSA keys.
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { resolveAuthOptions } from '../dist/options/resolve-options.js';
import { AccessTokenService } from '../dist/tokens/access-token.service.js';
import { ResourceServerTokenService } from '../dist/resource-server/resource-server-token.service.js';
import { resolveResourceServerOptions } from '../dist/resource-server/resolve-resource-server-options.js';
import { MemoryUserStore } from '../dist/index.js';
import { publicJwks } from '../dist/tokens/jwks.js';

const clock = { now: () => Date.now() };
const privateKey = generateKeyPairSync('ed25519').privateKey;
const options = resolveAuthOptions({ jwt: { algorithm: 'EdDSA', privateKey }, userStore: new MemoryUserStore() });
const issuer = new AccessTokenService(options, clock);
// Without the verified-token cache: every call is a first-seen token (header read, signature, claims).
const uncachedOptions = resolveAuthOptions({
  jwt: { algorithm: 'EdDSA', privateKey, verifiedTokenCacheSize: 0 },
  userStore: new MemoryUserStore(),
});
const issuerUncached = new AccessTokenService(uncachedOptions, clock);
const body = JSON.stringify(publicJwks(options.jwt.keys));
const server = createServer((_req, res) => res.end(body)).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const rsOptions = { jwksUri: `http://127.0.0.1:${server.address().port}/`, issuer: 'nest-gatekeeper', audience: 'nest-gatekeeper' };
const rs = new ResourceServerTokenService(resolveResourceServerOptions(rsOptions), clock);
const rsUncached = new ResourceServerTokenService(resolveResourceServerOptions({ ...rsOptions, verifiedTokenCacheSize: 0 }), clock);
const subject = { userId: 'u1', sessionId: 's'.repeat(22), roles: ['user'] };
await rs.verify(issuer.sign(subject).token); // loads the keys
await rsUncached.verify(issuer.sign(subject).token);

function bench(name, fn, n) {
  for (let i = 0; i < n / 10; i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / n;
}
const hit = issuer.sign(subject).token;

const rows = [];
for (let round = 0; round < 3; round++) {
  rows.push({
    round,
    'issuer hit ns': bench('', () => issuer.verify(hit), 200_000).toFixed(0),
    'resource server hit ns': bench('', () => rs.verify(hit), 200_000).toFixed(0),
    'issuer first-seen µs': (bench('', () => issuerUncached.verify(hit), 20_000) / 1000).toFixed(1),
    'resource server first-seen µs': (bench('', () => rsUncached.verify(hit), 20_000) / 1000).toFixed(1),
  });
}
console.table(rows);
rs.onModuleDestroy();
rsUncached.onModuleDestroy();
server.close();
