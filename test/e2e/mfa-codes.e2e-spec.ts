import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';

function problem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

const EMAIL = MFA_USERS.email.email;

describe('e-mail and SMS codes', () => {
  let t: MfaTestApp;
  afterEach(() => t.close());

  const pending = async (): Promise<string> => (await t.loginBody('email.user', 'emailpass123')).mfaToken as string;
  const verify = (mfaToken: string, code: string, method = 'email') => t.http.post('/auth/mfa/verify').send({ mfaToken, method, code });
  const other = (code: string) => (code === '000000' ? '000001' : '000000');

  it('the code is sent at login when e-mail is the default method; the login completes with it', async () => {
    t = await createMfaTestApp();
    const body = await t.loginBody('email.user', 'emailpass123');
    expect(body).toMatchObject({ isRequiresMfa: true, mfaMethods: ['email'], defaultMfaMethod: 'email' });
    expect(body.message).toBe('Multi-factor authentication required. A verification code was sent to e•••@example.com.');
    const mail = t.outbox.last(EMAIL)!;
    expect(mail).toMatchObject({ channel: 'email', subject: 'Your Gatekeeper Test verification code', expiresInSeconds: 600 });
    expect(mail.code).toMatch(/^[0-9]{6}$/);
    expect(mail.text).toContain(mail.code);
    const done = await verify(body.mfaToken as string, mail.code);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ isRequiresMfa: false, user: { username: 'email.user', mfaMethods: ['email'] } });
  });

  it('expiry: a code older than codeTtl is refused', async () => {
    t = await createMfaTestApp({ mfa: { codeTtl: '2m' } });
    const mfaToken = await pending();
    t.clock.advance(2 * 60_000 + 1000);
    problem(await verify(mfaToken, t.outbox.lastCode(EMAIL)), 401, 'MFA_CODE_INVALID');
  });

  it('single use: a code that completed a login cannot complete another', async () => {
    t = await createMfaTestApp();
    const mfaToken = await pending();
    const code = t.outbox.lastCode(EMAIL);
    expect((await verify(mfaToken, code)).status).toBe(200);
    problem(await verify(mfaToken, code), 401, 'MFA_TOKEN_INVALID');
    // bound to its pending login: a new login's token with the old code is refused
    problem(await verify(await pending(), code), 401, 'MFA_CODE_INVALID');
  });

  it('invalidation by re-send: the previous code stops working, the new one works', async () => {
    t = await createMfaTestApp();
    const mfaToken = await pending();
    const first = t.outbox.lastCode(EMAIL);
    const resent = await t.http.post('/auth/mfa/send').send({ mfaToken, method: 'email' });
    expect(resent.status).toBe(200);
    const second = t.outbox.lastCode(EMAIL);
    if (second !== first) problem(await verify(mfaToken, first), 401, 'MFA_CODE_INVALID');
    expect((await verify(mfaToken, second)).status).toBe(200);
  });

  it('a new login invalidates the code of the previous pending login (one live code per user)', async () => {
    t = await createMfaTestApp();
    const firstToken = await pending();
    const firstCode = t.outbox.lastCode(EMAIL);
    const secondToken = await pending();
    problem(await verify(firstToken, firstCode), 401, 'MFA_CODE_INVALID');
    expect((await verify(secondToken, t.outbox.lastCode(EMAIL))).status).toBe(200);
  });

  it('a wrong code leaves the right one usable (until the cap)', async () => {
    t = await createMfaTestApp();
    const mfaToken = await pending();
    const code = t.outbox.lastCode(EMAIL);
    problem(await verify(mfaToken, other(code)), 401, 'MFA_CODE_INVALID');
    expect((await verify(mfaToken, code)).status).toBe(200);
  });

  it('codes are stored as keyed hashes, never in clear', async () => {
    t = await createMfaTestApp();
    await pending();
    const code = t.outbox.lastCode(EMAIL);
    const stored = (t.mfaStore as unknown as { codes: Map<string, unknown> }).codes.get(MFA_USERS.email.id);
    expect(stored).toBeDefined();
    expect(JSON.stringify(stored)).not.toContain(code);
  });

  it('SMS: the code goes to the phone number; an e-mail user cannot ask for SMS', async () => {
    t = await createMfaTestApp();
    const body = await t.loginBody('sms.user', 'smspass1234');
    expect(body).toMatchObject({ defaultMfaMethod: 'sms', mfaMethods: ['sms'] });
    expect(body.message).toContain('•••4567');
    const sms = t.outbox.last(MFA_USERS.sms.phone)!;
    expect(sms.channel).toBe('sms');
    expect((await verify(body.mfaToken as string, sms.code, 'sms')).status).toBe(200);
    problem(await t.http.post('/auth/mfa/send').send({ mfaToken: await pending(), method: 'sms' }), 400, 'MFA_METHOD_UNAVAILABLE');
    problem(await verify(await pending(), '123456', 'sms'), 400, 'MFA_METHOD_UNAVAILABLE');
    problem(await verify(await pending(), '123456', 'totp'), 400, 'MFA_METHOD_UNAVAILABLE');
  });

  it('a failing gateway: login still answers with the pending step; /mfa/send answers 503 MFA_DELIVERY_FAILED', async () => {
    t = await createMfaTestApp();
    t.outbox.failing = true;
    const body = await t.loginBody('email.user', 'emailpass123');
    expect(body.isRequiresMfa).toBe(true);
    expect(body.message).toMatch(/could not be sent/);
    const res = await t.http.post('/auth/mfa/send').send({ mfaToken: body.mfaToken, method: 'email' });
    problem(res, 503, 'MFA_DELIVERY_FAILED');
    expect(JSON.stringify(res.body)).not.toContain('gateway down');
    t.outbox.failing = false;
    expect((await t.http.post('/auth/mfa/send').send({ mfaToken: body.mfaToken, method: 'email' })).status).toBe(200);
    expect((await verify(body.mfaToken as string, t.outbox.lastCode(EMAIL))).status).toBe(200);
  });
});

