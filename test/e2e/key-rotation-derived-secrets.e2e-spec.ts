import { afterEach, describe, expect, it } from '@jest/globals';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ACCOUNT_TOKEN_STORE, type AccountTokenStore, type AuthModuleOptions, type JwtKeyOptions } from '../../lib/index.js';
import { cookieHeader, jarFrom } from '../fixtures/cookie-jar.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';

/**
 * A signing-key rotation logs nobody out. CSRF tokens, e-mail and reset codes and refresh-token MACs
 * are keyed by the secret keys (`secretKey`, or every JWT key holding a private key), not by the
 * active signing key alone: what an instance issued before the promotion keeps working on an
 * instance promoted to the new key. Before, promoting a key changed all three at once (cookie-mode
 * users had to log in again, pending codes failed).
 */

const k1: JwtKeyOptions = { kid: 'k1', algorithm: 'EdDSA', privateKey: generateKeyPairSync('ed25519').privateKey };
const k2Pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const k2: JwtKeyOptions = { kid: 'k2', algorithm: 'ES256', privateKey: k2Pair.privateKey };
const SECRET_KEY = 'the-secret-key-of-csrf-tokens-and-codes-32b+';
const EMILY = 'emily.johnson@example.com';
const EMAIL_USER = MFA_USERS.email;

type Json = Record<string, unknown>;
const kidOf = (jwt: string): unknown => (JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8')) as Json).kid;

describe('a signing-key rotation logs nobody out (two instances, shared stores, cookie mode)', () => {
  const apps: MfaTestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });

  /** An instance with this key configuration; the second one shares the first one's stores. */
  async function instance(keys: Partial<AuthModuleOptions>): Promise<MfaTestApp> {
    const first = apps[0];
    const shared: Partial<AuthModuleOptions> = first
      ? {
          userStore: first.users,
          sessionStore: first.sessions,
          mfaStore: first.mfaStore,
          accountTokenStore: first.app.get<AccountTokenStore>(ACCOUNT_TOKEN_STORE),
        }
      : {};
    const t = await createMfaTestApp({
      options: { accessTokenType: 'cookie', passwordReset: { method: 'code' }, ...keys, ...shared },
      mfa: { methods: ['email'] },
    });
    apps.push(t);
    return t;
  }

  /** What users hold when the key is promoted: a cookie session, a pending e-mail MFA code, a reset code. */
  async function before(t: MfaTestApp): Promise<{ jar: Record<string, string>; mfaToken: string; mfaCode: string; resetCode: string }> {
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(login.status).toBe(200);
    const jar = jarFrom(login);
    expect(kidOf(jar.access_token)).toBe('k1');
    const pending = await t.http.post('/auth/login').send({ username: EMAIL_USER.username, password: EMAIL_USER.password });
    expect(pending.body).toMatchObject({ isRequiresMfa: true, defaultMfaMethod: 'email' });
    const mfaCode = t.outbox.lastCode(EMAIL_USER.email);
    expect((await t.http.post('/auth/password/forgot').send({ email: EMILY })).status).toBe(202);
    const resetCode = (await t.outbox.next(EMILY, 'password-reset')).code;
    return { jar, mfaToken: pending.body.mfaToken as string, mfaCode, resetCode };
  }

  /** Everything issued before the promotion works on the promoted instance, which signs with k2. */
  async function stillWorks(after: MfaTestApp, held: Awaited<ReturnType<typeof before>>, newCsrfKey = true): Promise<void> {
    // The CSRF token of the live session (an unsafe request authenticated by cookie), then the refresh.
    const unsafe = await after.http
      .delete('/auth/sessions/not-a-session-of-mine')
      .set('Cookie', cookieHeader(held.jar))
      .set('X-CSRF-Token', held.jar.csrf_token);
    expect(unsafe.status).not.toBe(403);
    expect(unsafe.body.code).not.toBe('CSRF_TOKEN_INVALID');
    const refreshed = await after.http.post('/auth/refresh').set('Cookie', cookieHeader(held.jar)).set('X-CSRF-Token', held.jar.csrf_token);
    expect(refreshed.status).toBe(200);
    const jar = jarFrom(refreshed, { ...held.jar });
    expect(kidOf(jar.access_token)).toBe('k2');
    // The session's next CSRF token is keyed by the new first key (unchanged when secretKey stayed), and works.
    if (newCsrfKey) expect(jar.csrf_token).not.toBe(held.jar.csrf_token);
    else expect(jar.csrf_token).toBe(held.jar.csrf_token);
    const again = await after.http.post('/auth/refresh').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar.csrf_token);
    expect(again.status).toBe(200);

    const verified = await after.http.post('/auth/mfa/verify').send({ mfaToken: held.mfaToken, method: 'email', code: held.mfaCode });
    expect(verified.status).toBe(200);
    expect(verified.body.isRequiresMfa).toBe(false);

    const reset = await after.http
      .post('/auth/password/reset')
      .send({ email: EMILY, token: held.resetCode, newPassword: 'a-brand-new-passphrase' });
    expect(reset.status).toBe(200);
  }

  it('without secretKey: the retired key keeps its private key, and what the old key keyed is still accepted', async () => {
    const old = await instance({ jwt: { keys: [k1] } });
    const held = await before(old);
    const after = await instance({ jwt: { keys: [k2, { ...k1, status: 'retired' }] } });
    await stillWorks(after, held);
  });

  it('with secretKey: the retired key may be given by its public key alone', async () => {
    const old = await instance({ jwt: { keys: [k1] }, secretKey: SECRET_KEY });
    const held = await before(old);
    const publicOnly: JwtKeyOptions = {
      kid: 'k1',
      algorithm: 'EdDSA',
      publicKey: createPublicKey(k1.privateKey as KeyObject),
      status: 'retired',
    };
    const after = await instance({ jwt: { keys: [k2, publicOnly] }, secretKey: SECRET_KEY });
    await stillWorks(after, held, false);
  });

  it('setting secretKey for the first time logs nobody out either (values keyed by the JWT key stay accepted)', async () => {
    const old = await instance({ jwt: { keys: [k1] } });
    const held = await before(old);
    const after = await instance({ jwt: { keys: [k2, { ...k1, status: 'retired' }] }, secretKey: SECRET_KEY });
    await stillWorks(after, held);
  });

  it('once the old key is gone from everything, its CSRF tokens are refused', async () => {
    const old = await instance({ jwt: { keys: [k1] } });
    const held = await before(old);
    const after = await instance({ jwt: { keys: [k2] } });
    const refreshed = await after.http.post('/auth/refresh').set('Cookie', cookieHeader(held.jar)).set('X-CSRF-Token', held.jar.csrf_token);
    expect(refreshed.status).toBe(403);
    expect(refreshed.body.code).toBe('CSRF_TOKEN_INVALID');
  });
});
