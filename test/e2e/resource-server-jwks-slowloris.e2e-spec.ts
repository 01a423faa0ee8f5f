import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessClaims, createResourceServerApp, testKey, tokenFor, until } from '../fixtures/resource-server.js';

/**
 * An issuer (or whatever answers at its address) that sends the JWKS headers at once and then the
 * body a byte at a time, never finishing: `jwks.timeout` covers the body too, so the fetch is cut
 * (the connection closed) instead of holding the single flight, and every request waiting on it,
 * forever. The same for a body far larger than `jwks.maxResponseBytes` trickled without a length.
 *
 * The app and the trickler are closed in `afterEach`, which runs even when a test times out: a fetch
 * that is never cut (as when Node 20 collected the `AbortSignal.timeout()` inside `AbortSignal.any()`)
 * fails the test instead of leaving the trickler's timer and socket to keep Jest from exiting.
 */
const key = testKey('EdDSA', 'ed-1');

async function trickler(body: (write: (chunk: string) => void) => void): Promise<{ server: Server; url: string; closed: () => number }> {
  let closed = 0;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300' });
    const timer = setInterval(() => body((chunk) => res.write(chunk)), 20);
    req.socket.on('close', () => {
      clearInterval(timer);
      closed++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/.well-known/jwks.json`, closed: () => closed };
}

/** Closes what a test opened, the app first, even when the test failed or timed out. */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

it.each([
  ['a valid JWK Set that never ends', `{"keys":[${JSON.stringify(key.jwk)}`, ' '],
  ['an endless body that would pass maxResponseBytes only after the timeout', '{"keys":[', ' '.repeat(16)],
])('%s: the fetch is cut by jwks.timeout, and its waiters are answered', async (_name, head, tick) => {
  let started = false;
  const { server, url, closed } = await trickler((write) => {
    write(started ? tick : head);
    started = true;
  });
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const rs = await createResourceServerApp(url, { options: { jwks: { timeout: '1s', maxResponseBytes: 65_536 } } });
  cleanup.push(() => rs.close());
  // A request arriving during the start-up fetch waits for it, and is answered once it is cut.
  const status = await rs.get('/protected', tokenFor(key, accessClaims(rs.clock.now()))).then((res) => res.status);
  expect(status).toBe(401);
  await rs.fetchSettled();
  await until(() => closed() === 1, 'the connection to be closed', 3000);
});
