import type { AuthUser, UserStore } from '../../../lib/index.js';
import { USER_STORE } from '../../../lib/index.js';
import { createTestApp, type TestApp } from '../../fixtures/create-test-app.js';
import { setCookies } from './helpers.js';

/**
 * Seed 003 (a cookie-refresh API): tokens only in HttpOnly cookies; POST /api/auth/token/refresh/
 * reads the refresh cookie or { refresh }, rotates both cookies and answers
 * { "detail": "Token refreshed." }; the three 401 details word for word; a cookie stored as
 * "Bearer <token>" is normalised. Options only (docs/recipes.md).
 */
describe('API style 003: cookie-only tokens, /token/refresh/ answering { detail }', () => {
  let t: TestApp;
  const hidden = new Set<string>();
  beforeAll(async () => {
    t = await createTestApp({
      options: {
        accessTokenType: 'cookie',
        // This client sends no CSRF header: SameSite=Strict cookies are its CSRF defence.
        cookies: { csrf: false, sameSite: 'strict', secure: false },
        responses: { tokenBody: (body, { route }) => (route === 'refresh' ? { detail: body.message } : { detail: 'Logged in.' }) },
      },
      extras: { routes: { prefix: 'api/auth', refresh: 'token/refresh/' } },
      // Nest mounts `token/refresh` without its trailing slash; Express ignores a trailing slash by
      // default, Fastify only with this router option (an app serving such clients sets it).
      fastify: { routerOptions: { ignoreTrailingSlash: true } },
    });
    // A user that disappears after login (deleted account), for "Invalid token user.".
    const users = t.app.get<UserStore>(USER_STORE);
    const findById = users.findById.bind(users);
    users.findById = (id: string): Promise<AuthUser | null> => (hidden.has(id) ? Promise.resolve(null) : findById(id));
  });
  afterAll(() => t.close());

  const refreshUrl = '/api/auth/token/refresh/';
  async function login(): Promise<Record<string, { value: string; line: string }>> {
    const res = await t.http.post('/api/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toMatch(/eyJ/); // no token in JSON
    return setCookies(res);
  }

  it('refresh by cookie → 200 { detail: "Token refreshed." }, both cookies rotated, no token in JSON', async () => {
    const cookies = await login();
    const res = await t.http.post(refreshUrl).set('Cookie', `refresh_token=${cookies['refresh_token'].value}`).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ detail: 'Token refreshed.' });
    const next = setCookies(res);
    expect(next['access_token']?.line).toMatch(/HttpOnly/i);
    expect(next['access_token']?.value).not.toBe(cookies['access_token'].value);
    expect(next['refresh_token']?.line).toMatch(/HttpOnly/i);
    expect(next['refresh_token']?.value).not.toBe(cookies['refresh_token'].value);
  });

  it('refresh by { refresh } in the body (cookie-less clients)', async () => {
    const cookies = await login();
    const res = await t.http.post(refreshUrl).send({ refresh: cookies['refresh_token'].value });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ detail: 'Token refreshed.' });
  });

  it('a cookie stored as "Bearer <token>" is normalised', async () => {
    const cookies = await login();
    const res = await t.http
      .post(refreshUrl)
      .set('Cookie', `refresh_token=${encodeURIComponent(`Bearer ${cookies['refresh_token'].value}`)}`);
    expect(res.status).toBe(200);
  });

  it('the three 401 details, word for word', async () => {
    const missing = await t.http.post(refreshUrl).send({});
    expect(missing.status).toBe(401);
    expect(missing.body.detail).toBe('Refresh token not provided.');
    const invalid = await t.http.post(refreshUrl).send({ refresh: 'expired.or-forged' });
    expect(invalid.status).toBe(401);
    expect(invalid.body.detail).toBe('Invalid or expired refresh token.');
    const cookies = await login();
    const me = await t.http.get('/api/auth/me').set('Cookie', `access_token=${cookies['access_token'].value}`);
    hidden.add(me.body.id as string);
    const gone = await t.http.post(refreshUrl).set('Cookie', `refresh_token=${cookies['refresh_token'].value}`);
    expect(gone.status).toBe(401);
    expect(gone.body.detail).toBe('Invalid token user.');
  });
});
