import { PASSWORD_HASHER, type PasswordHasher } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

describe('no user enumeration at login', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('same status, body and headers for an unknown user and a wrong password', async () => {
    const unknown = await t.http.post('/auth/login').send({ username: 'no-such-user', password: 'whatever-pass' });
    const wrong = await t.http.post('/auth/login').send({ username: 'emilys', password: 'whatever-pass' });
    const unknownMail = await t.http.post('/auth/login').send({ email: 'nobody@example.com', password: 'whatever-pass' });
    for (const res of [unknown, wrong, unknownMail]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        detail: 'Invalid credentials.',
        code: 'INVALID_CREDENTIALS',
      });
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['content-type']).toBe(wrong.headers['content-type']);
    }
  });

  it('the email field looks up e-mails only; the username field accepts either', async () => {
    await t.http.post('/auth/login').send({ email: 'emilys', password: 'emilyspass' }).expect(401);
    await t.http.post('/auth/login').send({ email: 'emily.johnson@example.com', password: 'emilyspass' }).expect(200);
    await t.http.post('/auth/login').send({ username: 'emily.johnson@example.com', password: 'emilyspass' }).expect(200);
  });

  it('an unknown user costs a full password verification (against a dummy hash)', async () => {
    const hasher = t.app.get<PasswordHasher>(PASSWORD_HASHER);
    const calls: string[] = [];
    const original = hasher.verify.bind(hasher);
    hasher.verify = async (encoded, password) => {
      calls.push(encoded);
      return original(encoded, password);
    };
    try {
      await t.http.post('/auth/login').send({ username: 'no-such-user', password: 'whatever-pass' }).expect(401);
      await t.http.post('/auth/login').send({ username: 'emilys', password: 'whatever-pass' }).expect(401);
    } finally {
      hasher.verify = original;
    }
    expect(calls).toHaveLength(2);
    // the dummy hash has the same argon2id parameters as real ones, so it costs the same
    expect(calls[0]).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(calls[1]).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
