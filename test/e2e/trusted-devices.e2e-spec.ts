import { afterEach, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { setCookies } from '../fixtures/cookie-jar.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';

function problem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('trusted devices', () => {
  let t: MfaTestApp;
  afterEach(() => t.close());

  /** Completes an MFA login of totp.user with "trust this device"; returns the body. */
  const trustedLogin = async (extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    const body = await t.loginBody('totp.user', 'totppass123');
    t.clock.advance(30_000); // a fresh TOTP step for every login
    const res = await t.http
      .post('/auth/mfa/verify')
      .set('User-Agent', UA)
      .send({ mfaToken: body.mfaToken, method: 'totp', code: t.totpCode(), trustDevice: true, ...extra });
    expect(res.status).toBe(200);
    return res.body as Record<string, unknown>;
  };
  const loginWith = (trustToken: unknown, username = 'totp.user', password = 'totppass123') =>
    t.http.post('/auth/login').send({ username, password, trustToken });

  it('a trust token of the same user skips the second factor; without one the step comes back', async () => {
    t = await createMfaTestApp();
    const { trustToken, accessToken } = await trustedLogin();
    expect(trustToken).toMatch(/^[\w-]{16}\.[\w-]{43}$/);
    const skipped = await loginWith(trustToken);
    expect(skipped.status).toBe(200);
    expect(skipped.body).toMatchObject({ isRequiresMfa: false, user: { username: 'totp.user' } });
    expect(typeof skipped.body.accessToken).toBe('string');
    expect((await t.loginBody('totp.user', 'totppass123')).isRequiresMfa).toBe(true);
    // listed with a label from the User-Agent, and revocable
    const devices = await t.http.get('/auth/mfa/devices').set('Authorization', `Bearer ${accessToken as string}`);
    expect(devices.status).toBe(200);
    expect(devices.body).toHaveLength(1);
    expect(devices.body[0]).toMatchObject({ label: 'Chrome on Linux' });
    expect(Object.keys(devices.body[0]).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'label', 'lastUsedAt']);
    const gone = await t.http
      .delete(`/auth/mfa/devices/${devices.body[0].id as string}`)
      .set('Authorization', `Bearer ${accessToken as string}`);
    expect(gone.status).toBe(204);
    expect((await loginWith(trustToken)).body.isRequiresMfa).toBe(true);
  });

  it('a trust token never replaces the password', async () => {
    t = await createMfaTestApp();
    const { trustToken } = await trustedLogin();
    problem(await loginWith(trustToken, 'totp.user', 'wrong-password'), 401, 'INVALID_CREDENTIALS');
  });

  it('the trust token of another user is ignored (behaves as absent)', async () => {
    t = await createMfaTestApp();
    // email.user trusts their device...
    const e = await t.loginBody('email.user', 'emailpass123');
    const done = await t.http
      .post('/auth/mfa/verify')
      .send({ mfaToken: e.mfaToken, method: 'email', code: t.outbox.lastCode(MFA_USERS.email.email), trustDevice: true });
    const foreign = done.body.trustToken as string;
    // ...and totp.user presents it
    const res = await loginWith(foreign);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ isRequiresMfa: true, defaultMfaMethod: 'totp' });
  });

  it('forged, malformed and expired trust tokens are ignored', async () => {
    t = await createMfaTestApp({ mfa: { trustedDeviceTtl: '1d' } });
    const { trustToken } = await trustedLogin();
    const [id, secret] = (trustToken as string).split('.');
    const forged = [
      `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`,
      `AAAAAAAAAAAAAAAA.${secret}`,
      `${id}.`,
      'garbage',
      '',
      `${trustToken as string}x`,
    ];
    for (const token of forged) {
      const res = await loginWith(token);
      expect(res.status).toBe(200);
      expect(res.body.isRequiresMfa).toBe(true);
    }
    for (const bad of [42, ['x'], { a: 1 }, 'x'.repeat(600)]) expect((await loginWith(bad)).status).toBe(400);
    t.clock.advance(86_400_000 + 1000);
    expect((await loginWith(trustToken)).body.isRequiresMfa).toBe(true);
  });

  it('password change revokes every trusted device', async () => {
    t = await createMfaTestApp();
    const { trustToken, accessToken } = await trustedLogin();
    const changed = await t.http
      .post('/auth/password/change')
      .set('Authorization', `Bearer ${accessToken as string}`)
      .send({ currentPassword: 'totppass123', newPassword: 'a-brand-new-password' });
    expect(changed.status).toBe(200);
    const res = await loginWith(trustToken, 'totp.user', 'a-brand-new-password');
    expect(res.body.isRequiresMfa).toBe(true);
  });

  it('MFA disable revokes every trusted device', async () => {
    t = await createMfaTestApp();
    const first = await trustedLogin();
    const { accessToken } = await trustedLogin();
    await t.enrolment.enableMethod(MFA_USERS.totp.id, 'email');
    const off = await t.http
      .post('/auth/mfa/disable')
      .set('Authorization', `Bearer ${accessToken as string}`)
      .send({ method: 'email', password: 'totppass123' });
    expect(off.status).toBe(200);
    expect((await loginWith(first.trustToken)).body.isRequiresMfa).toBe(true);
    expect(await t.mfaStore.listTrustedDevices(MFA_USERS.totp.id, t.clock.now())).toEqual([]);
  });

  it('logout of all sessions revokes every trusted device; a plain logout does not', async () => {
    t = await createMfaTestApp();
    const a = await trustedLogin();
    await t.http
      .post('/auth/logout')
      .set('Authorization', `Bearer ${a.accessToken as string}`)
      .expect(200);
    expect((await loginWith(a.trustToken)).body.isRequiresMfa).toBe(false);
    const b = await trustedLogin();
    await t.http
      .post('/auth/logout')
      .set('Authorization', `Bearer ${b.accessToken as string}`)
      .send({ allSessions: true })
      .expect(200);
    expect((await loginWith(a.trustToken)).body.isRequiresMfa).toBe(true);
    expect((await loginWith(b.trustToken)).body.isRequiresMfa).toBe(true);
  });

  it('a token of an already revoked session cannot log out everywhere (nor wipe the trusted devices)', async () => {
    t = await createMfaTestApp();
    const stolen = await trustedLogin();
    const mine = await trustedLogin();
    // the victim changes the password: the stolen session is revoked, its access token not yet expired
    await t.http
      .post('/auth/password/change')
      .set('Authorization', `Bearer ${mine.accessToken as string}`)
      .send({ currentPassword: 'totppass123', newPassword: 'a-brand-new-password' })
      .expect(200);
    const fresh = await trustedLogin({}).catch(() => undefined);
    expect(fresh).toBeUndefined(); // the old password no longer works
    const body = await t.loginBody('totp.user', 'a-brand-new-password');
    t.clock.advance(30_000);
    const device = await t.http
      .post('/auth/mfa/verify')
      .send({ mfaToken: body.mfaToken, method: 'totp', code: t.totpCode(), trustDevice: true });
    problem(
      await t.http
        .post('/auth/logout')
        .set('Authorization', `Bearer ${stolen.accessToken as string}`)
        .send({ allSessions: true }),
      401,
      'ACCESS_TOKEN_INVALID',
    );
    expect((await loginWith(device.body.trustToken, 'totp.user', 'a-brand-new-password')).body.isRequiresMfa).toBe(false);
    await t.http
      .get('/auth/me')
      .set('Authorization', `Bearer ${mine.accessToken as string}`)
      .expect(200);
  });

  it('a user cannot revoke another user’s device (404)', async () => {
    t = await createMfaTestApp();
    const { trustToken } = await trustedLogin();
    const deviceId = (trustToken as string).split('.')[0];
    const { accessToken } = await t.login();
    problem(await t.http.delete(`/auth/mfa/devices/${deviceId}`).set('Authorization', `Bearer ${accessToken}`), 404, 'NOT_FOUND');
    problem(await t.http.delete('/auth/mfa/devices/not-an-id').set('Authorization', `Bearer ${accessToken}`), 404, 'NOT_FOUND');
    expect((await loginWith(trustToken)).body.isRequiresMfa).toBe(false);
  });

  it('cookie mode: an HttpOnly trust_token cookie scoped to the auth routes; sent back at login, it skips the step', async () => {
    t = await createMfaTestApp({ options: { accessTokenType: 'cookie' } });
    const body = await t.loginBody('totp.user', 'totppass123');
    const res = await t.http
      .post('/auth/mfa/verify')
      .send({ mfaToken: body.mfaToken, method: 'totp', code: t.totpCode(), trustDevice: true });
    const cookie = setCookies(res).get('trust_token')!;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'lax', path: '/auth', maxAge: 30 * 86_400 });
    expect(cookie.value).toMatch(/^[\w-]{16}\.[\w-]{43}$/);
    // like the other tokens, it stays out of the body in cookie mode (scripts cannot read it)
    expect(res.body).not.toHaveProperty('trustToken');
    const again = await t.http
      .post('/auth/login')
      .set('Cookie', `trust_token=${cookie.value as string}`)
      .send({ username: 'totp.user', password: 'totppass123' });
    expect(again.body.isRequiresMfa).toBe(false);
    expect(setCookies(again).has('access_token')).toBe(true);
    // without the cookie: the step
    expect((await t.loginBody('totp.user', 'totppass123')).isRequiresMfa).toBe(true);
    // two trust cookies are read as none
    const twice = await t.http
      .post('/auth/login')
      .set('Cookie', `trust_token=${cookie.value as string}; trust_token=${cookie.value as string}`)
      .send({ username: 'totp.user', password: 'totppass123' });
    expect(twice.body.isRequiresMfa).toBe(true);
  });

  it('dual mode: the trust token in the body and in the cookie', async () => {
    t = await createMfaTestApp({ options: { accessTokenType: 'both' } });
    const body = await t.loginBody('totp.user', 'totppass123');
    const res = await t.http
      .post('/auth/mfa/verify')
      .send({ mfaToken: body.mfaToken, method: 'totp', code: t.totpCode(), trustDevice: true });
    expect(setCookies(res).get('trust_token')?.value).toBe(res.body.trustToken);
  });

  it('header mode never reads a trust cookie', async () => {
    t = await createMfaTestApp();
    const { trustToken } = await trustedLogin();
    const res = await t.http
      .post('/auth/login')
      .set('Cookie', `trust_token=${trustToken as string}`)
      .send({ username: 'totp.user', password: 'totppass123' });
    expect(res.body.isRequiresMfa).toBe(true);
  });
});
