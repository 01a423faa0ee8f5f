import { createTestApp, type TestApp } from '../../fixtures/create-test-app.js';
import { claims, setCookies } from './helpers.js';

/**
 * Seed 000 (DummyJSON auth): login with username/password/expiresInMins answers the user's fields
 * plus accessToken and refreshToken, also set as cookies; /auth/me by Bearer or cookie; refresh by
 * body or cookie with expiresInMins, answering the two tokens. Options only (docs/recipes.md).
 */
describe('API style 000: DummyJSON', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      options: {
        accessTokenType: 'both',
        cookies: { names: { access: 'accessToken', refresh: 'refreshToken' }, csrf: false, secure: false },
        responses: {
          tokenBody: (body, { route, user }) =>
            route === 'refresh'
              ? { accessToken: body.accessToken, refreshToken: body.refreshToken }
              : { ...user, accessToken: body.accessToken, refreshToken: body.refreshToken },
        },
      },
    });
  });
  afterAll(() => t.close());

  it('POST /auth/login {username, password, expiresInMins} → user fields + tokens, also as cookies', async () => {
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass', expiresInMins: 30 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: 'emilys', email: 'emily.johnson@example.com', firstName: 'Emily', lastName: 'Johnson' });
    expect(typeof res.body.id).toBe('string');
    expect(typeof res.body.accessToken).toBe('string');
    expect(typeof res.body.refreshToken).toBe('string');
    const jwt = claims(res.body.accessToken);
    expect(Number(jwt['exp']) - Number(jwt['iat'])).toBe(30 * 60);
    const cookies = setCookies(res);
    expect(cookies['accessToken']?.value).toBe(res.body.accessToken);
    expect(cookies['refreshToken']?.value).toBe(res.body.refreshToken);
    expect(cookies['accessToken']?.line).toMatch(/HttpOnly/i);
  });

  it('GET /auth/me by Bearer header, or by the cookie alone', async () => {
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const byHeader = await t.http.get('/auth/me').set('Authorization', `Bearer ${login.body.accessToken}`);
    expect(byHeader.status).toBe(200);
    expect(byHeader.body).toMatchObject({ username: 'emilys', firstName: 'Emily', lastName: 'Johnson' });
    const byCookie = await t.http.get('/auth/me').set('Cookie', `accessToken=${login.body.accessToken}`);
    expect(byCookie.status).toBe(200);
    expect(byCookie.body.username).toBe('emilys');
  });

  it('POST /auth/refresh {refreshToken, expiresInMins} → { accessToken, refreshToken }, also as cookies', async () => {
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const res = await t.http.post('/auth/refresh').send({ refreshToken: login.body.refreshToken, expiresInMins: 30 });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'refreshToken']);
    expect(res.body.refreshToken).not.toBe(login.body.refreshToken);
    const jwt = claims(res.body.accessToken);
    expect(Number(jwt['exp']) - Number(jwt['iat'])).toBe(30 * 60);
    expect(setCookies(res)['refreshToken']?.value).toBe(res.body.refreshToken);
  });

  it('POST /auth/refresh with no body uses the refresh cookie', async () => {
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const res = await t.http.post('/auth/refresh').set('Cookie', `refreshToken=${login.body.refreshToken}`);
    expect(res.status).toBe(200);
    expect(typeof res.body.accessToken).toBe('string');
  });
});
