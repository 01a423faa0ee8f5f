import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { AccountMailer } from '../../lib/account/account-mailer.js';
import { MemoryAccountTokenStore, type AuthModuleOptions } from '../../lib/index.js';
import { cookieHeader, jarFrom } from '../fixtures/cookie-jar.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';
import { openSqlStores, type SqlStores } from '../fixtures/sql-stores.js';

const EMILY = 'emily.johnson@example.com';
const UNKNOWN = 'nobody.here@example.com';
const TOTP = MFA_USERS.totp;

function problem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

/** Headers that may differ between two answers of the same route without telling anything (time, length of an id…). */
function stableHeaders(res: Response): Record<string, unknown> {
  const { date: _date, etag: _etag, ...rest } = res.headers as Record<string, unknown>;
  return rest;
}

/** A store that counts its calls: requests for known and unknown accounts must do the same store work. */
function counted<T extends object>(store: T): { store: T; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls: () => calls };
}

describe('account lifecycle (header mode)', () => {
  let t: MfaTestApp;
  afterEach(() => t.close());

  const open = (options: Partial<AuthModuleOptions> = {}, mfa: Parameters<typeof createMfaTestApp>[0] = {}): Promise<MfaTestApp> =>
    createMfaTestApp({ ...mfa, options: { ...options, ...mfa.options } });
  const settle = (): Promise<void> => t.app.get(AccountMailer).idle();
  const forgot = (email: string) => t.http.post('/auth/password/forgot').send({ email });
  const reset = (body: Record<string, unknown>) => t.http.post('/auth/password/reset').send(body);
  const resetToken = async (email = EMILY, seen = 0): Promise<string> => {
    expect((await forgot(email)).status).toBe(202);
    return (await t.outbox.next(email, 'password-reset', seen)).code;
  };

  describe('forgot / reset password', () => {
    it('the reset flow: the link token sets a new password; the old one stops working, the new one works', async () => {
      t = await open({ links: { passwordReset: 'https://app.example.com/reset?token={token}' } });
      const res = await forgot(EMILY);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ message: expect.any(String) });
      const mail = await t.outbox.next(EMILY, 'password-reset');
      expect(mail).toMatchObject({ channel: 'email', subject: 'Reset your password', expiresInSeconds: 1800 });
      expect(mail.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(mail.text).toContain(`https://app.example.com/reset?token=${mail.code}`);
      const done = await reset({ token: mail.code, newPassword: 'a-brand-new-passphrase' });
      expect(done.status).toBe(200);
      expect(done.body).toEqual({ message: expect.any(String) });
      problem(await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }), 401, 'INVALID_CREDENTIALS');
      expect((await t.http.post('/auth/login').send({ username: 'emilys', password: 'a-brand-new-passphrase' })).status).toBe(200);
    });

    it('account enumeration by forgot-password: the same status, body and headers, and the same store work, for an unknown address', async () => {
      const tokens = counted(new MemoryAccountTokenStore());
      t = await open({ accountTokenStore: tokens.store });
      const before = tokens.calls();
      const known = await forgot(EMILY);
      const forKnown = tokens.calls() - before;
      const unknown = await forgot(UNKNOWN);
      expect(tokens.calls() - before - forKnown).toBe(forKnown);
      expect(forKnown).toBeGreaterThan(0);
      expect(unknown.status).toBe(known.status);
      expect(unknown.body).toEqual(known.body);
      expect(stableHeaders(unknown)).toEqual(stableHeaders(known));
      await settle();
      expect(t.outbox.count(UNKNOWN, 'password-reset')).toBe(0);
      expect(t.outbox.count(EMILY, 'password-reset')).toBe(1);
    });

    it('account enumeration by the send limit: the limit answers the same for an unknown address as for a known one', async () => {
      t = await open();
      for (const email of [EMILY, UNKNOWN]) {
        for (let i = 0; i < 5; i++) expect((await forgot(email)).status).toBe(202);
        const limited = await forgot(email);
        problem(limited, 429, 'TOO_MANY_REQUESTS');
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      }
    });

    it('reset flooding from one client address: the per-address send limit answers 429', async () => {
      t = await open({ accountEmails: { sendLimit: { perAddress: { max: 5, window: '15m' } } } });
      for (let i = 0; i < 5; i++) expect((await forgot(`user${i}@example.com`)).status).toBe(202);
      problem(await forgot('user9@example.com'), 429, 'TOO_MANY_REQUESTS');
    });

    it('token reuse: a used reset token is refused', async () => {
      t = await open();
      const token = await resetToken();
      expect((await reset({ token, newPassword: 'a-brand-new-passphrase' })).status).toBe(200);
      problem(await reset({ token, newPassword: 'another-new-passphrase' }), 400, 'RESET_TOKEN_INVALID');
    });

    it('concurrent reset: of 10 parallel resets with one token exactly one wins', async () => {
      t = await open();
      const token = await resetToken();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => reset({ token, newPassword: `parallel-passphrase-${i}` })));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 200)) problem(r, 400, 'RESET_TOKEN_INVALID');
      const winner = results.findIndex((r) => r.status === 200);
      expect((await t.http.post('/auth/login').send({ username: 'emilys', password: `parallel-passphrase-${winner}` })).status).toBe(200);
    });

    it('expired token: a reset token older than passwordReset.tokenTtl is refused', async () => {
      t = await open({ passwordReset: { tokenTtl: '30m' } });
      const token = await resetToken();
      t.clock.advance(30 * 60_000 + 1000);
      problem(await reset({ token, newPassword: 'a-brand-new-passphrase' }), 400, 'RESET_TOKEN_INVALID');
    });

    it('a rejected new password does not burn the link: the same token works afterwards', async () => {
      t = await open();
      const token = await resetToken();
      problem(await reset({ token, newPassword: 'short' }), 400, 'VALIDATION_FAILED');
      expect((await reset({ token, newPassword: 'a-long-enough-passphrase' })).status).toBe(200);
    });

    it('a newer token kills the older one', async () => {
      t = await open();
      const first = await resetToken(EMILY, 0);
      const second = await resetToken(EMILY, 1);
      expect(second).not.toBe(first);
      problem(await reset({ token: first, newPassword: 'a-brand-new-passphrase' }), 400, 'RESET_TOKEN_INVALID');
      expect((await reset({ token: second, newPassword: 'a-brand-new-passphrase' })).status).toBe(200);
    });

    it('a stolen session does not survive a reset: every session and trusted device of the user is revoked', async () => {
      t = await open();
      const login = await t.login();
      const totpLogin = await t.loginBody(TOTP.username, TOTP.password);
      const verified = await t.http
        .post('/auth/mfa/verify')
        .send({ mfaToken: totpLogin.mfaToken, method: 'totp', code: t.totpCode(), trustDevice: true });
      expect(verified.status).toBe(200);
      const token = await resetToken();
      expect((await reset({ token, newPassword: 'a-brand-new-passphrase' })).status).toBe(200);
      problem(await t.http.post('/auth/refresh').send({ refreshToken: login.refreshToken }), 401, 'REFRESH_TOKEN_INVALID');
      problem(await t.http.get('/auth/me').set('Authorization', `Bearer ${login.accessToken}`), 401, 'ACCESS_TOKEN_INVALID');
      // the TOTP user's trusted device goes with their own reset
      t.clock.advance(60_000);
      const totpToken = await resetToken(TOTP.email);
      const done = await reset({ token: totpToken, newPassword: 'a-brand-new-passphrase', mfaCode: t.totpCode() });
      expect(done.status).toBe(200);
      const again = await t.loginBody(TOTP.username, 'a-brand-new-passphrase', { trustToken: verified.body.trustToken });
      expect(again.isRequiresMfa).toBe(true);
    });

    it('mailbox takeover of a TOTP account: a reset without the authenticator code is refused and keeps the token', async () => {
      t = await open();
      const token = await resetToken(TOTP.email);
      problem(await reset({ token, newPassword: 'a-brand-new-passphrase' }), 401, 'MFA_CODE_INVALID');
      problem(
        await reset({ token, newPassword: 'a-brand-new-passphrase', mfaCode: '000000' === t.totpCode() ? '000001' : '000000' }),
        401,
        'MFA_CODE_INVALID',
      );
      expect((await reset({ token, newPassword: 'a-brand-new-passphrase', mfaCode: t.totpCode() })).status).toBe(200);
    });

    it('reset code guessing is capped: after maxAttempts wrong codes the code is dead and tries get 429', async () => {
      t = await open({ passwordReset: { method: 'code' }, accountEmails: { maxAttempts: 3 } });
      expect((await forgot(EMILY)).status).toBe(202);
      const mail = await t.outbox.next(EMILY, 'password-reset');
      expect(mail.code).toMatch(/^[0-9]{8}$/);
      expect(mail.text).toContain(mail.code);
      const wrong = mail.code === '00000000' ? '00000001' : '00000000';
      for (let i = 0; i < 3; i++)
        problem(await reset({ email: EMILY, token: wrong, newPassword: 'a-brand-new-passphrase' }), 400, 'RESET_TOKEN_INVALID');
      problem(await reset({ email: EMILY, token: mail.code, newPassword: 'a-brand-new-passphrase' }), 429, 'TOO_MANY_REQUESTS');
      t.clock.advance(15 * 60_000 + 1000);
      problem(await reset({ email: EMILY, token: mail.code, newPassword: 'a-brand-new-passphrase' }), 400, 'RESET_TOKEN_INVALID');
    });

    it('the reset code works with the account it was sent to (and only with it)', async () => {
      t = await open({ passwordReset: { method: 'code' } });
      expect((await forgot(EMILY)).status).toBe(202);
      const code = (await t.outbox.next(EMILY, 'password-reset')).code;
      problem(await reset({ token: code, newPassword: 'a-brand-new-passphrase' }), 400, 'VALIDATION_FAILED');
      problem(await reset({ email: 'admin@example.com', token: code, newPassword: 'a-brand-new-passphrase' }), 400, 'RESET_TOKEN_INVALID');
      problem(await reset({ username: 'emilys', token: code, newPassword: 'a-brand-new-passphrase' }), 400, 'VALIDATION_FAILED');
      expect((await reset({ email: EMILY, token: code, newPassword: 'a-brand-new-passphrase' })).status).toBe(200);
    });
  });

  describe('e-mail verification', () => {
    const register = (username: string, email: string) =>
      t.http.post('/auth/register').send({ username, email, password: 'a-long-enough-passphrase' });

    it('registration sends a verification link; the token verifies the address once', async () => {
      t = await open({ links: { emailVerification: 'https://app.example.com/verify?token={token}' } });
      const created = await register('new.user', 'new.user@example.com');
      expect(created.status).toBe(201);
      expect(created.body.user.emailVerified).toBe(false);
      const mail = await t.outbox.next('new.user@example.com', 'email-verification');
      expect(mail.text).toContain(`https://app.example.com/verify?token=${mail.code}`);
      const verified = await t.http.post('/auth/email/verify').send({ token: mail.code });
      expect(verified.status).toBe(200);
      const login = await t.login('new.user', 'a-long-enough-passphrase');
      expect(login.user).toMatchObject({ emailVerified: true });
      problem(await t.http.post('/auth/email/verify').send({ token: mail.code }), 400, 'VERIFICATION_TOKEN_INVALID');
      problem(await t.http.post('/auth/email/verify').send({ token: 'not-a-token' }), 400, 'VERIFICATION_TOKEN_INVALID');
    });

    it('account enumeration by sign-up (revealConflicts: false): a taken address costs the same token-store work as a fresh one, and gets no link', async () => {
      const tokens = counted(new MemoryAccountTokenStore());
      t = await open({ accountTokenStore: tokens.store, registration: { revealConflicts: false } });
      expect((await register('fresh.user', 'fresh.user@example.com')).status).toBe(202);
      const forFresh = tokens.calls();
      expect((await register('other.user', EMILY)).status).toBe(202);
      expect(tokens.calls() - forFresh).toBe(forFresh);
      await settle();
      expect(t.outbox.count(EMILY, 'email-verification')).toBe(0);
    });

    it('unverified login when required: a correct password answers 403 EMAIL_NOT_VERIFIED, a wrong one 401 as ever', async () => {
      t = await open({ emailVerification: { required: true } });
      expect((await register('new.user', 'new.user@example.com')).status).toBe(201);
      problem(await t.http.post('/auth/login').send({ username: 'new.user', password: 'wrong-password!' }), 401, 'INVALID_CREDENTIALS');
      problem(
        await t.http.post('/auth/login').send({ username: 'new.user', password: 'a-long-enough-passphrase' }),
        403,
        'EMAIL_NOT_VERIFIED',
      );
      const oauth = await t.http
        .post('/auth/token')
        .type('form')
        .send({ grant_type: 'password', username: 'new.user', password: 'a-long-enough-passphrase' });
      problem(oauth, 403, 'EMAIL_NOT_VERIFIED');
      expect(oauth.body.error).toBe('access_denied');
      const mail = await t.outbox.next('new.user@example.com', 'email-verification');
      expect((await t.http.post('/auth/email/verify').send({ token: mail.code })).status).toBe(200);
      expect((await t.http.post('/auth/login').send({ username: 'new.user', password: 'a-long-enough-passphrase' })).status).toBe(200);
    });

    it('@VerifiedEmail() host routes: 403 EMAIL_NOT_VERIFIED until the address is verified and the token renewed', async () => {
      t = await open();
      expect((await register('new.user', 'new.user@example.com')).status).toBe(201);
      const first = await t.login('new.user', 'a-long-enough-passphrase');
      problem(await t.http.get('/verified-only').set('Authorization', `Bearer ${first.accessToken}`), 403, 'EMAIL_NOT_VERIFIED');
      expect((await t.http.get('/protected').set('Authorization', `Bearer ${first.accessToken}`)).status).toBe(200);
      const mail = await t.outbox.next('new.user@example.com', 'email-verification');
      expect((await t.http.post('/auth/email/verify').send({ token: mail.code })).status).toBe(200);
      const renewed = await t.http.post('/auth/refresh').send({ refreshToken: first.refreshToken });
      expect((await t.http.get('/verified-only').set('Authorization', `Bearer ${renewed.body.accessToken}`)).status).toBe(200);
      const seeded = await t.login();
      expect((await t.http.get('/verified-only').set('Authorization', `Bearer ${seeded.accessToken}`)).status).toBe(403);
    });

    it('resend: an authenticated user gets a new link; the older one dies', async () => {
      t = await open();
      expect((await register('new.user', 'new.user@example.com')).status).toBe(201);
      const first = (await t.outbox.next('new.user@example.com', 'email-verification')).code;
      const { accessToken } = await t.login('new.user', 'a-long-enough-passphrase');
      expect((await t.http.post('/auth/email/verify/resend').set('Authorization', `Bearer ${accessToken}`)).status).toBe(202);
      const second = (await t.outbox.next('new.user@example.com', 'email-verification', 1)).code;
      problem(await t.http.post('/auth/email/verify').send({ token: first }), 400, 'VERIFICATION_TOKEN_INVALID');
      expect((await t.http.post('/auth/email/verify').send({ token: second })).status).toBe(200);
      problem(await t.http.post('/auth/email/verify/resend'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('change e-mail', () => {
    it('the change happens when the new address confirms; the old address gets a notice', async () => {
      t = await open();
      const { accessToken } = await t.login();
      const res = await t.http
        .post('/auth/email/change')
        .set('Authorization', `Bearer ${accessToken}`)
        .send({ newEmail: 'Emily.New@Example.com', password: 'emilyspass' });
      expect(res.status).toBe(202);
      const confirm = await t.outbox.next('emily.new@example.com', 'email-change');
      await t.outbox.next(EMILY, 'email-change-notice');
      expect((await t.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`)).body.email).toBe(EMILY);
      expect((await t.http.post('/auth/email/verify').send({ token: confirm.code })).status).toBe(200);
      const me = await t.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`);
      expect(me.body).toMatchObject({ email: 'emily.new@example.com', emailVerified: true });
      expect((await t.http.post('/auth/login').send({ email: 'emily.new@example.com', password: 'emilyspass' })).status).toBe(200);
    });

    it('account enumeration by change-email: a taken address gets the same answer and store work, and its owner a "you already have an account" message', async () => {
      const tokens = counted(new MemoryAccountTokenStore());
      t = await open({ accountTokenStore: tokens.store });
      const { accessToken } = await t.login();
      const change = (newEmail: string) =>
        t.http.post('/auth/email/change').set('Authorization', `Bearer ${accessToken}`).send({ newEmail, password: 'emilyspass' });
      const free = await change('free.address@example.com');
      const forFree = tokens.calls();
      const taken = await change('admin@example.com');
      expect(tokens.calls() - forFree).toBe(forFree);
      expect(taken.status).toBe(free.status);
      expect(taken.body).toEqual(free.body);
      expect(stableHeaders(taken)).toEqual(stableHeaders(free));
      await t.outbox.next('admin@example.com', 'email-change-taken');
      await settle();
      expect(t.outbox.count('admin@example.com', 'email-change')).toBe(0);
    });

    it('a wrong password changes nothing and sends nothing', async () => {
      t = await open();
      const { accessToken } = await t.login();
      const res = await t.http
        .post('/auth/email/change')
        .set('Authorization', `Bearer ${accessToken}`)
        .send({ newEmail: 'free.address@example.com', password: 'wrong-password' });
      problem(res, 401, 'INVALID_CREDENTIALS');
      await settle();
      expect(t.outbox.count('free.address@example.com', 'email-change')).toBe(0);
    });
  });

  describe('delete account', () => {
    it('the password is required; then the user is gone and every session is dead', async () => {
      t = await open();
      const { accessToken, refreshToken } = await t.login();
      const del = (password: string) =>
        t.http.post('/auth/account/delete').set('Authorization', `Bearer ${accessToken}`).send({ password });
      problem(await del('wrong-password'), 401, 'INVALID_CREDENTIALS');
      const done = await del('emilyspass');
      expect(done.status).toBe(200);
      expect(await t.users.findById('u-emily')).toBeNull();
      problem(await t.http.post('/auth/refresh').send({ refreshToken }), 401, 'REFRESH_TOKEN_INVALID');
      problem(await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }), 401, 'INVALID_CREDENTIALS');
    });

    it('a TOTP account needs its authenticator code too; beforeDelete runs before anything is deleted', async () => {
      const seen: string[] = [];
      t = await open({ accountDeletion: { beforeDelete: (user) => void seen.push(user.username) } });
      const pending = await t.loginBody(TOTP.username, TOTP.password);
      const tokens = await t.http.post('/auth/mfa/verify').send({ mfaToken: pending.mfaToken, method: 'totp', code: t.totpCode() });
      t.clock.advance(30_000);
      const del = (body: Record<string, unknown>) =>
        t.http.post('/auth/account/delete').set('Authorization', `Bearer ${tokens.body.accessToken}`).send(body);
      problem(await del({ password: TOTP.password }), 401, 'MFA_CODE_INVALID');
      expect(seen).toEqual([]);
      expect((await del({ password: TOTP.password, mfaCode: t.totpCode() })).status).toBe(200);
      expect(seen).toEqual([TOTP.username]);
    });

    it('a user store without delete() answers 501 NOT_IMPLEMENTED', async () => {
      t = await open();
      Object.defineProperty(t.users, 'delete', { value: undefined });
      const { accessToken } = await t.login();
      problem(
        await t.http.post('/auth/account/delete').set('Authorization', `Bearer ${accessToken}`).send({ password: 'emilyspass' }),
        501,
        'NOT_IMPLEMENTED',
      );
    });
  });

  describe('sign-in by e-mail code', () => {
    const send = (email: string) => t.http.post('/auth/login/code/send').send({ email });
    const signIn = (email: string, code: string) => t.http.post('/auth/login/code').send({ email, code });

    it('off by default: the routes do not exist', async () => {
      t = await open();
      expect((await send(EMILY)).status).toBe(404);
      expect((await signIn(EMILY, '12345678')).status).toBe(404);
    });

    it('the code signs in once, with the token response of /login', async () => {
      t = await open({ loginCode: { enabled: true } });
      expect((await send(EMILY)).status).toBe(202);
      const { code } = await t.outbox.next(EMILY, 'login-code');
      const res = await signIn(EMILY, code);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({ isRequiresMfa: false, tokenType: 'Bearer', user: { username: 'emilys', emailVerified: true } });
      problem(await signIn(EMILY, code), 401, 'INVALID_CREDENTIALS');
    });

    it('a TOTP account still gets the second step', async () => {
      t = await open({ loginCode: { enabled: true } });
      expect((await send(TOTP.email)).status).toBe(202);
      const res = await signIn(TOTP.email, (await t.outbox.next(TOTP.email, 'login-code')).code);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ isRequiresMfa: true, defaultMfaMethod: 'totp' });
      expect(res.body.accessToken).toBeUndefined();
    });

    it('an account whose only second factor is e-mail codes is not sent a second e-mail code after a sign-in code', async () => {
      t = await open({ loginCode: { enabled: true } });
      const email = MFA_USERS.email.email;
      expect((await send(email)).status).toBe(202);
      const res = await signIn(email, (await t.outbox.next(email, 'login-code')).code);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ isRequiresMfa: false, user: { username: MFA_USERS.email.username } });
    });

    it('account enumeration by login-code: the same answer, the same store work and no message for an unknown address; a guess answers like a wrong code', async () => {
      const tokens = counted(new MemoryAccountTokenStore());
      t = await open({ loginCode: { enabled: true }, accountTokenStore: tokens.store });
      const known = await send(EMILY);
      const forKnown = tokens.calls();
      const unknown = await send(UNKNOWN);
      expect(tokens.calls() - forKnown).toBe(forKnown);
      expect(unknown.status).toBe(known.status);
      expect(unknown.body).toEqual(known.body);
      expect(stableHeaders(unknown)).toEqual(stableHeaders(known));
      await settle();
      expect(t.outbox.count(UNKNOWN, 'login-code')).toBe(0);
      const wrong = (await t.outbox.next(EMILY, 'login-code')).code === '00000000' ? '00000001' : '00000000';
      const beforeGuesses = tokens.calls();
      const a = await signIn(EMILY, wrong);
      const forKnownGuess = tokens.calls() - beforeGuesses;
      const b = await signIn(UNKNOWN, wrong);
      expect(tokens.calls() - beforeGuesses - forKnownGuess).toBe(forKnownGuess);
      problem(a, 401, 'INVALID_CREDENTIALS');
      problem(b, 401, 'INVALID_CREDENTIALS');
      expect(b.body).toEqual(a.body);
    });

    it('login code guessing is capped: the wrong code that reaches maxAttempts kills the code', async () => {
      t = await open({ loginCode: { enabled: true }, accountEmails: { maxAttempts: 5 } });
      expect((await send(EMILY)).status).toBe(202);
      const { code } = await t.outbox.next(EMILY, 'login-code');
      const wrong = code === '00000000' ? '00000001' : '00000000';
      for (let i = 0; i < 5; i++) problem(await signIn(EMILY, wrong), 401, 'INVALID_CREDENTIALS');
      problem(await signIn(EMILY, code), 429, 'TOO_MANY_REQUESTS');
      t.clock.advance(15 * 60_000 + 1000);
      problem(await signIn(EMILY, code), 401, 'INVALID_CREDENTIALS');
    });
  });

  it('without an e-mail sender the e-mail routes do not exist; account deletion does', async () => {
    t = await createMfaTestApp({ mfa: { methods: ['totp'], senders: {} } });
    expect((await forgot(EMILY)).status).toBe(404);
    expect((await t.http.post('/auth/email/verify').send({ token: 'x' })).status).toBe(404);
    expect((await t.http.post('/auth/account/delete').send({ password: 'x' })).status).toBe(401);
  });
});

