import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

describe('registration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('creates a user (201, public fields only) who can then log in by username or e-mail', async () => {
    const res = await t.http
      .post('/auth/register')
      .send({ username: 'NewUser', email: 'New.User@Example.com', password: 'correct horse battery' });
    expect(res.status).toBe(201);
    expect(res.body.user).toEqual({
      id: expect.any(String),
      username: 'newuser',
      email: 'new.user@example.com',
      roles: ['user'],
      mfaEnabled: false,
      mfaMethods: [],
      emailVerified: false,
    });
    const stored = await t.users.findByUsername('newuser');
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await t.login('newuser', 'correct horse battery');
    const byEmail = await t.http.post('/auth/login').send({ email: 'NEW.USER@example.com', password: 'correct horse battery' }).expect(200);
    expect(byEmail.body.user.username).toBe('newuser');
  });

  it('a taken username or e-mail is 409 CONFLICT (case-insensitively)', async () => {
    const dupName = await t.http
      .post('/auth/register')
      .send({ username: 'EMILYS', email: 'other@example.com', password: 'long enough pw' });
    expect(dupName.status).toBe(409);
    expect(dupName.body.code).toBe('CONFLICT');
    const dupMail = await t.http
      .post('/auth/register')
      .send({ username: 'someone', email: 'Emily.Johnson@example.com', password: 'long enough pw' });
    expect(dupMail.status).toBe(409);
  });

  it('a password shorter than the policy is refused', async () => {
    const res = await t.http
      .post('/auth/register')
      .send({ username: 'shorty', email: 'shorty@example.com', password: 'short' })
      .expect(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'password' })]);
  });
});
