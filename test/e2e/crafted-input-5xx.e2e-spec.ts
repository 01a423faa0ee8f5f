import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Response } from 'supertest';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import { TestOutbox } from '../fixtures/outbox.js';
import { openSqlStores, type SqlKind, type SqlStores } from '../fixtures/sql-stores.js';

/**
 * Issue 12, finding 1: crafted input that an outside attack run turned into unauthenticated 500s.
 * Each test is named after its attack; every one must end in a 4xx problem document.
 */

function expectProblem(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

const json = (t: TestApp, path: string, body: string): Promise<Response> =>
  t.http.post(path).set('Content-Type', 'application/json').send(body);

/** 21 × U+FDFA: 21 characters that NFKC turns into 378 (past a varchar(255) column). */
const GROWS = '\uFDFA'.repeat(21);

describe('crafted input: memory stores', () => {
  let t: TestApp;
  beforeAll(async () => {
    // MFA configured, so that the MFA routes (device ids) are mounted.
    t = await createTestApp({ options: { mfa: { methods: ['email'], senders: { email: new TestOutbox() } } } });
  });
  afterAll(() => t.close());

  it('login with {"username": null} or {"email": null} is 400 VALIDATION_FAILED (null is not "absent")', async () => {
    for (const body of [
      { username: null, password: 'emilyspass' },
      { email: null, password: 'emilyspass' },
      { username: 'emilys', email: null, password: 'emilyspass' },
      { username: 'emilys', password: 'emilyspass', trustToken: null },
      { username: 'emilys', password: 'emilyspass', expiresInMins: null },
    ]) {
      const res = await t.http.post('/auth/login').send(body);
      expectProblem(res, 400, 'VALIDATION_FAILED');
    }
    expectProblem(await t.http.post('/auth/refresh').send({ refreshToken: null }), 400, 'VALIDATION_FAILED');
  });

  it('a lone UTF-16 surrogate in the registration e-mail is 400 (IsEmail would throw URIError)', async () => {
    for (const email of ['\uD800@example.com', 'a@exa\uDC00mple.com']) {
      const res = await t.http.post('/auth/register').send({ username: 'surrogate', email, password: 'a-long-password' });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    }
  });

  it('a lone surrogate anywhere in a JSON or form body is 400', async () => {
    expectProblem(await json(t, '/auth/login', '{"username":"emilys","password":"\\ud800"}'), 400, 'VALIDATION_FAILED');
    expectProblem(await json(t, '/auth/refresh', '{"refreshToken":"\\udfff"}'), 400, 'VALIDATION_FAILED');
    const form = await t.http.post('/auth/token').type('form').send('grant_type=password&username=emilys&password=%ED%A0%80');
    // %ED%A0%80 is an encoded surrogate: decoded as U+FFFD by URLSearchParams, a wrong password then.
    expect(form.status).toBeLessThan(500);
  });

  it("a lone surrogate in a form field that a host app's own parser let through is 400 at /auth/token", async () => {
    // A host-app parser that decodes %ED%A0%80 to a lone surrogate (URLSearchParams would make it U+FFFD).
    const hostile = await createTestApp({
      beforeInit: (app) => {
        const body = { grant_type: 'password', username: 'emilys', password: 'emilys\uD800pass' };
        if (app.getHttpAdapter().getType() === 'fastify') {
          // The app's own form parser (in place of Nest's default one).
          (app as NestFastifyApplication).useBodyParser('application/x-www-form-urlencoded', {}, (_req, _body, done) => done(null, body));
          return;
        }
        app.use((req: object, _res: unknown, next: () => void) => {
          // Fixed, whatever Express's own parsers do after this middleware.
          Object.defineProperty(req, 'body', { get: () => body, set: () => undefined, configurable: true });
          next();
        });
      },
    });
    try {
      const res = await hostile.http.post('/auth/token').type('form').send('grant_type=password');
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body).toMatchObject({
        error: 'invalid_request',
        errors: [{ field: 'password', message: 'must be well-formed Unicode text' }],
      });
    } finally {
      await hostile.close();
    }
  });

  it('a JSON body nested 2,000 levels deep (10 KB) is 400, not a stack overflow', async () => {
    const deepObject = `{"username":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)},"password":"x"}`;
    const deepArray = `{"username":${'['.repeat(100_000)}${']'.repeat(100_000)},"password":"x"}`;
    for (const body of [deepObject, deepArray]) {
      const res = await json(t, '/auth/login', body);
      expectProblem(res, 400, 'MALFORMED_REQUEST');
    }
  });

  it('a 1 MB body of nested or wide JSON is refused cheaply (bounded depth and node count)', async () => {
    const nested = `{"username":"emilys","password":"x","x":${'[{"a":'.repeat(80_000)}1${'}]'.repeat(80_000)}}`;
    const wide = `{"username":"emilys","password":"x","x":[${Array.from({ length: 120_000 }, () => '{"a":1}').join(',')}]}`;
    for (const body of [nested, wide]) {
      expect(body.length).toBeLessThan(1024 * 1024);
      const started = process.hrtime.bigint();
      const res = await json(t, '/auth/login', body);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expectProblem(res, 400, 'MALFORMED_REQUEST');
      // A functional bound on a busy machine, not a benchmark: the recursion took up to 700 ms.
      expect(ms).toBeLessThan(400);
    }
  });

  it('an e-mail with a full-width @ (x＠evil.example@example.com) is validated after normalisation', async () => {
    const res = await t.http
      .post('/auth/register')
      .send({ username: 'fullwidth', email: 'x\uFF20evil.example@example.com', password: 'a-long-password' });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    expect(await t.users.findByUsername('fullwidth')).toBeNull();
  });

  it('a username in full-width letters is valid: validated after normalisation, stored as ASCII', async () => {
    const res = await t.http
      .post('/auth/register')
      .send({ username: '\uFF2D\uFF29\uFF38', email: 'Mix@Example.COM', password: 'a-long-password' });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ username: 'mix', email: 'mix@example.com' });
  });
});

