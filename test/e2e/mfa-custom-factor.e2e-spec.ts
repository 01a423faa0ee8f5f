import { afterEach, describe, expect, it } from '@jest/globals';
import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'supertest';
import {
  AUTH_CLOCK,
  AuthConfigError,
  MfaEnrolmentService,
  USER_STORE,
  type AuthUser,
  type Clock,
  type MfaCodeSent,
  type MfaFactor,
  type MfaSendContext,
  type MfaVerifyContext,
  type UserStore,
} from '../../lib/index.js';
import { createTestApp, hashOnce, type TestApp, type TestAppOptions } from '../fixtures/create-test-app.js';

/*
 * The public extension point of issue 14: an app adds second factors of its own through
 * `mfa.factors`, from its own code only, and they go through the module's pending login, attempt
 * cap, send limits and validation like the built-in ones.
 */

const PIN = '424242';

/** A fixed-code factor, given as a class: Nest builds it, injecting what it needs (the clock). */
@Injectable()
class PinFactor implements MfaFactor {
  readonly method = 'pin';

  constructor(@Inject(AUTH_CLOCK) private readonly clock: Clock) {}

  isUsableFor(): boolean {
    return true;
  }

  codeFormatError(code: string): string | undefined {
    return /^[0-9]{6}$/.test(code) ? undefined : 'a PIN has 6 digits';
  }

  verify({ code }: MfaVerifyContext): Promise<boolean> {
    // A real factor would look the user's PIN up; the injected clock shows the injector built it.
    return Promise.resolve(this.clock.now() > 0 && code === PIN);
  }
}

/** A "push" factor that sends a one-time code to a fake device, given as `{ useFactory, inject }`. */
class PushFactor implements MfaFactor {
  readonly method = 'push';
  /** What the fake push gateway received, newest last. */
  readonly pushed: { userId: string; pendingId: string; code: string }[] = [];
  disabledFor: string[] = [];
  private counter = 0;

  constructor(private readonly users: UserStore) {}

  async isUsableFor(user: AuthUser): Promise<boolean> {
    // Only users still present in the store (a factor may consult anything it injected).
    return (await this.users.findById(user.id)) !== null;
  }

  send({ user, pending }: MfaSendContext): Promise<MfaCodeSent> {
    const code = String(100000 + ++this.counter);
    this.pushed.push({ userId: user.id, pendingId: pending.pendingId, code });
    return Promise.resolve({ message: 'A code was pushed to your phone.', expiresIn: 120 });
  }

  verify({ user, pending, code }: MfaVerifyContext): Promise<boolean> {
    const last = this.pushed.filter((p) => p.userId === user.id && p.pendingId === pending.pendingId).at(-1);
    return Promise.resolve(last !== undefined && last.code === code);
  }

  disable(userId: string): Promise<void> {
    this.disabledFor.push(userId);
    return Promise.resolve();
  }
}

const CUSTOM_USER = { id: 'u-custom', username: 'custom.user', password: 'custompass123', email: 'custom@example.com' };
const PUSH_USER = { id: 'u-push', username: 'push.user', password: 'pushpass1234', email: 'push@example.com' };

async function userRecord(u: typeof CUSTOM_USER, mfaMethods: string[]): Promise<AuthUser> {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    passwordHash: await hashOnce(u.password),
    roles: ['user'],
    mfaEnabled: mfaMethods.length > 0,
    mfaMethods,
  };
}

function problem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

