import { createTestApp, type TestApp } from '../../fixtures/create-test-app.js';

/**
 * Seed 001 (a JWT store API): login with email/password → { access_token, refresh_token };
 * GET /auth/profile; POST /auth/refresh-token with { refreshToken }; 401 for bad credentials or
 * tokens, 403 for a missing role, 400 for a malformed body. Options only (docs/recipes.md).
 */
describe('API style 001: e-mail login, snake_case tokens, /profile, /refresh-token', () => {
  let t: TestApp;
  const base = '/api/v1/auth';
  beforeAll(async () => {
    t = await createTestApp({
      options: {
        loginIdentifiers: ['email'],
        responses: {
          tokenBody: (body) => ({ access_token: body.accessToken, refresh_token: body.refreshToken }),
          userBody: (user) => ({
            id: user.id,
            email: user.email,
            name: user['firstName'] ?? user.username,
            role: user.roles[0] ?? 'customer',
          }),
        },
      },
      extras: { routes: { prefix: 'api/v1/auth', me: 'profile', refresh: 'refresh-token' } },
    });
  });
  afterAll(() => t.close());

  const login = () => t.http.post(`${base}/login`).send({ email: 'emily.johnson@example.com', password: 'emilyspass' });

  it('POST /auth/login {email, password} → { access_token, refresh_token }', async () => {
    const res = await login();
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'refresh_token']);
  });

  it('GET /auth/profile with the Bearer access token → the profile', async () => {
    const { body } = await login();
    const res = await t.http.get(`${base}/profile`).set('Authorization', `Bearer ${body.access_token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: expect.any(String), email: 'emily.johnson@example.com', name: 'Emily', role: 'user' });
    expect(JSON.stringify(res.body)).not.toMatch(/password/i);
  });

  it('POST /auth/refresh-token {refreshToken} → a new { access_token, refresh_token }', async () => {
    const { body } = await login();
    const res = await t.http.post(`${base}/refresh-token`).send({ refreshToken: body.refresh_token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'refresh_token']);
    expect(res.body.refresh_token).not.toBe(body.refresh_token);
  });

  it('401 for invalid credentials, a missing or expired token; 403 for a missing role; 400 for a malformed body', async () => {
    expect((await t.http.post(`${base}/login`).send({ email: 'emily.johnson@example.com', password: 'wrong-password' })).status).toBe(401);
    expect((await t.http.get(`${base}/profile`)).status).toBe(401);
    expect((await t.http.get(`${base}/profile`).set('Authorization', 'Bearer not-a-jwt')).status).toBe(401);
    expect((await t.http.post(`${base}/refresh-token`).send({ refreshToken: 'expired-or-forged' })).status).toBe(401);
    const { body } = await login();
    expect((await t.http.get('/admin').set('Authorization', `Bearer ${body.access_token}`)).status).toBe(403);
    expect((await t.http.post(`${base}/login`).set('Content-Type', 'application/json').send('{"email":')).status).toBe(400);
    expect((await t.http.post(`${base}/login`).send({ email: 42, password: 'x' })).status).toBe(400);
    // Only e-mail logins: a username is refused.
    const byUsername = await t.http.post(`${base}/login`).send({ username: 'emilys', password: 'emilyspass' });
    expect(byUsername.status).toBe(400);
    expect(byUsername.body.errors).toEqual([{ field: 'username', message: 'log in with email' }]);
  });
});
