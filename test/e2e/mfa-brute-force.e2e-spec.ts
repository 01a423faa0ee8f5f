import { afterEach, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { slowCounters } from '../fixtures/slow-counters.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';

function problem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

/** A six-digit code that is not the current, previous or next TOTP code. */
function wrongTotp(t: MfaTestApp): string {
  const valid = new Set([t.totpCode(-1), t.totpCode(), t.totpCode(1)]);
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

describe('MFA brute force: the attempt cap', () => {
  let t: MfaTestApp;
  afterEach(() => t.close());

  const pending = async (): Promise<string> => (await t.loginBody('totp.user', 'totppass123')).mfaToken as string;
  const verify = (mfaToken: string, code: string, method = 'totp') => t.http.post('/auth/mfa/verify').send({ mfaToken, method, code });

  it('after maxAttempts wrong codes the pending token dies, and a fresh login is refused (429) until the cool-down passes', async () => {
    t = await createMfaTestApp();
    const mfaToken = await pending();
    for (let i = 0; i < 5; i++) problem(await verify(mfaToken, wrongTotp(t)), 401, 'MFA_CODE_INVALID');
    // the pending token is dead, even with the right code
    problem(await verify(mfaToken, t.totpCode()), 401, 'MFA_TOKEN_INVALID');
    // a fresh password login does not reset the count: the right code is refused with 429
    const fresh = await pending();
    const locked = await verify(fresh, t.totpCode());
    problem(locked, 429, 'TOO_MANY_REQUESTS');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    // after the cool-down (15 min by default) the right code works again
    t.clock.advance(15 * 60_000 + 1000);
    expect((await verify(await pending(), t.totpCode())).status).toBe(200);
  });

  it('the counter is per user and survives fresh logins: 3 wrong on one login + 2 on the next reach the cap', async () => {
    t = await createMfaTestApp();
    const first = await pending();
    for (let i = 0; i < 3; i++) problem(await verify(first, wrongTotp(t)), 401, 'MFA_CODE_INVALID');
    const second = await pending();
    for (let i = 0; i < 2; i++) problem(await verify(second, wrongTotp(t)), 401, 'MFA_CODE_INVALID');
    problem(await verify(await pending(), t.totpCode()), 429, 'TOO_MANY_REQUESTS');
    // another user is not affected
    const other = (await t.loginBody('email.user', 'emailpass123')).mfaToken as string;
    expect((await verify(other, t.outbox.lastCode(MFA_USERS.email.email), 'email')).status).toBe(200);
  });

  it('parallel guesses cannot get past the cap: of 20 concurrent wrong codes at most 5 are checked, the rest get 429', async () => {
    // A counter store with network-like latency, so the 20 requests really overlap.
    t = await createMfaTestApp({ options: { rateLimitStore: slowCounters() } });
    const tokens = await Promise.all(Array.from({ length: 4 }, () => pending()));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => verify(tokens[i % 4], wrongTotp(t))));
    const codes = results.map((r) => r.body.code as string);
    // exactly 5 guesses were checked; the others were refused unchecked (429, or the pending token
    // already killed by the cap)
    expect(codes.filter((c) => c === 'MFA_CODE_INVALID')).toHaveLength(5);
    expect(codes.filter((c) => c !== 'MFA_CODE_INVALID').every((c) => c === 'TOO_MANY_REQUESTS' || c === 'MFA_TOKEN_INVALID')).toBe(true);
    problem(await verify(await pending(), t.totpCode()), 429, 'TOO_MANY_REQUESTS');
  });

  it('the cool-down runs from the attempt that reached the cap (not from the first wrong code) and doubles for a repeat offender', async () => {
    t = await createMfaTestApp();
    problem(await verify(await pending(), wrongTotp(t)), 401, 'MFA_CODE_INVALID');
    t.clock.advance(14 * 60_000 + 59_000);
    for (let i = 0; i < 4; i++) problem(await verify(await pending(), wrongTotp(t)), 401, 'MFA_CODE_INVALID');
    const locked = await verify(await pending(), t.totpCode());
    problem(locked, 429, 'TOO_MANY_REQUESTS');
    expect(Number(locked.headers['retry-after'])).toBe(900);
    t.clock.advance(900_000 + 1000);
    for (let i = 0; i < 5; i++) problem(await verify(await pending(), wrongTotp(t)), 401, 'MFA_CODE_INVALID');
    expect(Number((await verify(await pending(), t.totpCode())).headers['retry-after'])).toBe(1800);
  });

  it('a locked user gets no new e-mail code at login', async () => {
    t = await createMfaTestApp({ mfa: { maxAttempts: 2 } });
    for (let i = 0; i < 2; i++) {
      const token = (await t.loginBody('email.user', 'emailpass123')).mfaToken as string;
      const right = t.outbox.lastCode(MFA_USERS.email.email);
      problem(await verify(token, right === '000000' ? '000001' : '000000', 'email'), 401, 'MFA_CODE_INVALID');
    }
    const sent = t.outbox.sent.length;
    const again = await t.loginBody('email.user', 'emailpass123');
    expect(again.message).toMatch(/Too many wrong codes/);
    expect(t.outbox.sent).toHaveLength(sent);
  });

  it('parallel guesses from one address across accounts cannot get past the address limit', async () => {
    t = await createMfaTestApp({ options: { rateLimitStore: slowCounters(), rateLimit: { address: { max: 2, window: '15m' } } } });
    const tokens = [
      (await t.loginBody('totp.user', 'totppass123')).mfaToken as string,
      (await t.loginBody('email.user', 'emailpass123')).mfaToken as string,
      (await t.loginBody('sms.user', 'smspass1234')).mfaToken as string,
    ];
    const methods = ['totp', 'email', 'sms'];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => verify(tokens[i % 3], i % 3 === 0 ? wrongTotp(t) : '000000', methods[i % 3])),
    );
    const codes = results.map((r) => r.body.code as string);
    expect(codes.filter((c) => c === 'MFA_CODE_INVALID').length).toBeLessThanOrEqual(2);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS').length).toBeGreaterThanOrEqual(10);
  });

  it('a success clears the count', async () => {
    t = await createMfaTestApp();
    for (let i = 0; i < 4; i++) problem(await verify(await pending(), wrongTotp(t)), 401, 'MFA_CODE_INVALID');
    expect((await verify(await pending(), t.totpCode())).status).toBe(200);
    t.clock.advance(30_000);
    for (let i = 0; i < 4; i++) problem(await verify(await pending(), wrongTotp(t)), 401, 'MFA_CODE_INVALID');
    expect((await verify(await pending(), t.totpCode())).status).toBe(200);
  });

  it('recovery codes and e-mail codes count against the same cap', async () => {
    t = await createMfaTestApp({ mfa: { maxAttempts: 3 } });
    // give totp.user recovery codes so that `recovery` is accepted
    await t.mfaStore.replaceRecoveryCodes(MFA_USERS.totp.id, ['x']);
    problem(await verify(await pending(), 'aaaa-bbbb-cccc', 'recovery'), 401, 'MFA_CODE_INVALID');
    problem(await verify(await pending(), wrongTotp(t)), 401, 'MFA_CODE_INVALID');
    problem(await verify(await pending(), 'aaaa-bbbb-cccc', 'recovery'), 401, 'MFA_CODE_INVALID');
    problem(await verify(await pending(), t.totpCode()), 429, 'TOO_MANY_REQUESTS');

    const email = async () => (await t.loginBody('email.user', 'emailpass123')).mfaToken as string;
    const code = () => t.outbox.lastCode(MFA_USERS.email.email);
    for (let i = 0; i < 3; i++) {
      const token = await email();
      const wrong = code() === '000000' ? '000001' : '000000';
      problem(await verify(token, wrong, 'email'), 401, 'MFA_CODE_INVALID');
    }
    const token = await email().catch(() => undefined);
    // a locked user gets no more codes sent at login (and the right code is refused)
    if (token !== undefined) problem(await verify(token, code(), 'email'), 429, 'TOO_MANY_REQUESTS');
  });

  it('re-sending codes is rate-limited per user (429 with Retry-After)', async () => {
    t = await createMfaTestApp();
    const mfaToken = (await t.loginBody('email.user', 'emailpass123')).mfaToken as string; // 1st send
    for (let i = 0; i < 4; i++) {
      const res = await t.http.post('/auth/mfa/send').send({ mfaToken, method: 'email' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ message: 'A verification code was sent to e•••@example.com.', method: 'email', expiresIn: 600 });
    }
    const limited = await t.http.post('/auth/mfa/send').send({ mfaToken, method: 'email' });
    problem(limited, 429, 'TOO_MANY_REQUESTS');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(t.outbox.sent).toHaveLength(5);
    // a new login does not get around it either: the pending step still comes, but no code is sent
    const again = await t.loginBody('email.user', 'emailpass123');
    expect(again.isRequiresMfa).toBe(true);
    expect(again.message).toMatch(/could not be sent/);
    expect(t.outbox.sent).toHaveLength(5);
  });

  it('re-sending codes is rate-limited per client address across users', async () => {
    t = await createMfaTestApp({ mfa: { sendLimit: { perAddress: { max: 3, window: '15m' } } } });
    await t.loginBody('email.user', 'emailpass123');
    await t.loginBody('sms.user', 'smspass1234');
    const mfaToken = (await t.loginBody('email.user', 'emailpass123')).mfaToken as string;
    expect(t.outbox.sent).toHaveLength(3);
    problem(await t.http.post('/auth/mfa/send').send({ mfaToken, method: 'email' }), 429, 'TOO_MANY_REQUESTS');
  });
});
