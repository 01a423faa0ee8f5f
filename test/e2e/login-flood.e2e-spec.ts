import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Argon2idPasswordHasher, PASSWORD_HASHER, type AuthUser, type PasswordHasher } from '../../lib/index.js';
import { BoundedPasswordHasher } from '../../lib/crypto/bounded-password-hasher.js';
import { createTestApp, hashOnce, type TestApp } from '../fixtures/create-test-app.js';
import { TestOutbox } from '../fixtures/outbox.js';

/**
 * The real argon2id hasher, except that verifications and hashes (after start-up) wait until the test
 * opens the gate: a stand-in for a CPU that is busy hashing, without timing anything.
 */
class GatedHasher implements PasswordHasher {
  private readonly real = new Argon2idPasswordHasher();
  private readonly waiting: (() => void)[] = [];
  private open = true;
  /** Operations that reached this hasher (i.e. were not refused before it). */
  started = 0;

  close(): void {
    this.open = false;
  }

  release(): void {
    this.open = true;
    for (const resume of this.waiting.splice(0)) resume();
  }

  async hash(password: string): Promise<string> {
    await this.gate();
    return this.real.hash(password);
  }

  async verify(encoded: string, password: string): Promise<boolean> {
    await this.gate();
    return this.real.verify(encoded, password);
  }

  needsRehash(encoded: string): boolean {
    return this.real.needsRehash(encoded);
  }