describe('MFA: a custom factor added through mfa.factors (no change to lib/)', () => {
  let t: TestApp;
  let push: PushFactor;
  let started: TestApp | undefined;
  afterEach(async () => {
    await started?.close();
    started = undefined;
  });

  async function start(config: TestAppOptions & { maxAttempts?: number } = {}): Promise<TestApp> {
    started = await createTestApp({
      ...config,
      extraUsers: [await userRecord(CUSTOM_USER, ['pin', 'push']), await userRecord(PUSH_USER, ['push'])],
      options: {
        ...config.options,
        mfa: {
          maxAttempts: config.maxAttempts ?? 5,
          factors: [
            PinFactor,
            {
              useFactory: (users: UserStore) => {
                push = new PushFactor(users);
                return push;
              },
              inject: [USER_STORE],
            },
          ],
        },
      },
    });
    return started;
  }

  const loginBody = async (user: typeof CUSTOM_USER): Promise<Record<string, unknown>> => {
    const res = await t.http.post('/auth/login').send({ username: user.username, password: user.password });
    expect(res.status).toBe(200);
    return res.body as Record<string, unknown>;
  };
  const verify = (mfaToken: unknown, method: string, code: string) => t.http.post('/auth/mfa/verify').send({ mfaToken, method, code });

  it('logs in with the custom factor: the challenge names it, a wrong code is 401, the right one gives tokens', async () => {
    t = await start();
    const login = await loginBody(CUSTOM_USER);
    expect(login).toMatchObject({ isRequiresMfa: true, mfaMethods: ['pin', 'push'], defaultMfaMethod: 'pin' });
    expect(login.accessToken).toBeUndefined();
    problem(await verify(login.mfaToken, 'pin', '000000'), 401, 'MFA_CODE_INVALID');
    // the factor's own format rule: 400 on `code`, before anything is counted
    const malformed = await verify(login.mfaToken, 'pin', '12');
    problem(malformed, 400, 'VALIDATION_FAILED');
    expect(malformed.body.errors).toEqual([{ field: 'code', message: 'a PIN has 6 digits' }]);
    const ok = await verify(login.mfaToken, 'pin', PIN);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      isRequiresMfa: false,
      tokenType: 'Bearer',
      user: { username: CUSTOM_USER.username, mfaMethods: ['pin', 'push'] },
    });
    const me = await t.http.get('/auth/me').set('Authorization', `Bearer ${ok.body.accessToken as string}`);
    expect(me.status).toBe(200);
    // the pending login is single-use, for custom factors too
    problem(await verify(login.mfaToken, 'pin', PIN), 401, 'MFA_TOKEN_INVALID');
  });

  it('works the same through forRootAsync (the factor class built by the injector there too)', async () => {
    t = await start({ async: true });
    const login = await loginBody(CUSTOM_USER);
    expect(login).toMatchObject({ isRequiresMfa: true, defaultMfaMethod: 'pin' });
    expect((await verify(login.mfaToken, 'pin', PIN)).status).toBe(200);
  });

  it('wrong codes of custom factors count against the shared attempt cap (and kill the pending login)', async () => {
    t = await start({ maxAttempts: 3 });
    const first = await loginBody(CUSTOM_USER);
    problem(await verify(first.mfaToken, 'pin', '000000'), 401, 'MFA_CODE_INVALID');
    problem(await verify(first.mfaToken, 'push', '999999'), 401, 'MFA_CODE_INVALID');
    problem(await verify(first.mfaToken, 'pin', '111111'), 401, 'MFA_CODE_INVALID');
    // the third wrong code reached the cap: this pending login is dead even with the right code...
    problem(await verify(first.mfaToken, 'pin', PIN), 401, 'MFA_TOKEN_INVALID');
    // ...and a fresh password login is locked out (429) until the cool-down passes
    const fresh = await loginBody(CUSTOM_USER);
    const locked = await verify(fresh.mfaToken, 'pin', PIN);
    problem(locked, 429, 'TOO_MANY_REQUESTS');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(15 * 60_000 + 1000);
    expect((await verify((await loginBody(CUSTOM_USER)).mfaToken, 'pin', PIN)).status).toBe(200);
  });

  it('a custom factor that sends: its code goes out at login (default method) and on POST /mfa/send', async () => {
    t = await start();
    const login = await loginBody(PUSH_USER);
    expect(login).toMatchObject({ isRequiresMfa: true, mfaMethods: ['push'], defaultMfaMethod: 'push' });
    expect(login.message).toBe('Multi-factor authentication required. A code was pushed to your phone.');
    expect(push.pushed).toHaveLength(1);
    const sent = await t.http.post('/auth/mfa/send').send({ mfaToken: login.mfaToken, method: 'push' });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ message: 'A code was pushed to your phone.', method: 'push', expiresIn: 120 });
    expect(push.pushed).toHaveLength(2);
    // the newer code replaced the first one (the factor's own rule)
    problem(await verify(login.mfaToken, 'push', push.pushed[0].code), 401, 'MFA_CODE_INVALID');
    const ok = await verify(login.mfaToken, 'push', push.pushed[1].code);
    expect(ok.status).toBe(200);
    expect(typeof ok.body.accessToken).toBe('string');
  });

  it('the send limits apply to a custom sending factor', async () => {
    t = await start();
    const login = await loginBody(PUSH_USER);
    // the default limit is 5 sends per user in 15 minutes, the one at login included
    for (let i = 0; i < 4; i++)
      expect((await t.http.post('/auth/mfa/send').send({ mfaToken: login.mfaToken, method: 'push' })).status).toBe(200);
    problem(await t.http.post('/auth/mfa/send').send({ mfaToken: login.mfaToken, method: 'push' }), 429, 'TOO_MANY_REQUESTS');
  });

  it('the method field accepts configured custom names and still refuses unknown ones with 400', async () => {
    t = await start();
    const login = await loginBody(CUSTOM_USER);
    const unknown = await verify(login.mfaToken, 'carrier-pigeon', '123456');
    problem(unknown, 400, 'VALIDATION_FAILED');
    expect(unknown.body.errors).toEqual([
      { field: 'method', message: 'method must be one of the following values: totp, email, sms, recovery, pin, push' },
    ]);
    // /mfa/send accepts only factors that send: 'pin' does not
    const notSending = await t.http.post('/auth/mfa/send').send({ mfaToken: login.mfaToken, method: 'pin' });
    problem(notSending, 400, 'VALIDATION_FAILED');
    expect(notSending.body.errors).toEqual([{ field: 'method', message: 'method must be one of the following values: email, sms, push' }]);
    // a built-in method the module does not offer: unavailable, as before
    problem(await verify(login.mfaToken, 'totp', '123456'), 400, 'MFA_METHOD_UNAVAILABLE');
  });

  it('a custom factor is turned off with POST /mfa/disable (its disable hook runs) and enabled with MfaEnrolmentService.enableMethod', async () => {
    t = await start();
    const login = await loginBody(PUSH_USER);
    const tokens = await verify(login.mfaToken, 'push', push.pushed.at(-1)!.code);
    const auth = `Bearer ${tokens.body.accessToken as string}`;
    const off = await t.http.post('/auth/mfa/disable').set('Authorization', auth).send({ method: 'push', password: PUSH_USER.password });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ message: "Multi-factor method 'push' disabled." });
    expect(push.disabledFor).toEqual([PUSH_USER.id]);
    expect((await loginBody(PUSH_USER)).isRequiresMfa).toBe(false);
    await t.app.get(MfaEnrolmentService).enableMethod(PUSH_USER.id, 'push');
    expect(await loginBody(PUSH_USER)).toMatchObject({ isRequiresMfa: true, defaultMfaMethod: 'push' });
  });

  it('refuses bad factors at start-up, naming each one', async () => {
    const bad: MfaFactor = { method: 'totp', isUsableFor: () => true, verify: () => Promise.resolve(false) };
    const twice: MfaFactor = { method: 'pin', isUsableFor: () => true, verify: () => Promise.resolve(false) };
    const error = await createTestApp({
      options: { mfa: { factors: [PinFactor, bad, twice, { method: 'half' } as unknown as MfaFactor, { ...twice, method: 'Bad Name' }] } },
    }).then(
      (app) => {
        started = app;
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthConfigError);
    expect((error as AuthConfigError).problems).toEqual([
      "mfa.factors[1].method: 'totp' is a built-in method",
      "mfa.factors[2].method: 'pin' is used by another factor",
      'mfa.factors[3]: must implement MfaFactor (method, isUsableFor, verify)',
      "mfa.factors[4].method: must be lower-case letters, digits, '-' or '_' (at most 32), starting with a letter",
    ]);
  });
});