describe('account lifecycle (cookie mode)', () => {
  let t: MfaTestApp;
  afterEach(() => t.close());

  it('CSRF on the authenticated account routes: change e-mail and delete account need the X-CSRF-Token header', async () => {
    t = await createMfaTestApp({ options: { accessTokenType: 'cookie' } });
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const jar = jarFrom(login);
    const cookie = cookieHeader(jar);
    problem(
      await t.http.post('/auth/email/change').set('Cookie', cookie).send({ newEmail: 'e.new@example.com', password: 'emilyspass' }),
      403,
      'CSRF_TOKEN_INVALID',
    );
    problem(await t.http.post('/auth/account/delete').set('Cookie', cookie).send({ password: 'emilyspass' }), 403, 'CSRF_TOKEN_INVALID');
    const changed = await t.http
      .post('/auth/email/change')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', jar.csrf_token)
      .send({ newEmail: 'e.new@example.com', password: 'emilyspass' });
    expect(changed.status).toBe(202);
  });

  it('sign-in by code in cookie mode: the tokens are cookies, not in the body; resend needs the CSRF header', async () => {
    t = await createMfaTestApp({ options: { accessTokenType: 'cookie', loginCode: { enabled: true } } });
    expect((await t.http.post('/auth/login/code/send').send({ email: EMILY })).status).toBe(202);
    const { code } = await t.outbox.next(EMILY, 'login-code');
    const res = await t.http.post('/auth/login/code').send({ email: EMILY, code });
    expect(res.status).toBe(200);
    expect(res.body.accessToken).toBeUndefined();
    expect(res.body.refreshToken).toBeUndefined();
    const jar = jarFrom(res);
    expect(jar.access_token).toBeDefined();
    const resend = () => t.http.post('/auth/email/verify/resend').set('Cookie', cookieHeader(jar));
    problem(await resend(), 403, 'CSRF_TOKEN_INVALID');
    expect((await resend().set('X-CSRF-Token', jar.csrf_token)).status).toBe(202);
  });

  it('forRootAsync: the e-mail routes follow the sender the factory returns', async () => {
    t = await createMfaTestApp({ async: true });
    expect((await t.http.post('/auth/password/forgot').send({ email: EMILY })).status).toBe(202);
    await t.outbox.next(EMILY, 'password-reset');
  });

  it('a reset in cookie mode: 200, the cookies of the (revoked) session are cleared', async () => {
    t = await createMfaTestApp({ options: { accessTokenType: 'cookie' } });
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const jar = jarFrom(login);
    expect((await t.http.post('/auth/password/forgot').send({ email: EMILY })).status).toBe(202);
    const { code } = await t.outbox.next(EMILY, 'password-reset');
    const done = await t.http
      .post('/auth/password/reset')
      .set('Cookie', cookieHeader(jar))
      .send({ token: code, newPassword: 'a-brand-new-passphrase' });
    expect(done.status).toBe(200);
    expect(jarFrom(done, jar).access_token).toBeUndefined();
    problem(await t.http.get('/auth/me').set('Cookie', cookieHeader(jar)), 401, 'ACCESS_TOKEN_INVALID');
  });
});

