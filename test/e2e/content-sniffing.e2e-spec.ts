import type { Response } from 'supertest';
import { createTestApp, type MountedRoute, type TestApp } from '../fixtures/create-test-app.js';

/**
 * MIME sniffing: a browser that guesses a response's type may run a JSON body or a problem document
 * that echoes attacker input as HTML or script. Every response of the module, success or error, JSON
 * or empty, says `X-Content-Type-Options: nosniff`, and so does every problem it writes on the host
 * app's routes (the access guard's 401 and the roles guard's 403).
 */

/** Every route the app mounted under `/auth`, read from the platform's router (not from a list kept here). */
function moduleRoutes(t: TestApp): MountedRoute[] {
  return t.routes().filter((route) => route.path.startsWith('/auth/'));
}

function expectNosniff(res: Response, label: string): void {
  expect({ label, status: res.status, header: res.headers['x-content-type-options'] }).toEqual({
    label,
    status: res.status,
    header: 'nosniff',
  });
}

describe.each(['header', 'both'] as const)('content sniffing (%s mode): X-Content-Type-Options: nosniff', (accessTokenType) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ options: { accessTokenType, mfa: { methods: ['email'], senders: { email: { send: async () => {} } } } } });
  });
  afterAll(() => t.close());

  it('the module mounts the routes this test iterates over (login, me, refresh, sessions, mfa, token…)', () => {
    const paths = moduleRoutes(t).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'POST /auth/login',
        'GET /auth/me',
        'POST /auth/refresh',
        'DELETE /auth/sessions/:id',
        'POST /auth/token',
        'POST /auth/mfa/verify',
      ]),
    );
    expect(paths.length).toBeGreaterThanOrEqual(15);
  });

  it('on every module route, authenticated or not, whatever the answer', async () => {
    const statuses = new Set<number>();
    for (const { method, path } of moduleRoutes(t)) {
      const url = path.replace(':id', 'AAAAAAAAAAAAAAAAAAAAAA');
      const { accessToken } = await t.login();
      for (const token of [accessToken, undefined]) {
        let req = t.http[method as 'get' | 'post' | 'delete'](url);
        if (token) req = req.set('Authorization', `Bearer ${token}`);
        const res = method === 'get' || method === 'delete' ? await req : await req.send({});
        expectNosniff(res, `${method.toUpperCase()} ${path} (${token ? 'with' : 'without'} a token)`);
        statuses.add(res.status);
      }
    }
    // Both sides were seen: successes and problems.
    expect([...statuses].some((s) => s < 300)).toBe(true);
    expect([...statuses].some((s) => s >= 400)).toBe(true);
  });

  it('on successful JSON answers and on 204s', async () => {
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(login.status).toBe(200);
    expectNosniff(login, 'POST /auth/login 200');
    const { accessToken } = login.body as { accessToken: string };
    const auth = { Authorization: `Bearer ${accessToken}` };
    const me = await t.http.get('/auth/me').set(auth);
    expect(me.status).toBe(200);
    expectNosniff(me, 'GET /auth/me 200');
    const sessions = await t.http.get('/auth/sessions').set(auth);
    expect(sessions.status).toBe(200);
    expectNosniff(sessions, 'GET /auth/sessions 200');
    const other = await t.login();
    const otherSid = JSON.parse(Buffer.from(other.accessToken.split('.')[1], 'base64url').toString('utf8')) as { sid: string };
    const revoked = await t.http.delete(`/auth/sessions/${otherSid.sid}`).set(auth);
    expect(revoked.status).toBe(204);
    expectNosniff(revoked, 'DELETE /auth/sessions/:id 204');
    const token = await t.http
      .post('/auth/token')
      .type('form')
      .send({ grant_type: 'password', username: 'emilys', password: 'emilyspass' });
    expect(token.status).toBe(200);
    expectNosniff(token, 'POST /auth/token 200');
  });

  it('on the problems the module writes: validation, malformed JSON, unknown route, OAuth error', async () => {
    expectNosniff(await t.http.post('/auth/login').send({}), 'POST /auth/login 400');
    expectNosniff(await t.http.post('/auth/login').set('Content-Type', 'application/json').send('{oops'), 'malformed JSON');
    expectNosniff(await t.http.post('/auth/login').send({ username: 'emilys', password: 'wrong-password' }), '401 INVALID_CREDENTIALS');
    expectNosniff(await t.http.get('/auth/no-such-route'), '404 under the prefix');
    expectNosniff(await t.http.post('/auth/token').type('form').send({ grant_type: 'nope' }), 'OAuth 400');
  });

  it("on the host app's routes: the access guard's 401 and the roles guard's 403", async () => {
    const unauthenticated = await t.http.get('/protected');
    expect(unauthenticated.status).toBe(401);
    expectNosniff(unauthenticated, 'GET /protected 401');
    const invalid = await t.http.get('/protected').set('Authorization', 'Bearer not-a-token');
    expect(invalid.status).toBe(401);
    expectNosniff(invalid, 'GET /protected 401 (invalid token)');
    const { accessToken } = await t.login();
    const forbidden = await t.http.get('/admin').set('Authorization', `Bearer ${accessToken}`);
    expect(forbidden.status).toBe(403);
    expectNosniff(forbidden, 'GET /admin 403');
  });
});
