import { connect } from 'node:net';
import { buildSampleApp, startSampleProcess, type SampleProcess } from '../fixtures/sample-process.js';

/**
 * Slow request bodies (slowloris-style): a client announces a body and never finishes it. With Node's
 * defaults the sample app held such a socket about 315 s (a 300 s request timeout checked every 30 s),
 * so a few hundred slow clients could exhaust its sockets. REQUEST_TIMEOUT_MS bounds it.
 */

/** Opens a raw socket, sends `head` and `partialBody`, then waits (at most `deadlineMs`) for the server to close it. */
function sendUnfinishedRequest(
  base: string,
  head: string,
  partialBody: string,
  deadlineMs: number,
): Promise<{ closedAfterMs: number; response: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let response = '';
    let sentAt = 0;
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still held the socket after ${deadlineMs} ms (answered so far: ${JSON.stringify(response)})`));
    }, deadlineMs);
    socket.on('connect', () => {
      sentAt = Date.now();
      socket.write(head + partialBody);
    });
    socket.on('data', (chunk: Buffer) => (response += chunk.toString('latin1')));
    socket.on('error', () => {}); // a reset also ends the wait, through 'close'
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve({ closedAfterMs: Date.now() - sentAt, response });
    });
  });
}

describe('slow request body: the sample app frees the socket after REQUEST_TIMEOUT_MS', () => {
  let app: SampleProcess;
  beforeAll(async () => {
    buildSampleApp();
    app = await startSampleProcess({ DATABASE_URL: 'sqlite::memory:', REQUEST_TIMEOUT_MS: '1000' });
  }, 300_000);
  afterAll(() => app?.stop());

  it('a body announced as 100 bytes that never arrives: 408 and the socket closed within seconds, not minutes', async () => {
    const head = 'POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const { closedAfterMs, response } = await sendUnfinishedRequest(app.base, head, '{"usern', 20_000);
    // Not before the timeout (the request was a valid one, only slow) …
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    // … and answered 408 Request Timeout when it passed.
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    // The server still serves others.
    expect((await fetch(`${app.base}/health`)).status).toBe(200);
  }, 60_000);

  it('headers that never end: closed as well', async () => {
    const { closedAfterMs, response } = await sendUnfinishedRequest(
      app.base,
      'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ',
      'a',
      20_000,
    );
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
  }, 60_000);
});
