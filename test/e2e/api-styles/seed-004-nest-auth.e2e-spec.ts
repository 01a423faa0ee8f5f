import { createTestApp, type TestApp } from '../../fixtures/create-test-app.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../../fixtures/mfa-app.js';
import { setCookies } from './helpers.js';

/**
 * Seed 004 (a Nest auth library): POST /auth/refresh-token answers tokens + message + the MFA fields
 * in header mode, cookies + message in cookie mode. Options only (docs/recipes.md).
 */
const routes = { refresh: 'refresh-token' };
const responses = { messages: { login: 'Login successful', refresh: 'Token refreshed successfully' } };

describe('API style 004: /auth/refresh-token in header mode', () => {
  let t: MfaTestApp;
  beforeAll(async () => {
    t = await createMfaTestApp({ options: { responses }, extras: { routes } });
  });
  afterAll(() => t.close());

  it('answers accessToken, refreshToken, message and isRequiresMfa', async () => {
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(login.body).toMatchObject({ message: 'Login successful', isRequiresMfa: false });
    const res = await t.http.post('/auth/refresh-token').send({ refreshToken: login.body.refreshToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      message: 'Token refreshed successfully',
      isRequiresMfa: false,
    });
  });

  it('a login with a second factor answers the MFA fields (isRequiresMfa, mfaMethods, defaultMfaMethod)', async () => {
    const res = await t.http.post('/auth/login').send({ username: MFA_USERS.email.username, password: MFA_USERS.email.password });
    expect(res.body).toMatchObject({ isRequiresMfa: true, mfaMethods: expect.arrayContaining(['email']), defaultMfaMethod: 'email' });
    expect(res.body.accessToken).toBeUndefined();
  });
});

describe('API style 004: /auth/refresh-token in cookie mode', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ options: { accessTokenType: 'cookie', cookies: { secure: false }, responses }, extras: { routes } });
  });
  afterAll(() => t.close());

  it('sets new cookies and answers the message, no token in the body', async () => {
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const cookies = setCookies(login);
    const res = await t.http
      .post('/auth/refresh-token')
      .set('Cookie', `refresh_token=${cookies['refresh_token'].value}; csrf_token=${cookies['csrf_token'].value}`)
      .set('X-CSRF-Token', cookies['csrf_token'].value);
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Token refreshed successfully');
    expect(res.body.accessToken).toBeUndefined();
    expect(res.body.refreshToken).toBeUndefined();
    expect(setCookies(res)['access_token']?.line).toMatch(/HttpOnly/i);
  });
});
