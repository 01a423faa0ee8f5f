import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { AuthEvents, type AuthEvent } from '../../lib/index.js';
import { SESSION_STORE, type SessionStore } from '../../lib/stores/session.store.js';
import { EventRecorder } from '../fixtures/event-recorder.js';
import { createMfaTestApp, MFA_USERS, TOTP_SECRET, type MfaTestApp } from '../fixtures/mfa-app.js';

const UA = 'EventsTest/1.0';

describe('security events: every use case emits its event, with who, where and why, and no secret', () => {
  let t: MfaTestApp;
  let recorder: EventRecorder;
  /** Every secret the flow handled: none may appear in any event. */
  let secrets: Set<string>;

  beforeEach(async () => {
    recorder = new EventRecorder();
    secrets = new Set([TOTP_SECRET, MFA_USERS.totp.password, 'emilyspass', 'wrong-password-1', 'newpassword-123']);
    t = await createMfaTestApp({
      options: { events: { sinks: [recorder] }, refreshToken: { reuseGraceSeconds: 2, orphanGraceSeconds: 0 } },
    });
  });
  afterEach(() => t.close());

  /** The events since the last call, once the sinks have them. */
  const events = async (): Promise<AuthEvent[]> => {
    await t.app.get(AuthEvents).flush(5_000);
    return recorder.take();
  };
  const post = (path: string, body: object, bearer?: string) => {
    const req = t.http.post(path).set('User-Agent', UA).set('X-Request-Id', 'req-42');
    return (bearer === undefined ? req : req.set('Authorization', `Bearer ${bearer}`)).send(body);
  };
  const remember = (body: Record<string, unknown>) => {
    for (const key of ['accessToken', 'refreshToken', 'mfaToken', 'trustToken']) {
      const value = body[key];
      if (typeof value === 'string') secrets.add(value);
    }
    return body as Record<string, string>;
  };

  it('logins: success, wrong password, unknown account, lockout', async () => {
    const ok = remember((await post('/auth/login', { username: 'emilys', password: 'emilyspass' }).expect(200)).body);
    expect(await events()).toEqual([
      expect.objectContaining({
        type: 'login.succeeded',
        userId: 'u-emily',
        sessionId: ok.sessionId ?? ok.refreshToken.split('.')[0],
        method: 'password',
        userAgent: UA,
        requestId: 'req-42',
        ip: expect.any(String),
        reason: null,
      }),
    ]);

    await post('/auth/login', { username: 'emilys', password: 'wrong-password-1' }).expect(401);
    await post('/auth/login', { username: 'nobody-here', password: 'wrong-password-1' }).expect(401);
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'login.failed', userId: 'u-emily', reason: 'invalid_credentials', sessionId: null }),
      expect.objectContaining({ type: 'login.failed', userId: null, reason: 'unknown_account' }),
    ]);

    // The account lock (5 failures by default): the sixth attempt is refused with 429.
    for (let i = 0; i < 4; i++) await post('/auth/login', { username: 'emilys', password: 'wrong-password-1' }).expect(401);
    await post('/auth/login', { username: 'emilys', password: 'wrong-password-1' }).expect(429);
    const locked = (await events()).filter((e) => e.type === 'login.locked');
    expect(locked).toEqual([expect.objectContaining({ userId: 'u-emily', reason: 'login' })]);
    assertNoSecret(recorder.all, secrets);
  });

  it('refresh: rotation, grace replay, reuse detection (and the revocation it causes)', async () => {
    const login = remember((await post('/auth/login', { username: 'emilys', password: 'emilyspass' }).expect(200)).body);
    const sessionId = login.refreshToken.split('.')[0];
    await events();
    const first = remember((await post('/auth/refresh', { refreshToken: login.refreshToken }).expect(200)).body);
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'refresh.rotated', userId: 'u-emily', sessionId, requestId: 'req-42' }),
    ]);
    await post('/auth/refresh', { refreshToken: login.refreshToken }).expect(200);
    expect(await events()).toEqual([expect.objectContaining({ type: 'refresh.grace_replay', sessionId, reason: 'concurrent' })]);
    remember((await post('/auth/refresh', { refreshToken: first.refreshToken }).expect(200)).body);
    await events();
    t.clock.advanceSeconds(3);
    await post('/auth/refresh', { refreshToken: login.refreshToken }).expect(401);
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'refresh.reuse_detected', userId: 'u-emily', sessionId, userAgent: UA }),
      expect.objectContaining({ type: 'session.revoked', userId: 'u-emily', sessionId, reason: 'reuse_detected' }),
    ]);
    assertNoSecret(recorder.all, secrets);
  });

  it('sessions and passwords: logout, session deletion, password change', async () => {
    const a = remember((await post('/auth/login', { username: 'emilys', password: 'emilyspass' }).expect(200)).body);
    const b = remember((await post('/auth/login', { username: 'emilys', password: 'emilyspass' }).expect(200)).body);
    const c = remember((await post('/auth/login', { username: 'emilys', password: 'emilyspass' }).expect(200)).body);
    await events();
    const bId = b.refreshToken.split('.')[0];
    await t.http.delete(`/auth/sessions/${bId}`).set('Authorization', `Bearer ${a.accessToken}`).expect(204);
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'session.revoked', sessionId: bId, reason: 'user', userId: 'u-emily' }),
    ]);

    await post('/auth/password/change', { currentPassword: 'emilyspass', newPassword: 'newpassword-123' }, a.accessToken).expect(200);
    const cId = c.refreshToken.split('.')[0];
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'password.changed', userId: 'u-emily', reason: 'change', sessionId: a.refreshToken.split('.')[0] }),
      expect.objectContaining({ type: 'session.revoked', sessionId: cId, reason: 'password_changed' }),
    ]);

    await post('/auth/logout', {}, a.accessToken).expect(200);
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'logout', allSessions: false, sessionId: a.refreshToken.split('.')[0] }),
    ]);
    assertNoSecret(recorder.all, secrets);
  });

  it('second factors: required, failed, verified, trusted device, recovery code, enabled and disabled', async () => {
    const pending = remember((await post('/auth/login', { username: 'totp.user', password: MFA_USERS.totp.password }).expect(200)).body);
    expect(await events()).toEqual([expect.objectContaining({ type: 'mfa.required', userId: MFA_USERS.totp.id })]);
    const wrong = t.totpCode() === '000000' ? '111111' : '000000';
    await post('/auth/mfa/verify', { mfaToken: pending.mfaToken, method: 'totp', code: wrong }).expect(401);
    expect(await events()).toEqual([expect.objectContaining({ type: 'mfa.failed', userId: MFA_USERS.totp.id, method: 'totp' })]);
    const code = t.totpCode();
    secrets.add(code);
    const done = remember(
      (await post('/auth/mfa/verify', { mfaToken: pending.mfaToken, method: 'totp', code, trustDevice: true }).expect(200)).body,
    );
    const sessionId = done.refreshToken.split('.')[0];
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'mfa.verified', userId: MFA_USERS.totp.id, method: 'totp' }),
      expect.objectContaining({ type: 'login.succeeded', userId: MFA_USERS.totp.id, method: 'totp', sessionId }),
      expect.objectContaining({ type: 'trusted_device.added', userId: MFA_USERS.totp.id, sessionId }),
    ]);

    // A new TOTP enrolment for emilys: enabled, then her recovery code signs her in, then disabled.
    const emily = remember((await post('/auth/login', { username: 'emilys', password: 'emilyspass' }).expect(200)).body);
    const setup = (await post('/auth/mfa/totp/setup', {}, emily.accessToken).expect(200)).body as { secret: string };
    secrets.add(setup.secret);
    const enable = await post('/auth/mfa/totp/enable', { code: t.totpCode(0, setup.secret) }, emily.accessToken).expect(200);
    const recoveryCodes = (enable.body as { recoveryCodes: string[] }).recoveryCodes;
    for (const rc of recoveryCodes) secrets.add(rc);
    expect((await events()).filter((e) => e.type !== 'login.succeeded')).toEqual([
      expect.objectContaining({ type: 'mfa.enabled', userId: 'u-emily', method: 'totp' }),
    ]);
    const again = remember((await post('/auth/login', { username: 'emilys', password: 'emilyspass' }).expect(200)).body);
    await post('/auth/mfa/verify', { mfaToken: again.mfaToken, method: 'recovery', code: recoveryCodes[0] }).expect(200);
    expect((await events()).map((e) => e.type)).toEqual(['mfa.required', 'mfa.verified', 'mfa.recovery_code_used', 'login.succeeded']);
    await post('/auth/mfa/disable', { method: 'totp', password: 'emilyspass' }, emily.accessToken).expect(200);
    expect(await events()).toEqual([expect.objectContaining({ type: 'mfa.disabled', userId: 'u-emily', method: 'totp' })]);
    assertNoSecret(recorder.all, secrets);
  });

  it('registration and a session revoked because its user was deleted', async () => {
    await post('/auth/register', { username: 'newcomer', email: 'newcomer@example.com', password: 'newpassword-123' }).expect(201);
    const registered = await events();
    expect(registered).toEqual([expect.objectContaining({ type: 'user.registered', userId: expect.any(String), userAgent: UA })]);
    const login = remember((await post('/auth/login', { username: 'newcomer', password: 'newpassword-123' }).expect(200)).body);
    await events();
    (t.users as unknown as { byId: Map<string, unknown> }).byId.delete(registered[0]?.userId as string);
    await post('/auth/refresh', { refreshToken: login.refreshToken }).expect(401);
    expect(await events()).toEqual([expect.objectContaining({ type: 'session.revoked', reason: 'user_invalid' })]);
    const session = await t.app.get<SessionStore>(SESSION_STORE).findById(login.refreshToken.split('.')[0]);
    secrets.add(session?.refreshTokenHash ?? 'x');
    assertNoSecret(recorder.all, secrets);
  });
});

/** Secret leakage into events: no secret (nor a long part of one) appears anywhere in any event. */
function assertNoSecret(events: readonly AuthEvent[], secrets: ReadonlySet<string>): void {
  expect(events.length).toBeGreaterThan(0);
  const text = JSON.stringify(events);
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    // A token's distinctive part (a refresh token's secret half, a JWT's signature).
    const tail = secret.split('.').at(-1) ?? '';
    if (tail.length >= 16) expect(text).not.toContain(tail);
  }
  // No field named like a secret, whatever its value.
  for (const event of events) {
    for (const key of Object.keys(event)) expect(key).not.toMatch(/password|token|code|secret|hash/i);
  }
}
