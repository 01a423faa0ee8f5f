/**
 * Account takeover and abuse through the account lifecycle, found by an attacker-side review: each
 * test replays the attack and expects it to fail (each failed before its defence).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { ServerResponse } from 'node:http';
import type { Response } from 'supertest';
import { AccountMailer } from '../../lib/account/account-mailer.js';
import { RATE_LIMIT_STORE, type AuthMessage, type AuthModuleOptions } from '../../lib/index.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';

const EMILY = 'emily.johnson@example.com';
const TOTP = MFA_USERS.totp;

function problem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.body.code).toBe(code);
}

describe('account lifecycle: takeover and abuse', () => {
  let t: MfaTestApp;
  afterEach(() => t.close());
  const open = (options: Partial<AuthModuleOptions> = {}): Promise<MfaTestApp> => createMfaTestApp({ options });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it("e-mail change hijack: a change asked with a stolen password and session dies with the owner's reset", async () => {
    t = await open();
    // Attacker holds a session and knows the password (phished), asks to move the account to their address.
    const attacker = await t.login();
    const change = await t.http
      .post('/auth/email/change')
      .set(bearer(attacker.accessToken))
      .send({ newEmail: 'attacker@evil.example', password: 'emilyspass' });
    expect(change.status).toBe(202);
    const confirm = await t.outbox.next('attacker@evil.example', 'email-change');
    await t.outbox.next(EMILY, 'email-change-notice'); // "If this was not you, change your password now."
    // The owner follows the advice and resets the password.
    expect((await t.http.post('/auth/password/forgot').send({ email: EMILY })).status).toBe(202);
    const resetToken = (await t.outbox.next(EMILY, 'password-reset')).code;
    expect((await t.http.post('/auth/password/reset').send({ token: resetToken, newPassword: 'owner-new-passphrase' })).status).toBe(200);
    // The attacker's confirmation link is dead: the account keeps its address.
    problem(await t.http.post('/auth/email/verify').send({ token: confirm.code }), 400, 'VERIFICATION_TOKEN_INVALID');
    expect((await t.users.findById('u-emily'))?.email).toBe(EMILY);
  });

  it.each([
    [
      'a password change',
      (t: MfaTestApp, token: string) =>
        t.http
          .post('/auth/password/change')
          .set(bearer(token))
          .send({ currentPassword: 'emilyspass', newPassword: 'owner-new-passphrase' }),
    ],
    [
      'logging out everywhere',
      (t: MfaTestApp, token: string) => t.http.post('/auth/logout').set(bearer(token)).send({ allSessions: true }),
    ],
  ] as const)('e-mail change hijack: the pending change dies with %s', async (_what, act) => {
    t = await open();
    const attacker = await t.login();
    await t.http
      .post('/auth/email/change')
      .set(bearer(attacker.accessToken))
      .send({ newEmail: 'attacker@evil.example', password: 'emilyspass' });
    const confirm = await t.outbox.next('attacker@evil.example', 'email-change');
    const owner = await t.login();
    expect((await act(t, owner.accessToken)).status).toBe(200);
    problem(await t.http.post('/auth/email/verify').send({ token: confirm.code }), 400, 'VERIFICATION_TOKEN_INVALID');
  });

  it('mailbox-only takeover of a TOTP account: after a sign-in code, an e-mail code is no second factor', async () => {
    t = await open({ loginCode: { enabled: true } });
    await t.enrolment.enableMethod(TOTP.id, 'email'); // TOTP (default) + e-mail codes
    // Attacker controls only the mailbox.
    expect((await t.http.post('/auth/login/code/send').send({ email: TOTP.email })).status).toBe(202);
    const code = (await t.outbox.next(TOTP.email, 'login-code')).code;
    const first = await t.http.post('/auth/login/code').send({ email: TOTP.email, code });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ isRequiresMfa: true, defaultMfaMethod: 'totp' });
    expect(first.body.mfaMethods).not.toContain('email');
    // A second "factor" from the same mailbox is refused.
    problem(await t.http.post('/auth/mfa/send').send({ mfaToken: first.body.mfaToken, method: 'email' }), 400, 'MFA_METHOD_UNAVAILABLE');
    const done = await t.http.post('/auth/mfa/verify').send({ mfaToken: first.body.mfaToken, method: 'email', code: '123456' });
    problem(done, 400, 'MFA_METHOD_UNAVAILABLE');
    // The authenticator still completes it.
    const totp = await t.http.post('/auth/mfa/verify').send({ mfaToken: first.body.mfaToken, method: 'totp', code: t.totpCode() });
    expect(totp.status).toBe(200);
  });

  it('links and codes mailed to the old address die with a confirmed e-mail change', async () => {
    t = await open({ loginCode: { enabled: true } });
    // Someone with the old mailbox (e.g. the address the owner is leaving because it is compromised) asks first.
    expect((await t.http.post('/auth/password/forgot').send({ email: EMILY })).status).toBe(202);
    const oldReset = (await t.outbox.next(EMILY, 'password-reset')).code;
    expect((await t.http.post('/auth/login/code/send').send({ email: EMILY })).status).toBe(202);
    const oldLoginCode = (await t.outbox.next(EMILY, 'login-code')).code;
    // Owner moves the account to a new address and confirms it.
    const owner = await t.login();
    await t.http
      .post('/auth/email/change')
      .set(bearer(owner.accessToken))
      .send({ newEmail: 'emily.new@example.com', password: 'emilyspass' });
    const confirm = await t.outbox.next('emily.new@example.com', 'email-change');
    expect((await t.http.post('/auth/email/verify').send({ token: confirm.code })).status).toBe(200);
    problem(
      await t.http.post('/auth/password/reset').send({ token: oldReset, newPassword: 'old-mailbox-passphrase' }),
      400,
      'RESET_TOKEN_INVALID',
    );
    problem(await t.http.post('/auth/login/code').send({ email: 'emily.new@example.com', code: oldLoginCode }), 401, 'INVALID_CREDENTIALS');
  });

  it("account pre-hijacking: the owner's first sign-in code ends the squatter's session and password", async () => {
    t = await open({ loginCode: { enabled: true } });
    const victim = 'victim@example.com';
    expect(
      (await t.http.post('/auth/register').send({ username: 'squatter', email: victim, password: 'attacker-passphrase' })).status,
    ).toBe(201);
    const squat = await t.login('squatter', 'attacker-passphrase'); // verification optional (default)
    // The victim, who uses passwordless sign-in, signs in with a code to their mailbox.
    expect((await t.http.post('/auth/login/code/send').send({ email: victim })).status).toBe(202);
    const code = (await t.outbox.next(victim, 'login-code')).code;
    const signedIn = await t.http.post('/auth/login/code').send({ email: victim, code });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.emailVerified).toBe(true);
    problem(await t.http.get('/auth/sessions').set(bearer(squat.accessToken)), 401, 'ACCESS_TOKEN_INVALID');
    problem(await t.http.post('/auth/login').send({ username: 'squatter', password: 'attacker-passphrase' }), 401, 'INVALID_CREDENTIALS');
  });

  it("account pre-hijacking with verification required: the owner's sign-in code does not unlock the squatter's password", async () => {
    t = await open({ loginCode: { enabled: true }, emailVerification: { required: true } });
    const victim = 'victim@example.com';
    await t.http.post('/auth/register').send({ username: 'squatter', email: victim, password: 'attacker-passphrase' });
    problem(await t.http.post('/auth/login').send({ username: 'squatter', password: 'attacker-passphrase' }), 403, 'EMAIL_NOT_VERIFIED');
    await t.http.post('/auth/login/code/send').send({ email: victim });
    const code = (await t.outbox.next(victim, 'login-code')).code;
    expect((await t.http.post('/auth/login/code').send({ email: victim, code })).status).toBe(200);
    problem(await t.http.post('/auth/login').send({ username: 'squatter', password: 'attacker-passphrase' }), 401, 'INVALID_CREDENTIALS');
  });

  it('linking a username to an address through reset-code guesses: reset codes are taken with the e-mail only', async () => {
    t = await open({ passwordReset: { method: 'code' } });
    const res = await t.http
      .post('/auth/password/reset')
      .send({ username: 'emilys', token: '00000000', newPassword: 'a-brand-new-passphrase' });
    problem(res, 400, 'VALIDATION_FAILED');
  });

  it("enumeration by the sender's time: the message is built and sent after the response is written", async () => {
    t = await open();
    const events: string[] = [];
    const proto = ServerResponse.prototype as unknown as { end: (...args: unknown[]) => unknown };
    const originalEnd = proto.end;
    proto.end = function (this: ServerResponse, ...args: unknown[]) {
      events.push('response.end');
      return originalEnd.apply(this, args);
    };
    const originalSend = t.outbox.send.bind(t.outbox);
    t.outbox.send = (message: AuthMessage) => {
      events.push('sender.send');
      return originalSend(message);
    };
    try {
      expect((await t.http.post('/auth/password/forgot').send({ email: EMILY })).status).toBe(202);
      await t.app.get(AccountMailer).idle();
    } finally {
      proto.end = originalEnd;
    }
    expect(events).toEqual(['response.end', 'sender.send']);
  });

  it('enumeration by a failing template: a template that throws changes no answer', async () => {
    t = await open({
      accountEmails: {
        templates: {
          'password-reset': {
            text: (v) => {
              if (v.username.length > 0) throw new Error('template bug');
              return '';
            },
          },
        },
      },
    });
    expect((await t.http.post('/auth/password/forgot').send({ email: 'nobody.here@example.com' })).status).toBe(202);
    expect((await t.http.post('/auth/password/forgot').send({ email: EMILY })).status).toBe(202);
  });
  it('counter flooding: requests refused by the address limit create no per-account counters', async () => {
    t = await open({ accountEmails: { sendLimit: { perAddress: { max: 5, window: '15m' } } } });
    const counters = t.app.get<unknown, { counters: Map<string, unknown> }>(RATE_LIMIT_STORE).counters;
    for (let i = 0; i < 5; i++) await t.http.post('/auth/password/forgot').send({ email: `warm${i}@example.com` });
    const before = counters.size;
    for (let i = 0; i < 300; i++) {
      const res = await t.http.post('/auth/password/forgot').send({ email: `random-${i}-${'x'.repeat(50)}@example.com` });
      expect(res.status).toBe(429);
    }
    expect(counters.size - before).toBe(0);
  });
  it("owner lock-out through the reset step-up: wrong authenticator codes kill the link, not the owner's sign-in", async () => {
    t = await open();
    expect((await t.http.post('/auth/password/forgot').send({ email: TOTP.email })).status).toBe(202);
    const token = (await t.outbox.next(TOTP.email, 'password-reset')).code;
    const wrong = t.totpCode() === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) {
      problem(
        await t.http.post('/auth/password/reset').send({ token, newPassword: 'a-brand-new-passphrase', mfaCode: wrong }),
        401,
        'MFA_CODE_INVALID',
      );
    }
    // The link is dead now, even with the right code ...
    problem(
      await t.http.post('/auth/password/reset').send({ token, newPassword: 'a-brand-new-passphrase', mfaCode: t.totpCode() }),
      400,
      'RESET_TOKEN_INVALID',
    );
    // ... and the owner, with password and authenticator, still signs in.
    const pending = await t.loginBody(TOTP.username, TOTP.password);
    const verify = await t.http.post('/auth/mfa/verify').send({ mfaToken: pending.mfaToken, method: 'totp', code: t.totpCode() });
    expect(verify.status).toBe(200);
  });

  it('a login racing a reset: a session started with the old password does not survive the reset', async () => {
    t = await open();
    expect((await t.http.post('/auth/password/forgot').send({ email: EMILY })).status).toBe(202);
    const token = (await t.outbox.next(EMILY, 'password-reset')).code;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    const users = t.users as unknown as { findByUsername: (u: string) => Promise<unknown> };
    const original = users.findByUsername.bind(users);
    users.findByUsername = async (u: string) => {
      const user = await original(u);
      if (u === 'emilys') {
        reached();
        await gate; // the attacker's login (old password) is between its look-up and its hash check
      }
      return user;
    };
    const login = t.http
      .post('/auth/login')
      .send({ username: 'emilys', password: 'emilyspass' })
      .then((r) => r);
    await atGate;
    users.findByUsername = original;
    expect((await t.http.post('/auth/password/reset').send({ token, newPassword: 'owner-new-passphrase' })).status).toBe(200);
    release();
    const res = await login;
    problem(res, 401, 'INVALID_CREDENTIALS');
    await expect(t.sessions.listActiveByUser('u-emily', t.clock.now())).resolves.toEqual([]);
  });
  it('mail bombing through two identifiers: e-mail and username of one account share its send limit', async () => {
    t = await open();
    for (let i = 0; i < 5; i++) expect((await t.http.post('/auth/password/forgot').send({ email: EMILY })).status).toBe(202);
    problem(await t.http.post('/auth/password/forgot').send({ email: EMILY }), 429, 'TOO_MANY_REQUESTS');
    for (let i = 0; i < 5; i++) expect((await t.http.post('/auth/password/forgot').send({ username: 'emilys' })).status).toBe(202);
    await t.app.get(AccountMailer).idle();
    expect(t.outbox.count(EMILY, 'password-reset')).toBe(5);
  });
});
