import { slowCounters } from '../fixtures/slow-counters.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

describe('login brute force: lockout and address limits', () => {
  let t: TestApp;
  afterEach(() => t.close());
  const attempt = (password: string, username = 'emilys') => t.http.post('/auth/login').send({ username, password });

  it('lockout with Retry-After after 5 failures; the correct password then gets the same 429', async () => {
    t = await createTestApp();
    for (let i = 0; i < 5; i++) expect((await attempt('wrong-password')).status).toBe(401);
    const locked = await attempt('wrong-password');
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(locked.headers['retry-after'])).toBe(30);
    const correct = await attempt('emilyspass');
    expect(correct.status).toBe(429);
    expect(correct.body).toEqual(locked.body);
    // the lock ends; a correct login clears the count
    t.clock.advanceSeconds(31);
    await attempt('emilyspass').expect(200);
    for (let i = 0; i < 4; i++) await attempt('wrong-password').expect(401);
    await attempt('emilyspass').expect(200);
  });

  it('parallel guesses cannot get past the cap: of 20 concurrent wrong passwords at most 5 are checked, the rest get 429', async () => {
    t = await createTestApp({ options: { rateLimitStore: slowCounters() } });
    const results = await Promise.all(Array.from({ length: 20 }, () => attempt('wrong-password')));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    // Locked afterwards, even for the right password.
    const locked = await attempt('emilyspass');
    expect(locked.status).toBe(429);
    // After the lock exactly one more attempt is checked, even in a burst.
    t.clock.advanceSeconds(Number(locked.headers['retry-after']) + 1);
    const after = await Promise.all(Array.from({ length: 10 }, () => attempt('wrong-password')));
    expect(after.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('the back-off grows with every further failure, up to the maximum', async () => {
    t = await createTestApp({ options: { rateLimit: { account: { maxFailures: 2, lockout: '10s', maxLockout: '40s' } } } });
    await attempt('x').expect(401);
    await attempt('x').expect(401);
    expect((await attempt('x')).headers['retry-after']).toBe('10');
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      t.clock.advanceSeconds(Number((await attempt('x')).headers['retry-after']) + 1);
      const res = await attempt('x');
      expect(res.status).toBe(401); // after the wait the attempt is checked (and fails)...
      waits.push(Number((await attempt('x')).headers['retry-after'])); // ...and the lock is longer
    }
    expect(waits).toEqual([20, 40, 40, 40]);
  });

  it('an unknown account is locked exactly like a real one (no enumeration through lockout)', async () => {
    t = await createTestApp();
    const statuses = async (username: string) => {
      const out: number[] = [];
      for (let i = 0; i < 6; i++) out.push((await attempt('wrong-password', username)).status);
      return out;
    };
    expect(await statuses('nobody-here')).toEqual(await statuses('admin'));
  });

  it('successful logins are not counted (an office behind one address keeps working)', async () => {
    t = await createTestApp({ options: { rateLimit: { address: { max: 3, window: '15m' } } } });
    for (let i = 0; i < 10; i++) await attempt('emilyspass').expect(200);
  });

  it('failures per client address are limited across accounts', async () => {
    t = await createTestApp({ options: { rateLimit: { address: { max: 3, window: '15m' } } } });
    await attempt('x', 'user-a').expect(401);
    await attempt('x', 'user-b').expect(401);
    await attempt('x', 'user-c').expect(401);
    const res = await attempt('emilyspass', 'emilys');
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(800);
    t.clock.advanceSeconds(15 * 60 + 1);
    await attempt('emilyspass', 'emilys').expect(200);
  });

  it('password change attempts count against the account too', async () => {
    t = await createTestApp();
    const { accessToken } = await t.login();
    for (let i = 0; i < 5; i++) {
      await t.http
        .post('/auth/password/change')
        .set('Authorization', `Bearer ${accessToken}`)
        .send({ currentPassword: 'guess-' + i, newPassword: 'a-new-long-passphrase' })
        .expect(401);
    }
    const res = await t.http
      .post('/auth/password/change')
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ currentPassword: 'emilyspass', newPassword: 'a-new-long-passphrase' });
    expect(res.status).toBe(429);
  });
});