describe('MFA inputs of the wrong shape: 400 or 401, never 500', () => {
  let t: MfaTestApp;
  beforeAll(async () => {
    t = await createMfaTestApp({ mfa: { maxAttempts: 1000 } });
  });
  afterAll(() => t.close());

  const shapes: unknown[] = [
    '12345',
    '1234567',
    '12 345',
    ' 123456',
    '123456 ',
    '１２３４５６',
    '12345a',
    '',
    123456,
    0,
    ['123456'],
    { code: '123456' },
    null,
    true,
    'x'.repeat(65),
    '1'.repeat(10_000),
  ];

  it.each(['totp', 'email', 'recovery'])('method %s', async (method) => {
    const username = method === 'email' ? 'email.user' : 'totp.user';
    const password = method === 'email' ? 'emailpass123' : 'totppass123';
    if (method === 'recovery') await t.mfaStore.replaceRecoveryCodes(MFA_USERS.totp.id, ['x']);
    for (const code of shapes) {
      const mfaToken = (await t.loginBody(username, password)).mfaToken;
      const res = await t.http.post('/auth/mfa/verify').send({ mfaToken, method, code });
      expect([400, 401]).toContain(res.status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('bad mfaToken, method and trustDevice values', async () => {
    const mfaToken = (await t.loginBody('totp.user', 'totppass123')).mfaToken;
    const bodies: unknown[] = [
      { mfaToken, method: 'carrier-pigeon', code: '123456' },
      { mfaToken, method: ['totp'], code: '123456' },
      { mfaToken, code: '123456' },
      { mfaToken: 42, method: 'totp', code: '123456' },
      { mfaToken: '', method: 'totp', code: '123456' },
      { mfaToken: 'a'.repeat(5000), method: 'totp', code: '123456' },
      { mfaToken, method: 'totp', code: '123456', trustDevice: 'yes' },
      { mfaToken, method: 'totp', code: '123456', extra: 1 },
      [],
      'totp',
    ];
    for (const body of bodies) {
      const res = await t.http.post('/auth/mfa/verify').send(body as object);
      expect(res.status).toBe(400);
    }
    expect((await t.http.post('/auth/mfa/send').send({ mfaToken, method: 'totp' })).status).toBe(400);
    expect((await t.http.post('/auth/mfa/verify').set('Content-Type', 'application/json').send('{"mfaToken":')).status).toBe(400);
  });
});
