import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_HTTP_ADAPTER } from '../fixtures/create-test-app.js';
import { startSampleApp, type SampleApp } from '../fixtures/sample-app.js';
import { buildSampleApp, startSampleProcess, type SampleProcess } from '../fixtures/sample-process.js';
import { eventually } from '../fixtures/services.js';

// Runs in both Jest projects: the sample app on Express, then with HTTP_ADAPTER=fastify on Fastify.
// Every answer below is the same on both platforms but the adapter /health names.

describe(`sample app on ${TEST_HTTP_ADAPTER} (HTTP_ADAPTER=${TEST_HTTP_ADAPTER})`, () => {
  let sample: SampleApp;
  beforeAll(async () => {
    sample = await startSampleApp();
  });
  afterAll(() => sample.close());

  it('GET /health names the platform it runs on (CONTRACT §7), also with a trailing slash', async () => {
    expect(sample.app.getHttpAdapter().getType()).toBe(TEST_HTTP_ADAPTER);
    for (const path of ['/health', '/health/']) {
      const res = await sample.http.get(path).expect(200);
      expect(res.body).toEqual({ status: 'ok', adapter: TEST_HTTP_ADAPTER });
    }
  });

  it('fingerprinting: no X-Powered-By, no ETag on API answers and on the demo page', async () => {
    for (const path of ['/health', '/', '/app.js', '/docs-json']) {
      const res = await sample.http.get(path).expect(200);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['etag']).toBeUndefined();
    }
  });

  it('serves the demo page and its script with the CSP and nosniff', async () => {
    const page = await sample.http.get('/').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.text).toContain('<script src="/app.js"');
    const script = await sample.http.get('/app.js').expect(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('serves Swagger UI at /docs (with its assets) and the document at /docs-json', async () => {
    const ui = await sample.http.get('/docs').expect(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
    const css = await sample.http.get('/docs/swagger-ui.css').expect(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    await sample.http.get('/docs/swagger-ui-init.js').expect(200);
    const document = await sample.http.get('/docs-json').expect(200);
    expect(Object.keys((document.body as { paths: object }).paths)).toEqual(
      expect.arrayContaining(['/auth/login', '/auth/token', '/health']),
    );
  });

  it('serves /dev/outbox (outside production) with what the demo senders sent', async () => {
    await sample.http.post('/auth/password/forgot').send({ email: 'email@example.com' }).expect(202);
    // Account e-mails are sent after the response is written.
    let list: { subject: string }[] = [];
    await eventually(async () => {
      list = (await sample.http.get('/dev/outbox').query({ to: 'email@example.com' }).expect(200)).body as { subject: string }[];
      return list.length > 0;
    });
    expect(list[0]?.subject).toMatch(/reset/i);
  });

  it('body flooding: a JSON body over 1 MiB is 413 problem+json; one just under it is read', async () => {
    const over = JSON.stringify({ username: 'x', password: 'p'.repeat(1024 * 1024) });
    const refused = await sample.http.post('/auth/login').set('Content-Type', 'application/json').send(over).expect(413);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const under = JSON.stringify({ username: 'x', password: 'p'.repeat(1024 * 1024 - 100) });
    const read = await sample.http.post('/auth/login').set('Content-Type', 'application/json').send(under);
    expect(read.status).toBe(400); // read, then refused by validation (the password's length)
    expect(read.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('malformed JSON and unknown routes answer problem+json, as on the module routes', async () => {
    const malformed = await sample.http.post('/auth/login').set('Content-Type', 'application/json').send('{"username":').expect(400);
    expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
    const missing = await sample.http.get('/no-such-route').expect(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe(`sample app process with HTTP_ADAPTER=${TEST_HTTP_ADAPTER}`, () => {
  let sample: SampleProcess | undefined;
  beforeAll(async () => {
    buildSampleApp();
    sample = await startSampleProcess({ HTTP_ADAPTER: TEST_HTTP_ADAPTER, DATABASE_URL: 'sqlite::memory:' });
  }, 300_000);
  afterAll(() => sample?.stop());

  it('names its platform on /health and listens on every interface, IPv4 and IPv6, as Express does by default', async () => {
    const { base } = sample as SampleProcess;
    const port = new URL(base).port;
    for (const host of ['127.0.0.1', '[::1]']) {
      const res = await fetch(`http://${host}:${port}/health`);
      expect(await res.json()).toEqual({ status: 'ok', adapter: TEST_HTTP_ADAPTER });
    }
  });
});