describe.each<SqlKind>(['postgres', 'mariadb'])('crafted input: TypeORM stores on %s', (kind) => {
  let stores: SqlStores;
  let t: TestApp;
  beforeAll(async () => {
    stores = await openSqlStores(kind, 'crafted');
    t = await createTestApp({ options: stores.options });
  });
  afterAll(async () => {
    await t?.close();
    await stores?.close();
  });

  it('a NUL byte or a control character in a login identifier or username is 400 (PostgreSQL refuses NUL in text)', async () => {
    for (const body of [
      { username: 'emi\u0000lys', password: 'emilyspass' },
      { email: 'emily\u0000@example.com', password: 'emilyspass' },
      { username: 'emi\u0085lys', password: 'emilyspass' },
    ]) {
      expectProblem(await t.http.post('/auth/login').send(body), 400, 'VALIDATION_FAILED');
    }
    const form = await t.http.post('/auth/token').type('form').send('grant_type=password&username=emi%00lys&password=emilyspass');
    expectProblem(form, 400, 'VALIDATION_FAILED');
    const reg = await t.http
      .post('/auth/register')
      .send({ username: 'nul\u0000', email: 'nul\u0000@example.com', password: 'a-long-password' });
    expectProblem(reg, 400, 'VALIDATION_FAILED');
  });

  it('an identifier that grows past 255 characters under NFKC (21 × U+FDFA) is 400', async () => {
    const reg = await t.http.post('/auth/register').send({ username: 'grows', email: `${GROWS}@example.com`, password: 'a-long-password' });
    expectProblem(reg, 400, 'VALIDATION_FAILED');
    expect(reg.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    const long = '\uFDFA'.repeat(200);
    expectProblem(await t.http.post('/auth/login').send({ username: long, password: 'emilyspass' }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await t.http.post('/auth/login').send({ email: `${long}@example.com`, password: 'emilyspass' }),
      400,
      'VALIDATION_FAILED',
    );
    const form = await t.http.post('/auth/token').type('form').send({ grant_type: 'password', username: long, password: 'emilyspass' });
    expectProblem(form, 400, 'VALIDATION_FAILED');
  });

  it('a NUL byte in a session id, device id, code or token is a 4xx', async () => {
    const { accessToken } = await t.login();
    const auth = { Authorization: `Bearer ${accessToken}` };
    expect((await t.http.delete('/auth/sessions/abc%00def').set(auth)).status).toBe(404);
    expect((await t.http.delete('/auth/mfa/devices/abc%00def').set(auth)).status).toBe(404);
    expectProblem(
      await t.http.post('/auth/refresh').send({ refreshToken: `${'a'.repeat(22)}.\u0000${'b'.repeat(42)}` }),
      401,
      'REFRESH_TOKEN_INVALID',
    );
    // A malformed trust token is ignored (it never reaches a store): the login succeeds.
    expect((await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass', trustToken: 'x\u0000y' })).status).toBe(
      200,
    );
  });
});