  private async gate(): Promise<void> {
    this.started++;
    if (!this.open) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
}

/** Waits (without any time limit of its own) until `condition` holds; Jest's timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const BUSY = {
  type: 'about:blank',
  title: 'Service Unavailable',
  status: 503,
  detail: 'Too many sign-ins are being processed; retry shortly.',
  code: 'AUTH_BUSY',
};

describe('login flood: password hashing is bounded, the excess is shed with 503 before any lookup', () => {
  let t: TestApp;
  let gated: GatedHasher;
  let base: string;

  async function start(concurrency: number, queue: number, extraUsers: AuthUser[] = []): Promise<void> {
    gated = new GatedHasher();
    // MFA configured (no demo user enrolled), so that its routes exist: MFA disable hashes too.
    const mfa = { methods: ['email' as const], senders: { email: new TestOutbox() } };
    t = await createTestApp({ options: { passwordHasher: gated, passwordHashing: { concurrency, queue }, mfa }, extraUsers });
    // Listening once: a burst of supertest requests must share one server address.
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    // The dummy hash of start-up is done before any test closes the gate.
    await until(() => t.app.get(BoundedPasswordHasher).inFlight === 0);
    gated.started = 0;
  }
  afterEach(async () => {
    gated.release();
    await t.close();
  });

  const login = (username = 'emilys', password = 'emilyspass') =>
    request(base)
      .post('/auth/login')
      .send({ username, password })
      .then((res) => res);

  it('with concurrency 1 and queue 2, a burst of 10 logins: exactly 7 get 503 AUTH_BUSY + Retry-After at once, 3 succeed', async () => {
    await start(1, 2);
    gated.close();
    const answered: number[] = [];
    const burst = Array.from({ length: 10 }, () =>
      login().then((res) => {
        answered.push(res.status);
        return res;
      }),
    );
    // The shed ones are answered while the admitted ones still wait for the (closed) hasher.
    await until(() => answered.length === 7);
    expect(answered).toEqual(Array(7).fill(503));
    expect(gated.started).toBe(1);
    expect(t.app.get(BoundedPasswordHasher).inFlight).toBe(3);
    gated.release();
    const results = await Promise.all(burst);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 503, 503, 503, 503, 503, 503, 503]);
    // No 5xx other than the 503s of the shed logins, and those are problem+json with Retry-After.
    for (const res of results.filter((r) => r.status === 503)) {
      expect(res.body).toEqual(BUSY);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(gated.started).toBe(3);
  });

  it('a shed login says nothing about the account: unknown and known users get the same 503, no store is read', async () => {
    await start(1, 0);
    gated.close();
    const holder = login();
    await until(() => gated.started === 1);
    let lookups = 0;
    for (const name of ['findByUsername', 'findByEmail'] as const) {
      const original = t.users[name].bind(t.users);
      t.users[name] = (value: string) => {
        lookups++;
        return original(value);
      };
    }
    const known = await login('emilys', 'wrong-password');
    const unknown = await login('no-such-user', 'wrong-password');
    const unknownMail = await request(base).post('/auth/login').send({ email: 'nobody@example.com', password: 'wrong-password' });
    for (const res of [known, unknown, unknownMail]) {
      expect(res.status).toBe(503);
      expect(res.body).toEqual(known.body);
      expect(res.headers['retry-after']).toBe(known.headers['retry-after']);
      expect(res.headers['content-type']).toBe(known.headers['content-type']);
    }
    expect(lookups).toBe(0);
    gated.release();
    expect((await holder).status).toBe(200);
  });

  it('shed logins do not count against the account: it is not locked by a flood it never had checked', async () => {
    await start(1, 0);
    gated.close();
    const holder = login();
    await until(() => gated.started === 1);
    const shed = await Promise.all(Array.from({ length: 10 }, () => login('emilys', 'wrong-password')));
    expect(shed.map((r) => r.status)).toEqual(Array(10).fill(503));
    gated.release();
    expect((await holder).status).toBe(200);
    // The 5 failures the account allows are all still there.
    for (let i = 0; i < 5; i++) expect((await login('emilys', 'wrong-password')).status).toBe(401);
    expect((await login('emilys', 'wrong-password')).status).toBe(429);
  });

  it('guarded GETs keep answering while 20 logins are queued for the hasher; then every queued login completes', async () => {
    // 21 accounts: the attempt limit of one account would refuse most of a burst on it with 429.
    const passwordHash = await hashOnce('emilyspass');
    const crowd = Array.from({ length: 21 }, (_, i): AuthUser => ({
      id: `u-crowd-${i}`,
      username: `crowd-${i}`,
      email: `crowd-${i}@example.com`,
      passwordHash,
      roles: ['user'],
      mfaEnabled: false,
      mfaMethods: [],
    }));
    await start(1, 20, crowd);
    const { accessToken } = await t.login();
    gated.close();
    let settled = 0;
    const queued = crowd.map((user) =>
      login(user.username).then((res) => {
        settled++;
        return res;
      }),
    );
    await until(() => t.app.get(BoundedPasswordHasher).inFlight === 21);
    expect(gated.started).toBe(1 + 1); // the login above, then the one running now
    for (let i = 0; i < 20; i++) {
      const res = await request(base).get('/protected').set('Authorization', `Bearer ${accessToken}`);
      expect(res.status).toBe(200);
    }
    // Every GET was answered before any of the queued logins.
    expect(settled).toBe(0);
    gated.release();
    const results = await Promise.all(queued);
    expect(results.map((r) => r.status)).toEqual(Array(21).fill(200));
  });

  it('the OAuth token endpoint answers a shed password grant with temporarily_unavailable', async () => {
    await start(1, 0);
    gated.close();
    const holder = login();
    await until(() => gated.started === 1);
    const res = await request(base)
      .post('/auth/token')
      .type('form')
      .send({ grant_type: 'password', username: 'emilys', password: 'emilyspass' });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ ...BUSY, error: 'temporarily_unavailable', error_description: BUSY.detail });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    gated.release();
    await holder;
  });

  it('every hashing use case is bounded: registration, password change and MFA disable are shed alike', async () => {
    await start(1, 0);
    const { accessToken } = await t.login();
    gated.close();
    const holder = login();
    await until(() => gated.started > 0);
    const bearer = { Authorization: `Bearer ${accessToken}` };
    const register = await request(base)
      .post('/auth/register')
      .send({ username: 'newcomer', email: 'newcomer@example.com', password: 'a-long-password' });
    const change = await request(base)
      .post('/auth/password/change')
      .set(bearer)
      .send({ currentPassword: 'emilyspass', newPassword: 'another-long-password' });
    const disable = await request(base).post('/auth/mfa/disable').set(bearer).send({ method: 'totp', password: 'emilyspass' });
    for (const res of [register, change, disable]) {
      expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 503, body: BUSY });
    }
    expect(await t.users.findByUsername('newcomer')).toBeNull();
    gated.release();
    expect((await holder).status).toBe(200);
    // The password did not change.
    await t.login('emilys', 'emilyspass');
  });

  it('PASSWORD_HASHER is the bounded hasher around the configured one, so an app’s own hashing shares the budget', async () => {
    await start(1, 0);
    const hasher = t.app.get<PasswordHasher>(PASSWORD_HASHER);
    expect(hasher).toBeInstanceOf(BoundedPasswordHasher);
    expect((hasher as BoundedPasswordHasher).inner).toBe(gated);
  });
});
