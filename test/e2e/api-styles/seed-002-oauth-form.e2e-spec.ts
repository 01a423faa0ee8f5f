import { ProblemDetailsFilter, type UserStore } from '../../../lib/index.js';
import { createTestApp, type TestApp } from '../../fixtures/create-test-app.js';

/**
 * Seed 002 (an OAuth 2.0 form login): POST /api/auth/login takes a form (grant_type, username,
 * password, scope, client_id, client_secret) and answers a TokenResponse (access_token, opaque
 * refresh_token, token_type, expires_in); errors are ProblemDetail documents (type, title, status,
 * detail) for 400/401/403/404/500, validation errors a separate 422. Options only (docs/recipes.md).
 */
describe('API style 002: OAuth 2.0 form login with ProblemDetail errors and 422 validation', () => {
  let t: TestApp;
  const broken = { id: 'u-broken', username: 'broken', email: 'broken@example.com' };
  beforeAll(async () => {
    t = await createTestApp({
      options: { responses: { validationStatus: 422 } },
      extras: { routes: { prefix: 'api/auth', login: false, token: 'login' } },
      // The host app's usual one-liner: problem+json for its own errors too (e.g. an unknown route).
      beforeInit: (app) => app.useGlobalFilters(new ProblemDetailsFilter()),
    });
    // A store failure nobody foresaw, for the 500 case (a test harness, not configuration).
    const users = t.app.get<UserStore>((await import('../../../lib/index.js')).USER_STORE);
    const findByUsername = users.findByUsername.bind(users);
    users.findByUsername = (name: string) => (name === broken.username ? Promise.reject(new Error('disk on fire')) : findByUsername(name));
  });
  afterAll(() => t.close());

  const login = (fields: Record<string, string>) => t.http.post('/api/auth/login').type('form').send(fields);
  const problem = (body: Record<string, unknown>, status: number) => {
    expect(body).toMatchObject({ type: 'about:blank', status });
    expect(typeof body['title']).toBe('string');
    expect(typeof body['detail']).toBe('string');
  };

  it('form login → TokenResponse { access_token, refresh_token (opaque), token_type, expires_in }', async () => {
    const res = await login({
      grant_type: 'password',
      username: 'emilys',
      password: 'emilyspass',
      scope: '',
      client_id: 'spa',
      client_secret: '',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
    });
    expect(res.body.access_token.split('.')).toHaveLength(3);
    expect(res.body.refresh_token.split('.')).toHaveLength(2); // opaque <session>.<secret>, not a JWT
  });

  it('ProblemDetail errors: 400 bad request, 401 bad credentials, 403 missing role, 404 unknown route, 500 unexpected', async () => {
    const bad = await t.http.post('/api/auth/login').send({ username: 'emilys' }); // JSON, not a form
    expect(bad.status).toBe(400);
    problem(bad.body, 400);
    const unauthorized = await login({ grant_type: 'password', username: 'emilys', password: 'wrong-password' });
    expect(unauthorized.status).toBe(401);
    problem(unauthorized.body, 401);
    const { body } = await login({ grant_type: 'password', username: 'emilys', password: 'emilyspass' });
    const forbidden = await t.http.get('/admin').set('Authorization', `Bearer ${body.access_token}`);
    expect(forbidden.status).toBe(403);
    problem(forbidden.body, 403);
    const missing = await t.http.get('/api/auth/nothing-here');
    expect(missing.status).toBe(404);
    problem(missing.body, 404);
    const failed = await login({ grant_type: 'password', username: broken.username, password: 'whatever-1' });
    expect(failed.status).toBe(500);
    problem(failed.body, 500);
    expect(JSON.stringify(failed.body)).not.toMatch(/disk on fire/);
  });

  it('a validation error is a separate 422 ProblemDetail listing the fields', async () => {
    const res = await login({ grant_type: 'password', username: 'emilys' });
    expect(res.status).toBe(422);
    problem(res.body, 422);
    expect(res.body.title).toBe('Unprocessable Entity');
    expect(res.body.errors).toEqual([{ field: 'password', message: 'is required' }]);
    // The JSON routes follow the same setting.
    const json = await t.http.post('/api/auth/refresh').send({ refreshToken: 42 });
    expect(json.status).toBe(422);
  });
});
