import { afterEach, describe, expect, it } from '@jest/globals';
import { Secret, TOTP } from 'otpauth';
import type { Response } from 'supertest';
import { createMfaTestApp, MFA_USERS, TOTP_SECRET, type MfaTestApp } from '../fixtures/mfa-app.js';

function problem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

/** Puts the test clock 1 s into a fresh 30 s step, so ±1 step is exact. */
function alignToStep(t: MfaTestApp): void {
  const now = t.clock.now();
  t.clock.advance(30_000 - (now % 30_000) + 1_000);
}

describe('TOTP (RFC 6238)', () => {
  let t: MfaTestApp;
  afterEach(() => t.close());

  const pending = async (): Promise<string> => (await t.loginBody('totp.user', 'totppass123')).mfaToken as string;
  const verify = (mfaToken: string, code: string) => t.http.post('/auth/mfa/verify').send({ mfaToken, method: 'totp', code });

  it('replay: the same code within its step is accepted once only (401 the second time, even on a new login)', async () => {
    t = await createMfaTestApp();
    alignToStep(t);
    const code = t.totpCode();
    expect((await verify(await pending(), code)).status).toBe(200);
    problem(await verify(await pending(), code), 401, 'MFA_CODE_INVALID');
  });

  it('replay under concurrency: 10 parallel verifications with one code → exactly one login', async () => {
    t = await createMfaTestApp({ mfa: { maxAttempts: 20 } });
    alignToStep(t);
    const code = t.totpCode();
    // The logins one after the other (parallel password checks of one account are capped at the
    // login limit); the verifications in parallel.
    const tokens: string[] = [];
    for (let i = 0; i < 10; i++) tokens.push(await pending());
    const results = await Promise.all(tokens.map((token) => verify(token, code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(9);
  });

  it('clock drift: step T−1 and T+1 are accepted, T−2 and T+2 refused', async () => {
    t = await createMfaTestApp({ mfa: { maxAttempts: 10 } });
    alignToStep(t);
    problem(await verify(await pending(), t.totpCode(-2)), 401, 'MFA_CODE_INVALID');
    problem(await verify(await pending(), t.totpCode(2)), 401, 'MFA_CODE_INVALID');
    expect((await verify(await pending(), t.totpCode(-1))).status).toBe(200);
    t.clock.advance(60_000);
    expect((await verify(await pending(), t.totpCode(1))).status).toBe(200);
  });

  it('after step T was used, an older step (T−1) is refused too: steps only move forward', async () => {
    t = await createMfaTestApp();
    alignToStep(t);
    expect((await verify(await pending(), t.totpCode())).status).toBe(200);
    problem(await verify(await pending(), t.totpCode(-1)), 401, 'MFA_CODE_INVALID');
    t.clock.advance(30_000);
    expect((await verify(await pending(), t.totpCode())).status).toBe(200);
  });

  it('another secret’s code is refused', async () => {
    t = await createMfaTestApp();
    const other = TOTP.generate({ secret: Secret.fromBase32('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), timestamp: t.clock.now() });
    problem(await verify(await pending(), other === t.totpCode() ? '000000' : other), 401, 'MFA_CODE_INVALID');
  });

  it('the secret is stored encrypted, bound to its user, and never appears in a response', async () => {
    t = await createMfaTestApp();
    const state = await t.mfaStore.getState(MFA_USERS.totp.id);
    expect(state.totpSecret).toMatch(/^v1\./);
    expect(state.totpSecret).not.toContain(TOTP_SECRET);
    // copied onto another user's record, it does not decrypt: that user's codes all fail
    await t.mfaStore.setActiveTotp(MFA_USERS.email.id, state.totpSecret as string);
    await t.users.setMfaMethods(MFA_USERS.email.id, ['totp']);
    const body = await t.loginBody('email.user', 'emailpass123');
    problem(await verify(body.mfaToken as string, t.totpCode()), 401, 'MFA_CODE_INVALID');
    // no response carries the secret
    const done = await verify(await pending(), t.totpCode());
    const me = await t.http.get('/auth/me').set('Authorization', `Bearer ${done.body.accessToken as string}`);
    expect(JSON.stringify([done.body, me.body])).not.toContain(TOTP_SECRET);
  });
});

describe('TOTP enrolment: setup, enable, recovery codes, disable', () => {
  let t: MfaTestApp;
  afterEach(() => t.close());

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('setup → enable with a code → 10 recovery codes; the next login needs the second factor', async () => {
    t = await createMfaTestApp();
    alignToStep(t);
    const { accessToken } = await t.login();
    const setup = await t.http.post('/auth/mfa/totp/setup').set(bearer(accessToken));
    expect(setup.status).toBe(200);
    expect(setup.headers['cache-control']).toBe('no-store');
    const secret = setup.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits
    const url = new URL(setup.body.otpauthUrl as string);
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe(secret);
    expect(url.searchParams.get('issuer')).toBe('Gatekeeper Test');
    expect(decodeURIComponent(url.pathname)).toContain('emilys');

    // not enabled yet: login needs no second factor
    expect((await t.loginBody('emilys', 'emilyspass')).isRequiresMfa).toBe(false);

    problem(
      await t.http
        .post('/auth/mfa/totp/enable')
        .set(bearer(accessToken))
        .send({ code: t.totpCode(0, TOTP_SECRET) === t.totpCode(0, secret) ? '000000' : t.totpCode(0, TOTP_SECRET) }),
      401,
      'MFA_CODE_INVALID',
    );
    const enabled = await t.http
      .post('/auth/mfa/totp/enable')
      .set(bearer(accessToken))
      .send({ code: t.totpCode(0, secret) });
    expect(enabled.status).toBe(200);
    const codes = enabled.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);

    const me = await t.http.get('/auth/me').set(bearer(accessToken));
    expect(me.body).toMatchObject({ mfaEnabled: true, mfaMethods: ['totp'] });
    const login = await t.loginBody('emilys', 'emilyspass');
    expect(login).toMatchObject({ isRequiresMfa: true, mfaMethods: ['totp', 'recovery'], defaultMfaMethod: 'totp' });
    // the code used to enable cannot be replayed at login; the next step's code works
    problem(
      await t.http.post('/auth/mfa/verify').send({ mfaToken: login.mfaToken, method: 'totp', code: t.totpCode(0, secret) }),
      401,
      'MFA_CODE_INVALID',
    );
    t.clock.advance(30_000);
    expect(
      (await t.http.post('/auth/mfa/verify').send({ mfaToken: login.mfaToken, method: 'totp', code: t.totpCode(0, secret) })).status,
    ).toBe(200);
    // setting up again while enabled: 409
    problem(await t.http.post('/auth/mfa/totp/setup').set(bearer(accessToken)), 409, 'MFA_ALREADY_ENABLED');
  });

  it('enable without a setup, or with a malformed code, is refused without a 500', async () => {
    t = await createMfaTestApp();
    const { accessToken } = await t.login();
    problem(await t.http.post('/auth/mfa/totp/enable').set(bearer(accessToken)).send({ code: '123456' }), 400, 'MFA_METHOD_UNAVAILABLE');
    await t.http.post('/auth/mfa/totp/setup').set(bearer(accessToken)).expect(200);
    for (const code of ['12345', '1234567', '12 345', 123456, ['123456'], null]) {
      const res = await t.http.post('/auth/mfa/totp/enable').set(bearer(accessToken)).send({ code });
      problem(res, 400, 'VALIDATION_FAILED');
    }
  });

  it('recovery codes: each one works once; used up, it is refused', async () => {
    t = await createMfaTestApp();
    alignToStep(t);
    const { accessToken } = await t.login();
    const { secret } = (await t.http.post('/auth/mfa/totp/setup').set(bearer(accessToken))).body as { secret: string };
    const { recoveryCodes } = (
      await t.http
        .post('/auth/mfa/totp/enable')
        .set(bearer(accessToken))
        .send({ code: t.totpCode(0, secret) })
    ).body as {
      recoveryCodes: string[];
    };
    const useRecovery = async (code: string) => {
      const login = await t.loginBody('emilys', 'emilyspass');
      return t.http.post('/auth/mfa/verify').send({ mfaToken: login.mfaToken, method: 'recovery', code });
    };
    const first = await useRecovery(recoveryCodes[0]);
    expect(first.status).toBe(200);
    expect(first.body.user.username).toBe('emilys');
    problem(await useRecovery(recoveryCodes[0]), 401, 'MFA_CODE_INVALID');
    // entered in capitals and without dashes, another code still works
    expect((await useRecovery(recoveryCodes[1].replace(/-/g, '').toUpperCase())).status).toBe(200);
    expect((await t.mfaStore.getState('u-emily')).recoveryCodesLeft).toBe(8);
    // stored hashed
    expect(JSON.stringify(await t.mfaStore.getState('u-emily'))).not.toContain(recoveryCodes[2].replace(/-/g, ''));
    problem(await useRecovery('not-a-code'), 400, 'VALIDATION_FAILED');
  });

  it('with mfa.required the last second factor cannot be turned off (409 MFA_REQUIRED)', async () => {
    t = await createMfaTestApp({ mfa: { required: true } });
    const login = await t.loginBody('totp.user', 'totppass123');
    const done = await t.http.post('/auth/mfa/verify').send({ mfaToken: login.mfaToken, method: 'totp', code: t.totpCode() });
    const auth = { Authorization: `Bearer ${done.body.accessToken as string}` };
    problem(await t.http.post('/auth/mfa/disable').set(auth).send({ method: 'totp', password: 'totppass123' }), 409, 'MFA_REQUIRED');
    expect((await t.loginBody('totp.user', 'totppass123')).isRequiresMfa).toBe(true);
    // with a second method enabled, one of them can go
    await t.enrolment.enableMethod(MFA_USERS.totp.id, 'email');
    expect((await t.http.post('/auth/mfa/disable').set(auth).send({ method: 'totp', password: 'totppass123' })).status).toBe(200);
  });

  it('disable needs the password; afterwards login needs no second factor and the secret is gone', async () => {
    t = await createMfaTestApp();
    alignToStep(t);
    const login = await t.loginBody('totp.user', 'totppass123');
    const done = await t.http.post('/auth/mfa/verify').send({ mfaToken: login.mfaToken, method: 'totp', code: t.totpCode() });
    const accessToken = done.body.accessToken as string;
    problem(
      await t.http.post('/auth/mfa/disable').set(bearer(accessToken)).send({ method: 'totp', password: 'wrong-password' }),
      401,
      'INVALID_CREDENTIALS',
    );
    problem(
      await t.http.post('/auth/mfa/disable').set(bearer(accessToken)).send({ method: 'email', password: 'totppass123' }),
      400,
      'MFA_METHOD_UNAVAILABLE',
    );
    const off = await t.http.post('/auth/mfa/disable').set(bearer(accessToken)).send({ method: 'totp', password: 'totppass123' });
    expect(off.status).toBe(200);
    expect((await t.mfaStore.getState(MFA_USERS.totp.id)).totpSecret).toBeNull();
    const again = await t.loginBody('totp.user', 'totppass123');
    expect(again).toMatchObject({ isRequiresMfa: false, user: { mfaEnabled: false, mfaMethods: [] } });
  });
});
