import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import {
  MemoryUserStore,
  MFA_ENROLMENT_STORE,
  MfaEnrolmentService,
  USER_STORE,
  type MfaEnrolmentStore,
  type UserStore,
} from '../../lib/index.js';
import { DEMO_TOTP_SECRET, DEMO_USERS, seedDemoUsers } from '../../sample-app/src/seed.js';
import { startSampleApp, type SampleApp } from '../fixtures/sample-app.js';

const silent = { log: () => undefined };

/** The demo users as the user store has them: username → { email, emailVerified, roles, mfaMethods }. */
async function storedDemoUsers(users: UserStore) {
  const found: Record<string, { email: string; emailVerified: boolean | undefined; roles: string[]; mfaMethods: string[] } | null> = {};
  for (const demo of DEMO_USERS) {
    const user = await users.findByUsername(demo.username);
    found[demo.username] = user && { email: user.email, emailVerified: user.emailVerified, roles: user.roles, mfaMethods: user.mfaMethods };
  }
  return found;
}

/** Logs in with a password; expects the MFA step and returns its body. */
async function pendingLogin(sample: SampleApp, username: string, password: string) {
  const res = await sample.http.post('/auth/login').send({ username, password });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ isRequiresMfa: true, mfaToken: expect.any(String) });
  expect(res.body).not.toHaveProperty('accessToken');
  return res.body as { mfaMethods: string[]; defaultMfaMethod: string; mfaToken: string };
}

/** Completes a pending login and checks that the token works on `/auth/me`. */
async function verifyAndCallMe(sample: SampleApp, body: Record<string, unknown>, username: string) {
  const verified = await sample.http.post('/auth/mfa/verify').send(body);
  expect(verified.status).toBe(200);
  expect(verified.body).toMatchObject({ isRequiresMfa: false, tokenType: 'Bearer', accessToken: expect.any(String) });
  const me = await sample.http.get('/auth/me').set('Authorization', `Bearer ${verified.body.accessToken as string}`);
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ username, mfaEnabled: true });
  return me.body as { mfaMethods: string[] };
}

