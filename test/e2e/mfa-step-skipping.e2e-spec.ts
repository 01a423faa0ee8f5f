import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { MemoryMfaStore, type MfaStore } from '../../lib/index.js';
import { createSigner } from 'fast-jwt';
import { generateKeyPairSync } from 'node:crypto';
import type { Response } from 'supertest';
import { setCookies } from '../fixtures/cookie-jar.js';
import { TEST_SECRET } from '../fixtures/create-test-app.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';

function problem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

describe('skipping the MFA step', () => {
  let t: MfaTestApp;
  afterEach(() => t.close());

  const pendingToken = async (): Promise<string> => {
    const body = await t.loginBody(MFA_USERS.totp.username, MFA_USERS.totp.password);
    return body.mfaToken as string;
  };

  it('a login that needs MFA issues no access or refresh token, only the pending step of CONTRACT §4', async () => {
    t = await createMfaTestApp();
    const res = await t.http.post('/auth/login').send({ username: 'totp.user', password: 'totppass123' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['defaultMfaMethod', 'isRequiresMfa', 'message', 'mfaMethods', 'mfaToken']);
    expect(res.body).toMatchObject({ isRequiresMfa: true, mfaMethods: ['totp'], defaultMfaMethod: 'totp' });
    const [header] = (res.body.mfaToken as string).split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({
      typ: 'mfa+jwt',
      alg: 'HS256',
      kid: expect.any(String),
    });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('cookie mode: the pending step sets no auth cookie; the verified step sets them', async () => {
    t = await createMfaTestApp({ options: { accessTokenType: 'cookie' } });
    const res = await t.http.post('/auth/login').send({ username: 'totp.user', password: 'totppass123' });
    expect(res.body.isRequiresMfa).toBe(true);
    expect(res.headers['set-cookie']).toBeUndefined();
    const done = await t.http.post('/auth/mfa/verify').send({ mfaToken: res.body.mfaToken, method: 'totp', code: t.totpCode() });
    expect(done.status).toBe(200);
    expect([...setCookies(done).keys()].sort()).toEqual(['access_token', 'csrf_token', 'refresh_token']);
    expect(done.body).not.toHaveProperty('accessToken');
  });

  it('the pending token is refused at /auth/me as a Bearer token (401)', async () => {
    t = await createMfaTestApp();
    const res = await t.http.get('/auth/me').set('Authorization', `Bearer ${await pendingToken()}`);
    problem(res, 401, 'ACCESS_TOKEN_INVALID');
    expect(res.headers['www-authenticate']).toContain('invalid_token');
  });

  it('the pending token is refused at /auth/me as the access cookie in cookie mode (401)', async () => {
    t = await createMfaTestApp({ options: { accessTokenType: 'cookie' } });
    const res = await t.http.get('/auth/me').set('Cookie', `access_token=${await pendingToken()}`);
    problem(res, 401, 'ACCESS_TOKEN_INVALID');
  });

  it('the pending token is refused at /auth/refresh (401)', async () => {
    t = await createMfaTestApp();
    problem(await t.http.post('/auth/refresh').send({ refreshToken: await pendingToken() }), 401, 'REFRESH_TOKEN_INVALID');
  });

  it('the pending token is refused at password change, TOTP setup/enable, MFA disable, sessions, devices and host routes (401)', async () => {
    t = await createMfaTestApp();
    const auth = `Bearer ${await pendingToken()}`;
    const attempts = [
      t.http
        .post('/auth/password/change')
        .set('Authorization', auth)
        .send({ currentPassword: 'totppass123', newPassword: 'a-whole-new-password' }),
      t.http.post('/auth/mfa/totp/setup').set('Authorization', auth),
      t.http.post('/auth/mfa/totp/enable').set('Authorization', auth).send({ code: t.totpCode() }),
      t.http.post('/auth/mfa/disable').set('Authorization', auth).send({ method: 'totp', password: 'totppass123' }),
      t.http.get('/auth/sessions').set('Authorization', auth),
      t.http.get('/auth/mfa/devices').set('Authorization', auth),
      t.http.get('/protected').set('Authorization', auth),
      t.http.post('/auth/logout').set('Authorization', auth),
    ];
    for (const res of await Promise.all(attempts)) problem(res, 401, 'ACCESS_TOKEN_INVALID');
    // and the password is still the old one
    expect((await t.http.post('/auth/login').send({ username: 'totp.user', password: 'totppass123' })).status).toBe(200);
  });

  it('an access token is not an mfaToken (401 MFA_TOKEN_INVALID)', async () => {
    t = await createMfaTestApp();
    const { accessToken } = await t.login();
    problem(
      await t.http.post('/auth/mfa/verify').send({ mfaToken: accessToken, method: 'totp', code: t.totpCode() }),
      401,
      'MFA_TOKEN_INVALID',
    );
  });

  it('a forged mfaToken (another key, alg none, edited claims, no kid, an unknown kid) is refused', async () => {
    t = await createMfaTestApp();
    const genuine = await pendingToken();
    const payload = JSON.parse(Buffer.from(genuine.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    // The genuine kid on every forgery: each is refused for what it forges, not for a missing kid.
    const { kid } = JSON.parse(Buffer.from(genuine.split('.')[0], 'base64url').toString()) as { kid: string };
    expect(kid).toEqual(expect.any(String));
    const otherKey = createSigner({ key: 'another-secret-that-is-at-least-32-bytes!!', header: { alg: 'HS256', typ: 'mfa+jwt', kid } })(
      payload,
    );
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'mfa+jwt', kid })).toString('base64url')}.${genuine.split('.')[1]}.`;
    const edited = `${genuine.split('.')[0]}.${Buffer.from(JSON.stringify({ ...payload, sub: 'u-emily' })).toString('base64url')}.${genuine.split('.')[2]}`;
    const wrongTyp = createSigner({ key: TEST_SECRET, header: { alg: 'HS256', typ: 'at+jwt', kid } })(payload);
    const noKid = createSigner({ key: TEST_SECRET, header: { alg: 'HS256', typ: 'mfa+jwt' } })(payload);
    const unknownKid = createSigner({ key: TEST_SECRET, header: { alg: 'HS256', typ: 'mfa+jwt', kid: 'attacker-key' } })(payload);
    const control = createSigner({ key: TEST_SECRET, header: { alg: 'HS256', typ: 'mfa+jwt', kid } })(payload);
    expect(control.split('.')[0]).toBe(genuine.split('.')[0]); // the forging helper makes genuine headers
    for (const mfaToken of [otherKey, none, edited, wrongTyp, noKid, unknownKid, 'x', genuine + 'x']) {
      problem(await t.http.post('/auth/mfa/verify').send({ mfaToken, method: 'totp', code: t.totpCode() }), 401, 'MFA_TOKEN_INVALID');
    }
  });

  it('with an asymmetric JWT key (ES256) the mfaToken is signed and checked with it too', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    t = await createMfaTestApp({ options: { jwt: { algorithm: 'ES256', privateKey } } });
    const mfaToken = await pendingToken();
    expect(JSON.parse(Buffer.from(mfaToken.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'ES256',
      typ: 'mfa+jwt',
      kid: expect.any(String),
    });
    const done = await t.http.post('/auth/mfa/verify').send({ mfaToken, method: 'totp', code: t.totpCode() });
    expect(done.status).toBe(200);
    problem(await t.http.get('/auth/me').set('Authorization', `Bearer ${mfaToken}`), 401, 'ACCESS_TOKEN_INVALID');
  });

  it('start-up warns when MFA state is shared but the attempt counters are per instance', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      // a store that is not the in-memory one (as a shared SQL or Redis store would be)
      const memory = new MemoryMfaStore();
      t = await createMfaTestApp({ options: { mfaStore: { useFactory: () => wrapStore(memory) } } });
      expect(warn.mock.calls.some(([message]) => String(message).includes('rateLimitStore is in memory'))).toBe(true);
      await t.close();
      warn.mockClear();
      t = await createMfaTestApp();
      expect(warn.mock.calls.some(([message]) => String(message).includes('rateLimitStore is in memory'))).toBe(false);
    } finally {
      warn.mockRestore();
    }
  });

  it('an mfaToken dies after 5 minutes', async () => {
    t = await createMfaTestApp();
    const mfaToken = await pendingToken();
    t.clock.advanceSeconds(301);
    problem(await t.http.post('/auth/mfa/verify').send({ mfaToken, method: 'totp', code: t.totpCode() }), 401, 'MFA_TOKEN_INVALID');
  });

  it('an mfaToken completes one login only: replaying it after success is refused', async () => {
    t = await createMfaTestApp();
    const mfaToken = await pendingToken();
    expect((await t.http.post('/auth/mfa/verify').send({ mfaToken, method: 'totp', code: t.totpCode() })).status).toBe(200);
    t.clock.advanceSeconds(30);
    problem(await t.http.post('/auth/mfa/verify').send({ mfaToken, method: 'totp', code: t.totpCode() }), 401, 'MFA_TOKEN_INVALID');
  });

  it('the completed login carries the expiresInMins asked for at the password step', async () => {
    t = await createMfaTestApp();
    const body = await t.loginBody('totp.user', 'totppass123', { expiresInMins: 30 });
    const done = await t.http.post('/auth/mfa/verify').send({ mfaToken: body.mfaToken, method: 'totp', code: t.totpCode() });
    expect(done.body.expiresIn).toBe(1800);
    const me = await t.http.get('/auth/me').set('Authorization', `Bearer ${done.body.accessToken as string}`);
    expect(me.body).toMatchObject({ username: 'totp.user', mfaEnabled: true, mfaMethods: ['totp'] });
  });

  it('mfa.required: a user without a second factor gets 403 MFA_ENROLLMENT_REQUIRED, never tokens', async () => {
    t = await createMfaTestApp({ mfa: { required: true } });
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    problem(res, 403, 'MFA_ENROLLMENT_REQUIRED');
    expect(res.body).not.toHaveProperty('accessToken');
    expect(res.headers['set-cookie']).toBeUndefined();
    // a wrong password still gets the ordinary answer (no hint that the account exists)
    problem(await t.http.post('/auth/login').send({ username: 'emilys', password: 'wrong-password' }), 401, 'INVALID_CREDENTIALS');
    // a user with a method gets the MFA step
    expect((await t.loginBody('totp.user', 'totppass123')).isRequiresMfa).toBe(true);
  });

  it('a user whose only method is no longer offered is refused (fail closed), not let in', async () => {
    t = await createMfaTestApp({ mfa: { methods: ['email'] } });
    // totp.user was enrolled with TOTP by an earlier configuration:
    await t.users.setMfaMethods(MFA_USERS.totp.id, ['totp']);
    problem(await t.http.post('/auth/login').send({ username: 'totp.user', password: 'totppass123' }), 403, 'MFA_ENROLLMENT_REQUIRED');
  });
});

/** An MfaStore that delegates to another one without being a `MemoryMfaStore` itself. */
function wrapStore(inner: MfaStore): MfaStore {
  const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(inner)).filter((name) => name !== 'constructor');
  return Object.fromEntries(
    methods.map((name) => [
      name,
      (...args: unknown[]) => (inner as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args),
    ]),
  ) as unknown as MfaStore;
}
