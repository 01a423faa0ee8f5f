import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

describe.each([false, true])('login (forRootAsync: %s)', (async) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ async });
  });
  afterAll(() => t.close());

  it('logs in by username and returns the token response', async () => {
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, isRequiresMfa: false, message: 'Login successful.' });
    expect(res.body.user).toEqual({
      id: 'u-emily',
      username: 'emilys',
      email: 'emily.johnson@example.com',
      roles: ['user'],
      mfaEnabled: false,
      mfaMethods: [],
      emailVerified: false,
      firstName: 'Emily',
      lastName: 'Johnson',
    });
    const me = await t.http.get('/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
    expect(me.body.username).toBe('emilys');
    expect(JSON.stringify(me.body)).not.toMatch(/argon2|passwordHash/);
  });
});