describe('sample app: the seeded demo users (CONTRACT §7), on an SQLite file, over two starts', () => {
  let dir: string;
  let databaseUrl: string;
  let sample: SampleApp | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(os.tmpdir(), 'gatekeeper-seed-'));
    databaseUrl = `sqlite:${join(dir, 'sample.sqlite')}`;
  });

  afterAll(async () => {
    await sample?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const totpCode = (app: SampleApp) => TOTP.generate({ secret: Secret.fromBase32(DEMO_TOTP_SECRET), timestamp: app.clock.now() });

  it('the first start creates the four demo users with verified e-mail addresses, two of them with their second factor', async () => {
    sample = await startSampleApp({ DATABASE_URL: databaseUrl });
    expect(await storedDemoUsers(sample.app.get<UserStore>(USER_STORE))).toEqual({
      emilys: { email: 'emily.johnson@example.com', emailVerified: true, roles: ['user'], mfaMethods: [] },
      admin: { email: 'admin@example.com', emailVerified: true, roles: ['admin', 'user'], mfaMethods: [] },
      'totp.user': { email: 'totp@example.com', emailVerified: true, roles: ['user'], mfaMethods: ['totp'] },
      'email.user': { email: 'email@example.com', emailVerified: true, roles: ['user'], mfaMethods: ['email'] },
    });
  });

  it('emilys and admin log in without a second factor', async () => {
    for (const [username, password] of [
      ['emilys', 'emilyspass'],
      ['admin', 'adminpass123'],
    ]) {
      const res = await sample!.http.post('/auth/login').send({ username, password });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ isRequiresMfa: false, accessToken: expect.any(String) });
    }
  });

  it('totp.user logs in through the MFA step with a code of the secret JBSWY3DPEHPK3PXP', async () => {
    const pending = await pendingLogin(sample!, 'totp.user', 'totppass123');
    expect(pending).toMatchObject({ mfaMethods: ['totp'], defaultMfaMethod: 'totp' });
    // No e-mail for a TOTP login.
    expect(sample!.outbox.list('totp@example.com')).toEqual([]);
    const me = await verifyAndCallMe(sample!, { mfaToken: pending.mfaToken, method: 'totp', code: totpCode(sample!) }, 'totp.user');
    expect(me.mfaMethods).toEqual(['totp']);
  });

  it('email.user logs in through the MFA step with the code from GET /dev/outbox', async () => {
    const pending = await pendingLogin(sample!, 'email.user', 'emailpass123');
    expect(pending).toMatchObject({ mfaMethods: ['email'], defaultMfaMethod: 'email' });
    const outbox = await sample!.http.get('/dev/outbox').query({ to: 'email@example.com' });
    expect(outbox.body).toHaveLength(1);
    const me = await verifyAndCallMe(
      sample!,
      { mfaToken: pending.mfaToken, method: 'email', code: outbox.body[0].code as string },
      'email.user',
    );
    expect(me.mfaMethods).toEqual(['email']);
  });

  it('a second start on the same database changes nothing: no duplicate, the TOTP secret is not re-enrolled', async () => {
    const first = sample!;
    const users = first.app.get<UserStore>(USER_STORE);
    const before = await storedDemoUsers(users);
    const totpUser = await users.findByUsername('totp.user');
    // The secret is encrypted with a random IV: a new enrolment would change the stored value.
    const stateBefore = await first.app.get<MfaEnrolmentStore>(MFA_ENROLMENT_STORE).getState(totpUser!.id);
    expect(stateBefore.totpSecret).toEqual(expect.any(String));
    await first.close();
    sample = undefined;

    sample = await startSampleApp({ DATABASE_URL: databaseUrl });
    const again = sample.app.get<UserStore>(USER_STORE);
    expect(await storedDemoUsers(again)).toEqual(before);
    expect((await again.findByUsername('totp.user'))?.id).toBe(totpUser!.id);
    const stateAfter = await sample.app.get<MfaEnrolmentStore>(MFA_ENROLMENT_STORE).getState(totpUser!.id);
    expect(stateAfter).toEqual(stateBefore);

    // And seeding once more in the running app is a no-op.
    const result = await seedDemoUsers({ users: again, mfa: sample.app.get(MfaEnrolmentService), logger: silent });
    expect(result).toEqual({ created: 0, enrolled: 0 });
    expect(await sample.app.get<MfaEnrolmentStore>(MFA_ENROLMENT_STORE).getState(totpUser!.id)).toEqual(stateBefore);
  });

  it('after the restart both MFA users still log in through the MFA step', async () => {
    // The code of the first start's step was used; a TOTP step is accepted once only.
    sample!.clock.advance(60_000);
    const totp = await pendingLogin(sample!, 'totp.user', 'totppass123');
    await verifyAndCallMe(sample!, { mfaToken: totp.mfaToken, method: 'totp', code: totpCode(sample!) }, 'totp.user');

    const email = await pendingLogin(sample!, 'email.user', 'emailpass123');
    const [latest] = sample!.outbox.list('email@example.com');
    await verifyAndCallMe(sample!, { mfaToken: email.mfaToken, method: 'email', code: latest.code }, 'email.user');
  });

  it('a demo user that lost its second factor gets it back at the next seeding; the others are left alone', async () => {
    const users = sample!.app.get<UserStore>(USER_STORE);
    const emailUser = await users.findByUsername('email.user');
    await users.setMfaMethods(emailUser!.id, []);
    const lines: string[] = [];
    const result = await seedDemoUsers({
      users,
      mfa: sample!.app.get(MfaEnrolmentService),
      logger: { log: (line: unknown) => void lines.push(String(line)) },
    });
    expect(result).toEqual({ created: 0, enrolled: 1 });
    expect(lines).toEqual(["Enabled e-mail codes for demo user 'email.user'"]);
    expect((await users.findByUsername('email.user'))?.mfaMethods).toEqual(['email']);
  });
});

describe('sample app: the demo users are seeded with verified e-mail addresses', () => {
  /** A hasher that costs nothing (argon2id is not what these tests are about). */
  const hasher = { hash: (password: string) => Promise.resolve(`plain:${password}`), verify: () => Promise.resolve(true) };
  const mfa = { enrolTotpSecret: () => Promise.resolve(), enableMethod: () => Promise.resolve() };

  it('creates every demo user with emailVerified (on a store that keeps it)', async () => {
    const users = new MemoryUserStore();
    await seedDemoUsers({ users, mfa: mfa, logger: silent, hasher: hasher });
    for (const demo of DEMO_USERS) expect((await users.findByUsername(demo.username))?.emailVerified).toBe(true);
  });

  it('marks an existing demo user that still has its demo address verified; one with another address is left alone', async () => {
    const users = new MemoryUserStore();
    await users.create({ username: 'emilys', email: 'emily.johnson@example.com', passwordHash: 'x', roles: ['user'] });
    await users.create({ username: 'admin', email: 'someone.else@example.com', passwordHash: 'x', roles: ['admin', 'user'] });
    const lines: string[] = [];
    const result = await seedDemoUsers({
      users,
      mfa: mfa,
      logger: { log: (line: unknown) => void lines.push(String(line)) },
      hasher: hasher,
    });
    expect(result.created).toBe(2);
    expect(lines).toContain("Marked the e-mail of demo user 'emilys' verified");
    expect((await users.findByUsername('emilys'))?.emailVerified).toBe(true);
    expect((await users.findByUsername('admin'))?.emailVerified).toBe(false);
    expect((await users.findByUsername('admin'))?.passwordHash).toBe('x');
  });
});
