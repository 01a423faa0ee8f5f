import { afterEach, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import {
  AuthEvents,
  MemoryPasskeyStore,
  PASSKEY_STORE,
  type AuthEvent,
  type AuthModuleOptions,
  type PasskeyStore,
} from '../../lib/index.js';
import { setCookies } from '../fixtures/cookie-jar.js';
import { EventRecorder } from '../fixtures/event-recorder.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';
import { SoftAuthenticator, type CeremonyOverrides } from '../fixtures/soft-authenticator.js';

const ORIGIN = 'http://localhost:3000';
const PASSKEYS = { enabled: true, rpId: 'localhost', origins: [ORIGIN] };

function problem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];

type Body = Record<string, unknown>;

describe('passkeys (WebAuthn)', () => {
  let t: MfaTestApp;
  let events: EventRecorder;
  afterEach(() => t.close());

  /** Every event so far, once the sinks have them. */
  const delivered = async (): Promise<AuthEvent[]> => {
    await t.app.get(AuthEvents).flush(5_000);
    return events.all;
  };
  const ofType = async (type: AuthEvent['type']): Promise<AuthEvent[]> => (await delivered()).filter((e) => e.type === type);

  const start = async (passkeys: Partial<NonNullable<AuthModuleOptions['passkeys']>> = {}, options: Partial<AuthModuleOptions> = {}) => {
    events = new EventRecorder();
    t = await createMfaTestApp({ options: { passkeys: { ...PASSKEYS, ...passkeys }, events: { sinks: [events] }, ...options } });
  };

  /** Signs in with the password and returns the access token (users without a second factor). */
  const tokenOf = async (username = 'emilys', password = 'emilyspass'): Promise<string> => (await t.login(username, password)).accessToken;

  const registrationOptions = (token: string, password = 'emilyspass') =>
    t.http
      .post('/auth/passkeys/register/options')
      .set(...bearer(token))
      .send({ password });

  /** Registers a passkey of `authenticator` for the token's user; returns the response. */
  const register = async (token: string, authenticator: SoftAuthenticator, overrides: CeremonyOverrides = {}, password = 'emilyspass') => {
    const options = await registrationOptions(token, password);
    expect(options.status).toBe(200);
    return t.http
      .post('/auth/passkeys/register')
      .set(...bearer(token))
      .send({ credential: authenticator.create(options.body as never, overrides), name: 'Laptop' });
  };

  const loginOptions = async (body: Body = {}): Promise<Body> => {
    const res = await t.http.post('/auth/passkeys/login/options').send(body);
    expect(res.status).toBe(200);
    return res.body as Body;
  };

  const passkeyLogin = async (authenticator: SoftAuthenticator, overrides: CeremonyOverrides = {}, body: Body = {}) =>
    t.http.post('/auth/passkeys/login').send({ credential: authenticator.get((await loginOptions()) as never, overrides), ...body });

  it('registers a passkey after the password, lists it, and signs in with it (no password, no second step)', async () => {
    await start();
    const authenticator = new SoftAuthenticator(ORIGIN);
    const token = await tokenOf();
    const added = await register(token, authenticator);
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      id: expect.stringMatching(/^[\w-]{43}$/),
      name: 'Laptop',
      createdAt: expect.any(String),
      lastUsedAt: null,
      backedUp: true,
      deviceType: 'multiDevice',
    });
    const list = await t.http.get('/auth/passkeys').set(...bearer(token));
    expect(list.body).toEqual([added.body]);

    const options = await loginOptions();
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'preferred', allowCredentials: [] });
    const login = await t.http.post('/auth/passkeys/login').send({ credential: authenticator.get(options as never) });
    expect(login.status).toBe(200);
    expect(login.headers['cache-control']).toBe('no-store');
    expect(login.body).toMatchObject({ isRequiresMfa: false, tokenType: 'Bearer', user: { username: 'emilys' } });
    const me = await t.http.get('/auth/me').set(...bearer(login.body.accessToken as string));
    expect(me.body.username).toBe('emilys');
    const [used] = (await t.http.get('/auth/passkeys').set(...bearer(token))).body as Body[];
    expect(used?.lastUsedAt).toEqual(expect.any(String));
    expect((await delivered()).map((e) => e.type)).toEqual(expect.arrayContaining(['passkey.added', 'login.succeeded']));
    expect((await ofType('login.succeeded')).at(-1)).toMatchObject({ userId: 'u-emily', method: 'passkey' });
  });

  it('stolen access token: adding a passkey needs the password (and a live session)', async () => {
    await start();
    const token = await tokenOf();
    problem(await registrationOptions(token, 'wrong-password'), 401, 'INVALID_CREDENTIALS');
    problem(await t.http.post('/auth/passkeys/register/options').send({ password: 'emilyspass' }), 401, 'UNAUTHENTICATED');
    problem(
      await t.http
        .post('/auth/passkeys/register/options')
        .set(...bearer(token))
        .send({}),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('the fresh proof may be a code of the authenticator app instead of the password (never a code of nothing)', async () => {
    await start();
    const totp = MFA_USERS.totp;
    const pending = await t.loginBody(totp.username, totp.password);
    t.clock.advance(30_000);
    const verified = await t.http.post('/auth/mfa/verify').send({ mfaToken: pending.mfaToken, method: 'totp', code: t.totpCode() });
    const token = verified.body.accessToken as string;
    const ask = (body: Body, bearerToken = token) =>
      t.http
        .post('/auth/passkeys/register/options')
        .set(...bearer(bearerToken))
        .send(body);
    problem(await ask({ mfaCode: '000000' }), 401, 'MFA_CODE_INVALID');
    problem(await ask({ password: totp.password, mfaCode: '000000' }), 400, 'VALIDATION_FAILED');
    t.clock.advance(30_000);
    const options = await ask({ mfaCode: t.totpCode() });
    expect(options.status).toBe(200);
    const credential = new SoftAuthenticator(ORIGIN).create(options.body as never);
    expect(
      (
        await t.http
          .post('/auth/passkeys/register')
          .set(...bearer(token))
          .send({ credential })
      ).status,
    ).toBe(201);
    // emily has no authenticator app: her "code" proves nothing.
    problem(await ask({ mfaCode: '123456' }, await tokenOf()), 400, 'MFA_METHOD_UNAVAILABLE');
  });

  it('phishing: a registration made on another origin or for another RP id is refused', async () => {
    await start();
    const token = await tokenOf();
    problem(await register(token, new SoftAuthenticator(ORIGIN), { origin: 'https://evil.example' }), 400, 'PASSKEY_INVALID');
    problem(await register(token, new SoftAuthenticator(ORIGIN), { rpId: 'evil.example' }), 400, 'PASSKEY_INVALID');
    expect((await t.http.get('/auth/passkeys').set(...bearer(token))).body).toEqual([]);
  });

  it('challenge transplant and replay: a registration challenge of another session, or one used before, is refused', async () => {
    await start();
    const authenticator = new SoftAuthenticator(ORIGIN);
    const first = await tokenOf();
    const second = await tokenOf();
    const options = (await registrationOptions(first)).body;
    const credential = authenticator.create(options as never);
    problem(
      await t.http
        .post('/auth/passkeys/register')
        .set(...bearer(second))
        .send({ credential }),
      400,
      'PASSKEY_INVALID',
    );
    expect(
      (
        await t.http
          .post('/auth/passkeys/register')
          .set(...bearer(first))
          .send({ credential })
      ).status,
    ).toBe(201);
    problem(
      await t.http
        .post('/auth/passkeys/register')
        .set(...bearer(first))
        .send({ credential }),
      400,
      'PASSKEY_INVALID',
    );
  });

  it('expired challenge: options older than passkeys.challengeTtl are refused, at registration and at sign-in', async () => {
    await start({ challengeTtl: '1m' });
    const authenticator = new SoftAuthenticator(ORIGIN);
    const token = await tokenOf();
    const options = (await registrationOptions(token)).body;
    t.clock.advance(61_000);
    const late = await t.http
      .post('/auth/passkeys/register')
      .set(...bearer(token))
      .send({ credential: authenticator.create(options as never) });
    problem(late, 400, 'PASSKEY_INVALID');

    expect((await register(token, authenticator)).status).toBe(201);
    const loginChallenge = await loginOptions();
    t.clock.advance(61_000);
    problem(
      await t.http.post('/auth/passkeys/login').send({ credential: authenticator.get(loginChallenge as never) }),
      401,
      'INVALID_CREDENTIALS',
    );
  });

  it('phishing at sign-in: a wrong origin, a wrong RP id, a forged challenge or a create-type response is refused', async () => {
    await start();
    const authenticator = new SoftAuthenticator(ORIGIN);
    expect((await register(await tokenOf(), authenticator)).status).toBe(201);
    problem(await passkeyLogin(authenticator, { origin: 'https://evil.example' }), 401, 'INVALID_CREDENTIALS');
    problem(await passkeyLogin(authenticator, { rpId: 'evil.example' }), 401, 'INVALID_CREDENTIALS');
    problem(await passkeyLogin(authenticator, { challenge: Buffer.alloc(56, 1).toString('base64url') }), 401, 'INVALID_CREDENTIALS');
    problem(await passkeyLogin(authenticator, { type: 'webauthn.create' }), 401, 'INVALID_CREDENTIALS');
    expect((await passkeyLogin(authenticator)).status).toBe(200);
  });

  it('replayed assertion: the same signed response signs in once', async () => {
    await start();
    const authenticator = new SoftAuthenticator(ORIGIN);
    expect((await register(await tokenOf(), authenticator)).status).toBe(201);
    const credential = authenticator.get((await loginOptions()) as never);
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.http.post('/auth/passkeys/login').send({ credential })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401]);
    // A replay is reported as one (a false "cloned authenticator" alarm would be a lever on the owner).
    expect(await ofType('passkey.counter_regression')).toEqual([]);
    expect((await ofType('login.failed')).map((e) => e.reason)).toEqual(['replayed', 'replayed', 'replayed', 'replayed']);
  });

  it('cloned authenticator: a signature counter that goes backwards is refused and reported', async () => {
    await start();
    const authenticator = new SoftAuthenticator(ORIGIN);
    expect((await register(await tokenOf(), authenticator)).status).toBe(201);
    expect((await passkeyLogin(authenticator, { counter: 5 })).status).toBe(200);
    problem(await passkeyLogin(authenticator, { counter: 5 }), 401, 'INVALID_CREDENTIALS');
    problem(await passkeyLogin(authenticator, { counter: 3 }), 401, 'INVALID_CREDENTIALS');
    const regressions = await ofType('passkey.counter_regression');
    expect(regressions).toHaveLength(2);
    expect(regressions[0]).toMatchObject({ userId: 'u-emily', reason: 'cloned_authenticator' });
    expect((await passkeyLogin(authenticator, { counter: 6 })).status).toBe(200);
  });

  it('an authenticator that never counts (synced passkeys report 0) signs in again and again', async () => {
    await start();
    const authenticator = new SoftAuthenticator(ORIGIN, false);
    expect((await register(await tokenOf(), authenticator)).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await passkeyLogin(authenticator)).status).toBe(200);
  });

  it('unknown credential: a passkey this site never registered gets the same 401 as any failure', async () => {
    await start();
    const stranger = new SoftAuthenticator(ORIGIN);
    stranger.create({ challenge: 'x', rp: { id: 'localhost' }, user: { id: 'nobody' } });
    const res = await passkeyLogin(stranger);
    problem(res, 401, 'INVALID_CREDENTIALS');
    expect(res.body.detail).toBe('Invalid credentials.');
    expect((await ofType('login.failed')).at(-1)).toMatchObject({ userId: null, reason: 'unknown_passkey' });
  });

  it('account enumeration: username-first options are the same for every identifier; the sign-in must name the passkey’s account', async () => {
    await start();
    const authenticator = new SoftAuthenticator(ORIGIN);
    expect((await register(await tokenOf(), authenticator)).status).toBe(201);
    const mine = await loginOptions({ username: 'EmilyS' });
    const unknown = await loginOptions({ username: 'nobody.here' });
    const without = await loginOptions({ email: MFA_USERS.totp.email });
    const shape = (options: Body) => ({ ...options, challenge: typeof options.challenge });
    expect(shape(unknown)).toEqual(shape(mine));
    expect(shape(without)).toEqual(shape(mine));
    expect(mine.allowCredentials).toEqual([]);

    const signIn = (options: Body, body: Body) =>
      t.http.post('/auth/passkeys/login').send({ credential: authenticator.get(options as never), ...body });
    expect((await signIn(mine, { username: 'emilys' })).status).toBe(200);
    // Naming another account (whose options were asked for), or none, with emily's passkey: refused.
    problem(await signIn(await loginOptions({ username: 'admin' }), { username: 'admin' }), 401, 'INVALID_CREDENTIALS');
    problem(await signIn(await loginOptions({ username: 'emilys' }), {}), 401, 'INVALID_CREDENTIALS');
    problem(await signIn(await loginOptions({}), { username: 'emilys' }), 401, 'INVALID_CREDENTIALS');
    expect((await signIn(await loginOptions({ email: 'Emily.Johnson@example.com' }), { email: 'emily.johnson@example.com' })).status).toBe(
      200,
    );
    expect((await ofType('login.failed')).map((e) => e.reason)).toEqual(expect.arrayContaining(['other_user', 'invalid_passkey']));
  });

  it('key rotation: passkeys keep working after the secret keys rotate (the user handle is stored, not derived)', async () => {
    const store = new MemoryPasskeyStore();
    const [k1, k2] = ['first-secret-key-of-at-least-32-bytes!!', 'second-secret-key-of-at-least-32-bytes!'];
    await start({}, { secretKey: k1, passkeyStore: store });
    const authenticator = new SoftAuthenticator(ORIGIN);
    const token = await tokenOf();
    expect((await register(token, authenticator)).status).toBe(201);
    expect(
      (
        await t.http
          .post('/auth/passkeys/mfa/enable')
          .set(...bearer(token))
          .send({ password: 'emilyspass' })
      ).status,
    ).toBe(200);
    const [handle] = (await store.listByUser('u-emily')).map((p) => p.userHandle);
    expect(authenticator.credentials[0]?.userHandle).toBe(handle);
    await t.close();

    await start({}, { secretKey: [k2, k1], passkeyStore: store });
    await t.enrolment.enableMethod('u-emily', 'passkey');
    expect((await passkeyLogin(authenticator)).status).toBe(200);
    const pending = await t.loginBody('emilys', 'emilyspass');
    const options = await t.http.post('/auth/passkeys/mfa/options').send({ mfaToken: pending.mfaToken });
    const done = await t.http
      .post('/auth/passkeys/mfa/verify')
      .send({ mfaToken: pending.mfaToken, credential: authenticator.get(options.body as never) });
    expect(done.status).toBe(200);
    // A second passkey of the account gets the same user handle (one account, one entry in a password manager).
    const login = await passkeyLogin(authenticator);
    const second = new SoftAuthenticator(ORIGIN);
    expect((await register(login.body.accessToken as string, second)).status).toBe(201);
    expect(new Set((await store.listByUser('u-emily')).map((p) => p.userHandle))).toEqual(new Set([handle]));
  });

  it('account deletion deletes its passkeys (none is left to sign in to an account that later gets the same id)', async () => {
    await start();
    const authenticator = new SoftAuthenticator(ORIGIN);
    const token = await tokenOf();
    expect((await register(token, authenticator)).status).toBe(201);
    const deleted = await t.http
      .post('/auth/account/delete')
      .set(...bearer(token))
      .send({ password: 'emilyspass' });
    expect(deleted.status).toBe(200);
    expect(await t.app.get<PasskeyStore>(PASSKEY_STORE).listByUser('u-emily')).toEqual([]);
    problem(await passkeyLogin(authenticator), 401, 'INVALID_CREDENTIALS');
  });

  it('hostile registration fields: odd transports are dropped (never a 500), an oversized public key is refused', async () => {
    await start();
    const token = await tokenOf();
    for (const transports of ['usb', { usb: true }, 7, ['usb', 'usb', 'carrier-pigeon']]) {
      const authenticator = new SoftAuthenticator(ORIGIN);
      const options = (await registrationOptions(token)).body;
      const credential = authenticator.create(options as never);
      const res = await t.http
        .post('/auth/passkeys/register')
        .set(...bearer(token))
        .send({ credential: { ...credential, response: { ...credential.response, transports } } });
      expect(res.status).toBe(201);
    }
    const kept = await t.app.get<PasskeyStore>(PASSKEY_STORE).listByUser('u-emily');
    expect(kept.map((p) => p.transports)).toEqual([[], [], [], ['usb']]);
    const big = new SoftAuthenticator(ORIGIN);
    const options = (await registrationOptions(token)).body;
    const oversized = await t.http
      .post('/auth/passkeys/register')
      .set(...bearer(token))
      .send({ credential: big.create(options as never, { publicKeyPadding: 5_000 }) });
    problem(oversized, 400, 'PASSKEY_INVALID');
  });

  it('without user verification, a user with a second factor still gets the second step (never passkeys again)', async () => {
    await start();
    const totp = MFA_USERS.totp;
    const authenticator = new SoftAuthenticator(ORIGIN);
    const pending = await t.loginBody(totp.username, totp.password);
    t.clock.advance(30_000);
    const verified = await t.http.post('/auth/mfa/verify').send({ mfaToken: pending.mfaToken, method: 'totp', code: t.totpCode() });
    const token = verified.body.accessToken as string;
    expect((await register(token, authenticator, {}, totp.password)).status).toBe(201);

    const unverified = await passkeyLogin(authenticator, { userVerified: false });
    expect(unverified.status).toBe(200);
    expect(unverified.body).toMatchObject({ isRequiresMfa: true, defaultMfaMethod: 'totp' });
    expect(unverified.body.mfaMethods).not.toContain('passkey');
    expect(unverified.body.accessToken).toBeUndefined();
    t.clock.advance(30_000);
    const done = await t.http.post('/auth/mfa/verify').send({ mfaToken: unverified.body.mfaToken, method: 'totp', code: t.totpCode() });
    expect(done.status).toBe(200);

    // With user verification the passkey is both factors.
    const direct = await passkeyLogin(authenticator);
    expect(direct.body).toMatchObject({ isRequiresMfa: false, user: { username: totp.username } });
  });

  it('a passkey as the second factor after the password; another user’s passkey does not pass', async () => {
    await start();
    const mine = new SoftAuthenticator(ORIGIN);
    const theirs = new SoftAuthenticator(ORIGIN);
    const token = await tokenOf();
    expect((await register(token, mine)).status).toBe(201);
    expect((await register(await tokenOf('admin', 'adminpass123'), theirs, {}, 'adminpass123')).status).toBe(201);
    problem(
      await t.http
        .post('/auth/passkeys/mfa/enable')
        .set(...bearer(token))
        .send({ password: 'nope-nope' }),
      401,
      'INVALID_CREDENTIALS',
    );
    expect(
      (
        await t.http
          .post('/auth/passkeys/mfa/enable')
          .set(...bearer(token))
          .send({ password: 'emilyspass' })
      ).status,
    ).toBe(200);

    const pending = await t.loginBody('emilys', 'emilyspass');
    expect(pending).toMatchObject({ isRequiresMfa: true, defaultMfaMethod: 'passkey', mfaMethods: ['passkey'] });
    const options = await t.http.post('/auth/passkeys/mfa/options').send({ mfaToken: pending.mfaToken });
    expect(options.status).toBe(200);
    expect(options.body.allowCredentials).toEqual([expect.objectContaining({ id: mine.credentials[0]?.id.toString('base64url') })]);

    // Another user's passkey, signing this pending login's challenge: a wrong code.
    const theirKey = theirs.credentials[0];
    if (theirKey === undefined) throw new Error('no credential');
    const foreign = theirs.get(options.body as never, {}, theirKey);
    problem(
      await t.http.post('/auth/passkeys/mfa/verify').send({ mfaToken: pending.mfaToken, credential: foreign }),
      401,
      'MFA_CODE_INVALID',
    );
    // A sign-in challenge is not a second-factor challenge.
    const transplanted = mine.get((await loginOptions()) as never);
    problem(
      await t.http.post('/auth/passkeys/mfa/verify').send({ mfaToken: pending.mfaToken, credential: transplanted }),
      401,
      'MFA_CODE_INVALID',
    );

    const done = await t.http
      .post('/auth/passkeys/mfa/verify')
      .send({ mfaToken: pending.mfaToken, credential: mine.get(options.body as never), trustDevice: true });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ isRequiresMfa: false, user: { username: 'emilys' }, trustToken: expect.any(String) });
    // The pending login is finished: its token is dead.
    problem(await t.http.post('/auth/passkeys/mfa/options').send({ mfaToken: pending.mfaToken }), 401, 'MFA_TOKEN_INVALID');
  });

  it('rename and delete: only the owner’s passkeys; the last one stays while passkeys are the second factor', async () => {
    await start();
    const authenticator = new SoftAuthenticator(ORIGIN);
    const token = await tokenOf();
    const admin = await tokenOf('admin', 'adminpass123');
    const { id } = (await register(token, authenticator)).body as { id: string };
    problem(
      await t.http
        .patch(`/auth/passkeys/${id}`)
        .set(...bearer(admin))
        .send({ name: 'Mine now' }),
      404,
      'NOT_FOUND',
    );
    problem(await t.http.delete(`/auth/passkeys/${id}`).set(...bearer(admin)), 404, 'NOT_FOUND');
    problem(await t.http.delete('/auth/passkeys/not-an-id').set(...bearer(token)), 404, 'NOT_FOUND');
    problem(
      await t.http
        .patch(`/auth/passkeys/${id}`)
        .set(...bearer(token))
        .send({ name: '\u0000' }),
      400,
      'VALIDATION_FAILED',
    );
    problem(
      await t.http
        .patch(`/auth/passkeys/${id}`)
        .set(...bearer(token))
        .send({ name: 'x'.repeat(65) }),
      400,
      'VALIDATION_FAILED',
    );
    const renamed = await t.http
      .patch(`/auth/passkeys/${id}`)
      .set(...bearer(token))
      .send({ name: '  Phone ✓ ' });
    expect(renamed.body).toMatchObject({ id, name: 'Phone ✓' });

    expect(
      (
        await t.http
          .post('/auth/passkeys/mfa/enable')
          .set(...bearer(token))
          .send({ password: 'emilyspass' })
      ).status,
    ).toBe(200);
    problem(await t.http.delete(`/auth/passkeys/${id}`).set(...bearer(token)), 409, 'PASSKEY_IN_USE');
    // Turned off as a second factor, the passkey can go.
    const off = await t.http
      .post('/auth/mfa/disable')
      .set(...bearer(token))
      .send({ method: 'passkey', password: 'emilyspass' });
    expect(off.status).toBe(200);
    expect((await t.http.delete(`/auth/passkeys/${id}`).set(...bearer(token))).status).toBe(204);
    expect((await t.http.get('/auth/passkeys').set(...bearer(token))).body).toEqual([]);
    problem(await passkeyLogin(authenticator), 401, 'INVALID_CREDENTIALS');
    expect((await delivered()).map((e) => e.type)).toEqual(expect.arrayContaining(['passkey.removed', 'mfa.enabled', 'mfa.disabled']));
  });

  it('racing deletions never leave a passkey second factor without a passkey', async () => {
    await start();
    const token = await tokenOf();
    expect((await register(token, new SoftAuthenticator(ORIGIN))).status).toBe(201);
    expect((await register(token, new SoftAuthenticator(ORIGIN))).status).toBe(201);
    expect(
      (
        await t.http
          .post('/auth/passkeys/mfa/enable')
          .set(...bearer(token))
          .send({ password: 'emilyspass' })
      ).status,
    ).toBe(200);
    const ids = ((await t.http.get('/auth/passkeys').set(...bearer(token))).body as { id: string }[]).map((p) => p.id);
    const answers = await Promise.all(ids.map((id) => t.http.delete(`/auth/passkeys/${id}`).set(...bearer(token))));
    expect(answers.map((r) => r.status)).toContain(409);
    expect(((await t.http.get('/auth/passkeys').set(...bearer(token))).body as unknown[]).length).toBeGreaterThanOrEqual(1);
  });

  it('keeps at most passkeys.maxPerUser per account; a credential registered already is refused', async () => {
    await start({ maxPerUser: 2 });
    const token = await tokenOf();
    const authenticator = new SoftAuthenticator(ORIGIN);
    expect((await register(token, authenticator)).status).toBe(201);
    expect((await register(token, new SoftAuthenticator(ORIGIN))).status).toBe(201);
    problem(await registrationOptions(token), 409, 'CONFLICT');
  });

  it('cookie mode: a passkey sign-in sets the auth cookies and leaves the tokens out of the body', async () => {
    await start({}, { accessTokenType: 'cookie' });
    const authenticator = new SoftAuthenticator(ORIGIN);
    const password = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const cookies = setCookies(password);
    const csrf = cookies.get('csrf_token')?.value ?? '';
    const cookieHeader = [...cookies.values()].map((c) => `${c.name}=${c.value}`).join('; ');
    const options = await t.http
      .post('/auth/passkeys/register/options')
      .set('Cookie', cookieHeader)
      .set('X-CSRF-Token', csrf)
      .send({ password: 'emilyspass' });
    expect(options.status).toBe(200);
    const registered = await t.http
      .post('/auth/passkeys/register')
      .set('Cookie', cookieHeader)
      .set('X-CSRF-Token', csrf)
      .send({ credential: authenticator.create(options.body as never) });
    expect(registered.status).toBe(201);
    const login = await passkeyLogin(authenticator);
    expect(login.status).toBe(200);
    expect(login.body.accessToken).toBeUndefined();
    expect([...setCookies(login).keys()]).toEqual(expect.arrayContaining(['access_token', 'refresh_token', 'csrf_token']));
  });

  it('dual mode: a passkey sign-in answers the tokens in the body and in cookies', async () => {
    await start({}, { accessTokenType: 'both' });
    const authenticator = new SoftAuthenticator(ORIGIN);
    expect((await register(await tokenOf(), authenticator)).status).toBe(201);
    const login = await passkeyLogin(authenticator);
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect([...setCookies(login).keys()]).toEqual(expect.arrayContaining(['access_token', 'refresh_token']));
  });

  it('off by default: the passkey routes answer 404', async () => {
    t = await createMfaTestApp();
    const res = await t.http.post('/auth/passkeys/login/options').send({});
    expect(res.status).toBe(404);
  });
});