describe.each(['sqlite', 'postgres', 'mariadb'] as const)('account lifecycle on %s stores', (kind) => {
  let t: MfaTestApp;
  let sql: SqlStores;
  beforeEach(async () => {
    sql = await openSqlStores(kind, 'account');
    t = await createMfaTestApp({
      options: { ...sql.options, mfaStore: sql.mfaStore, loginCode: { enabled: true } },
      mfa: { methods: ['totp', 'email'] },
    });
  });
  afterEach(async () => {
    await t.close();
    await sql.close();
  });

  it('reset: of 10 parallel resets with one token exactly one wins; the winner signs in, the old session is dead', async () => {
    const old = await t.login();
    expect((await t.http.post('/auth/password/forgot').send({ email: EMILY })).status).toBe(202);
    const token = (await t.outbox.next(EMILY, 'password-reset')).code;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.http.post('/auth/password/reset').send({ token, newPassword: `parallel-passphrase-${i}` })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) problem(r, 400, 'RESET_TOKEN_INVALID');
    const winner = results.findIndex((r) => r.status === 200);
    expect((await t.http.post('/auth/login').send({ username: 'emilys', password: `parallel-passphrase-${winner}` })).status).toBe(200);
    problem(await t.http.post('/auth/refresh').send({ refreshToken: old.refreshToken }), 401, 'REFRESH_TOKEN_INVALID');
  });

  it('verification, e-mail change and deletion go through the SQL user store', async () => {
    const created = await t.http
      .post('/auth/register')
      .send({ username: 'sql.user', email: 'sql.user@example.com', password: 'a-long-passphrase' });
    expect(created.status).toBe(201);
    const verify = await t.outbox.next('sql.user@example.com', 'email-verification');
    expect((await t.http.post('/auth/email/verify').send({ token: verify.code })).status).toBe(200);
    const { accessToken } = await t.login('sql.user', 'a-long-passphrase');
    const auth = { Authorization: `Bearer ${accessToken}` };
    expect((await t.http.get('/auth/me').set(auth)).body.emailVerified).toBe(true);
    const change = await t.http
      .post('/auth/email/change')
      .set(auth)
      .send({ newEmail: 'sql.moved@example.com', password: 'a-long-passphrase' });
    expect(change.status).toBe(202);
    const confirm = await t.outbox.next('sql.moved@example.com', 'email-change');
    expect((await t.http.post('/auth/email/verify').send({ token: confirm.code })).status).toBe(200);
    expect((await t.http.get('/auth/me').set(auth)).body).toMatchObject({ email: 'sql.moved@example.com', emailVerified: true });
    expect((await t.http.post('/auth/account/delete').set(auth).send({ password: 'a-long-passphrase' })).status).toBe(200);
    problem(await t.http.post('/auth/login').send({ username: 'sql.user', password: 'a-long-passphrase' }), 401, 'INVALID_CREDENTIALS');
  });

  it('a sign-in code works once', async () => {
    expect((await t.http.post('/auth/login/code/send').send({ email: EMILY })).status).toBe(202);
    const { code } = await t.outbox.next(EMILY, 'login-code');
    expect((await t.http.post('/auth/login/code').send({ email: EMILY, code })).status).toBe(200);
    problem(await t.http.post('/auth/login/code').send({ email: EMILY, code }), 401, 'INVALID_CREDENTIALS');
  });
});
