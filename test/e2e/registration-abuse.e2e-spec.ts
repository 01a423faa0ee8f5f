import { Argon2idPasswordHasher, type PasswordHasher } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import { openSqlStores } from '../fixtures/sql-stores.js';

/** Registration from the attacker's side (issue 12, finding 6): sign-up floods and the 409 oracle. */
describe('registration abuse', () => {
  let t: TestApp;
  afterEach(() => t.close());

  const signUp = (i: number | string, address = '203.0.113.5') =>
    t.http
      .post('/auth/register')
      .set('X-Forwarded-For', address)
      .send({ username: `flood-${i}`, email: `flood-${i}@example.com`, password: 'a long enough password' });

  it('a sign-up flood from one address: of 30 parallel sign-ups 20 are created, 10 get 429 with Retry-After (no argon2 hash for them)', async () => {
    let hashes = 0;
    const argon2 = new Argon2idPasswordHasher();
    const hasher: PasswordHasher = {
      hash: (password) => {
        hashes++;
        return argon2.hash(password);
      },
      verify: (encoded, password) => argon2.verify(encoded, password),
    };
    t = await createTestApp({ options: { trustProxyHeaders: true, passwordHasher: hasher } });
    await t.http.get('/health'); // the dummy hash of unknown users is made at start-up
    const before = hashes;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => signUp(i)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    const refused = results.find((r) => r.status === 429);
    expect(refused?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(3000);
    expect(hashes - before).toBe(20);
    // Another address is not affected; the window ends after an hour.
    await signUp('other', '198.51.100.1').expect(201);
    t.clock.advanceSeconds(3601);
    await signUp('later').expect(201);
  });

  it('the limit is an option (registration.rateLimit)', async () => {
    t = await createTestApp({ options: { trustProxyHeaders: true, registration: { rateLimit: { max: 2, window: '10m' } } } });
    await signUp(1).expect(201);
    await signUp(2).expect(201);
    const res = await signUp(3).expect(429);
    expect(res.headers['retry-after']).toBe('600');
  });

  it('revealConflicts: false — a taken username or e-mail answers exactly like a fresh sign-up (202), and changes nothing', async () => {
    t = await createTestApp({ options: { registration: { revealConflicts: false } } });
    const fresh = await t.http
      .post('/auth/register')
      .send({ username: 'fresh', email: 'fresh@example.com', password: 'a long enough password' });
    const takenName = await t.http
      .post('/auth/register')
      .send({ username: 'EMILYS', email: 'x@example.com', password: 'a long enough password' });
    const takenMail = await t.http
      .post('/auth/register')
      .send({ username: 'someone', email: 'emily.johnson@example.com', password: 'a long enough password' });
    for (const res of [fresh, takenName, takenMail]) {
      expect(res.status).toBe(202);
      expect(res.body).toEqual(fresh.body);
      expect(Object.keys(res.headers).sort()).toEqual(Object.keys(fresh.headers).sort());
    }
    expect(fresh.body).toEqual({ message: expect.any(String) });
    // The fresh account works; the taken one still has its own password.
    await t.login('fresh', 'a long enough password');
    await t.login('emilys', 'emilyspass');
    expect(await t.users.findByUsername('someone')).toBeNull();
  });

  it('revealConflicts defaults to the contract: 201 with the user, 409 for a taken name', async () => {
    t = await createTestApp();
    await t.http
      .post('/auth/register')
      .send({ username: 'fresh', email: 'fresh@example.com', password: 'a long enough password' })
      .expect(201);
    await t.http
      .post('/auth/register')
      .send({ username: 'fresh', email: 'other@example.com', password: 'a long enough password' })
      .expect(409);
  });
});

describe('registration retried after a lost reply (Idempotency-Key)', () => {
  let t: TestApp;
  afterEach(() => t.close());
  const body = { username: 'retrier', email: 'retrier@example.com', password: 'a long enough password' };
  const register = (key: string | undefined, overrides: Record<string, string> = {}) => {
    const req = t.http.post('/auth/register');
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send({ ...body, ...overrides });
  };

  it('the same sign-up retried with its key gets its own account back (201), not 409', async () => {
    t = await createTestApp();
    const first = await register('k-123').expect(201);
    const retry = await register('k-123').expect(201);
    expect(retry.body).toEqual(first.body);
    expect(JSON.stringify(retry.body)).not.toMatch(/registrationKey/);
    await t.login('retrier', 'a long enough password');
  });

  it('without the key, with another key or another password, a taken name stays 409', async () => {
    t = await createTestApp();
    await register('k-123').expect(201);
    await register(undefined).expect(409);
    await register('k-other').expect(409);
    await register('k-123', { password: 'another long password' }).expect(409);
  });

  it('a malformed key is 400', async () => {
    t = await createTestApp();
    const res = await register('x'.repeat(256)).expect(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });
});

describe('registration retried after a lost reply, on PostgreSQL', () => {
  it('the retry with its key gets its own account back from the SQL user store', async () => {
    const sql = await openSqlStores('postgres', 'idempotent');
    const t = await createTestApp({ options: sql.options });
    try {
      const body = { username: 'sql-retrier', email: 'sql-retrier@example.com', password: 'a long enough password' };
      const first = await t.http.post('/auth/register').set('Idempotency-Key', 'abc').send(body).expect(201);
      const retry = await t.http.post('/auth/register').set('Idempotency-Key', 'abc').send(body).expect(201);
      expect(retry.body.user.id).toBe(first.body.user.id);
    } finally {
      await t.close();
      await sql.close();
    }
  });
});
