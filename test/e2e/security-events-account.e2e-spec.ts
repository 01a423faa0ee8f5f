import { afterEach, describe, expect, it } from '@jest/globals';
import { ACTIVITY_STORE, AuthEvents, type ActivityStore, type AuthEvent, type AuthModuleOptions } from '../../lib/index.js';
import { EventRecorder } from '../fixtures/event-recorder.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';

const EMILY = 'emily.johnson@example.com';

/** The events of the account lifecycle, second-factor delivery and trusted devices. */
describe('security events of the account lifecycle', () => {
  let t: MfaTestApp;
  let recorder: EventRecorder;
  afterEach(() => t.close());

  const open = async (options: Partial<AuthModuleOptions> = {}): Promise<void> => {
    recorder = new EventRecorder();
    t = await createMfaTestApp({ options: { ...options, events: { sinks: [recorder] } } });
  };
  const events = async (): Promise<AuthEvent[]> => {
    await t.app.get(AuthEvents).flush(5_000);
    return recorder.take();
  };
  const types = async (): Promise<string[]> => (await events()).map((e) => e.type);
  const login = async (username = 'emilys', password = 'emilyspass') =>
    (await t.http.post('/auth/login').send({ username, password }).expect(200)).body as Record<string, string>;

  it('password reset: requested (only for an existing account), then changed, revoking the sessions', async () => {
    await open();
    const before = await login();
    await events();
    await t.http.post('/auth/password/forgot').send({ email: EMILY }).expect(202);
    await t.http.post('/auth/password/forgot').send({ email: 'nobody.here@example.com' }).expect(202);
    expect(await events()).toEqual([expect.objectContaining({ type: 'password.reset_requested', userId: 'u-emily' })]);
    const { code } = await t.outbox.next(EMILY, 'password-reset');
    await t.http.post('/auth/password/reset').send({ token: code, newPassword: 'brand-new-pass-1' }).expect(200);
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'password.changed', userId: 'u-emily', reason: 'reset' }),
      expect.objectContaining({ type: 'session.revoked', sessionId: before.refreshToken.split('.')[0], reason: 'password_changed' }),
    ]);
  });

  it('e-mail verification and change', async () => {
    await open();
    await t.http
      .post('/auth/register')
      .send({ username: 'verifier', email: 'verifier@example.com', password: 'verifier-pass-1' })
      .expect(201);
    const [registered] = await events();
    const verification = await t.outbox.next('verifier@example.com', 'email-verification');
    await t.http.post('/auth/email/verify').send({ token: verification.code }).expect(200);
    expect(await events()).toEqual([expect.objectContaining({ type: 'email.verified', userId: registered?.userId })]);

    const { accessToken } = await login();
    await events();
    await t.http
      .post('/auth/email/change')
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ newEmail: 'emily.new@example.com', password: 'emilyspass' })
      .expect(202);
    expect(await events()).toEqual([]); // nothing changed yet
    const confirm = await t.outbox.next('emily.new@example.com', 'email-change');
    await t.http.post('/auth/email/verify').send({ token: confirm.code }).expect(200);
    expect(await events()).toEqual([expect.objectContaining({ type: 'email.changed', userId: 'u-emily' })]);
  });

  it('sign-in codes: a wrong code fails, the right one signs in', async () => {
    await open({ loginCode: { enabled: true } });
    await t.http.post('/auth/login/code/send').send({ email: EMILY }).expect(202);
    const { code } = await t.outbox.next(EMILY, 'login-code');
    const wrong = code === '00000000' ? '11111111' : '00000000';
    await t.http.post('/auth/login/code').send({ email: EMILY, code: wrong }).expect(401);
    expect(await events()).toEqual([expect.objectContaining({ type: 'login.failed', reason: 'invalid_code' })]);
    const done = (await t.http.post('/auth/login/code').send({ email: EMILY, code }).expect(200)).body as { refreshToken: string };
    expect(await events()).toEqual([
      expect.objectContaining({
        type: 'login.succeeded',
        userId: 'u-emily',
        method: 'login_code',
        sessionId: done.refreshToken.split('.')[0],
      }),
    ]);
  });

  it('a code sent for a pending login, and a trusted device revoked', async () => {
    await open();
    const pending = (
      await t.http.post('/auth/login').send({ username: MFA_USERS.email.username, password: MFA_USERS.email.password }).expect(200)
    ).body as { mfaToken: string };
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'mfa.challenge_sent', userId: MFA_USERS.email.id, method: 'email' }),
      expect.objectContaining({ type: 'mfa.required', userId: MFA_USERS.email.id }),
    ]);
    const code = t.outbox.lastCode(MFA_USERS.email.email);
    const done = (
      await t.http.post('/auth/mfa/verify').send({ mfaToken: pending.mfaToken, method: 'email', code, trustDevice: true }).expect(200)
    ).body as { accessToken: string };
    await events();
    const devices = (await t.http.get('/auth/mfa/devices').set('Authorization', `Bearer ${done.accessToken}`).expect(200)).body as {
      id: string;
    }[];
    await t.http
      .delete(`/auth/mfa/devices/${devices[0]?.id ?? ''}`)
      .set('Authorization', `Bearer ${done.accessToken}`)
      .expect(204);
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'trusted_device.revoked', userId: MFA_USERS.email.id, reason: 'user' }),
    ]);
  });

  it('account deletion: the event, and the account’s activity feed deleted with it', async () => {
    await open();
    const { accessToken } = await login();
    await login();
    const feed = t.app.get<ActivityStore>(ACTIVITY_STORE);
    await t.app.get(AuthEvents).flush(5_000);
    expect((await feed.listByUser('u-emily', 10)).length).toBe(2);
    await t.http.post('/auth/account/delete').set('Authorization', `Bearer ${accessToken}`).send({ password: 'emilyspass' }).expect(200);
    expect(await types()).toContain('account.deleted');
    expect(await feed.listByUser('u-emily', 10)).toEqual([]);
  });
});
