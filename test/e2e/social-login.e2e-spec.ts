import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import {
  AuthEvents,
  IDENTITY_STORE,
  PASSKEY_STORE,
  type AuthEvent,
  type AuthModuleOptions,
  type IdentityStore,
  type PasskeyStore,
} from '../../lib/index.js';
import { cookieHeader, setCookies } from '../fixtures/cookie-jar.js';
import { EventRecorder } from '../fixtures/event-recorder.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';
import { startTestIdp, type TestIdp } from '../fixtures/oidc-provider.js';
import { openSqlStores, type SqlStores } from '../fixtures/sql-stores.js';
import { TypeOrmIdentityStore } from '../../lib/stores/typeorm/index.js';

const BASE = 'http://localhost:3000';
const SPA = 'http://localhost:5173';
const CALLBACK = `${BASE}/auth/oauth/idp/callback`;
const STATE_COOKIE = 'gk_oauth_idp';
const BINDING_COOKIE = 'gk_oauth_exchange';

function problem(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];

describe('social sign-in against a real OpenID provider (oidc-provider on loopback)', () => {
  let idp: TestIdp;
  let t: MfaTestApp;
  let events: EventRecorder;

  beforeAll(async () => {
    idp = await startTestIdp([
      {
        client_id: 'gatekeeper',
        client_secret: 'gatekeeper-secret',
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ]);
  });
  afterAll(() => idp.close());
  afterEach(async () => {
    idp.accounts.clear();
    await t.close();
  });

  const start = async (oauth: Partial<NonNullable<AuthModuleOptions['oauth']>> = {}, options: Partial<AuthModuleOptions> = {}) => {
    events = new EventRecorder();
    t = await createMfaTestApp({
      options: {
        oauth: {
          baseUrl: BASE,
          returnToOrigins: [SPA],
          providers: {
            idp: { type: 'oidc', issuer: idp.issuer, clientId: 'gatekeeper', clientSecret: 'gatekeeper-secret', label: 'Test IdP' },
          },
          ...oauth,
        },
        events: { sinks: [events] },
        ...options,
      },
    });
  };
  const ofType = async (type: AuthEvent['type']): Promise<AuthEvent[]> => {
    await t.app.get(AuthEvents).flush(5_000);
    return events.all.filter((e) => e.type === type);
  };

  /** `GET /auth/oauth/idp`: the provider URL and the state cookie. */
  const begin = async (query = '') => {
    const res = await t.http.get(`/auth/oauth/idp${query}`);
    expect(res.status).toBe(302);
    const cookie = setCookies(res).get(STATE_COOKIE);
    expect(cookie).toBeDefined();
    return { url: new URL(res.headers.location), cookie: cookie!.value!, res };
  };
  /** Replays the provider's redirect on the app, with the state cookie. */
  const callback = (back: URL, cookie: string | undefined) => {
    const req = t.http.get(`${back.pathname}${back.search}`);
    return cookie === undefined ? req : req.set('Cookie', cookieHeader({ [STATE_COOKIE]: cookie }));
  };
  /** A whole browser sign-in as `login` at the provider; resolves the callback's response. */
  const signIn = async (login: string, query = '') => {
    const { url, cookie } = await begin(query);
    return callback(await idp.signIn(url.href, login), cookie);
  };
  const codeOf = (res: Response): string => {
    expect(res.status).toBe(302);
    const code = new URLSearchParams(new URL(res.headers.location).hash.slice(1)).get('oauth_code');
    expect(code).toEqual(expect.any(String));
    return code!;
  };
  /** The binding cookie the callback set with its code (only that browser can exchange the code). */
  const bindingOf = (res: Response): string => setCookies(res).get(BINDING_COOKIE)!.value!;
  const exchangeCode = (code: string, binding: string | undefined) => {
    const req = t.http.post('/auth/oauth/exchange');
    return (binding === undefined ? req : req.set('Cookie', cookieHeader({ [BINDING_COOKIE]: binding }))).send({ code });
  };
  /** Exchanges the code of a callback's redirect, with the binding cookie it set. */
  const exchange = (res: Response) => exchangeCode(codeOf(res), bindingOf(res));
  const verifyLocalEmail = (id: string) => t.users.setEmailVerified(id, true);

  it('runs the code flow with PKCE (S256), state and nonce, makes a verified account without a password, and signs it in again', async () => {
    await start();
    const { url, res } = await begin();
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(res.headers['cache-control']).toBe('no-store');
    const line = setCookies(res).get(STATE_COOKIE)!;
    expect(line.raw).toMatch(/HttpOnly/i);
    expect(line.raw).toMatch(/Path=\/;/);
    expect(line.raw).not.toMatch(/Domain=/i);
    expect(line.raw).toMatch(/SameSite=Lax/i);
    expect(line.maxAge).toBe(600);

    idp.accounts.set('jane', { email: 'Jane.Doe@Example.com', email_verified: true, name: 'Jane' });
    const first = await signIn('jane');
    expect(first.headers.location).toMatch(new RegExp(`^${BASE}/#oauth_code=`));
    // The state cookie is deleted by the callback.
    expect(setCookies(first).get(STATE_COOKIE)?.maxAge).toBe(0);
    const tokens = await exchange(first);
    expect(tokens.status).toBe(200);
    const me = await t.http.get('/auth/me').set(...bearer(tokens.body.accessToken));
    expect(me.body).toMatchObject({ email: 'jane.doe@example.com', emailVerified: true });
    // No password: a password login on it fails like a wrong one.
    const user = (await t.users.findByEmail('jane.doe@example.com'))!;
    problem(await t.http.post('/auth/login').send({ username: user.username, password: 'anything-at-all' }), 401, 'INVALID_CREDENTIALS');

    const again = await exchange(await signIn('jane'));
    expect(again.status).toBe(200);
    const meAgain = await t.http.get('/auth/me').set(...bearer(again.body.accessToken));
    expect(meAgain.body.id).toBe(me.body.id);
    expect(await ofType('identity.linked')).toEqual([expect.objectContaining({ userId: me.body.id, provider: 'idp', reason: 'sign_in' })]);
    expect(await ofType('login.succeeded')).toHaveLength(2);
  });

  it('cookie mode: the callback writes the session cookies and redirects to returnTo', async () => {
    await start({}, { accessTokenType: 'cookie' });
    const res = await signIn('cookie-user', `?returnTo=${encodeURIComponent(`${SPA}/app?tab=1`)}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${SPA}/app?tab=1`);
    const cookies = setCookies(res);
    expect(cookies.get('access_token')?.raw).toMatch(/HttpOnly/i);
    expect(cookies.get('refresh_token')?.value).toEqual(expect.any(String));
  });

  it('state tampering: a changed state, a missing or forged cookie, or another flow’s cookie is refused before the code is used', async () => {
    await start();
    const a = await begin();
    const back = await idp.signIn(a.url.href, 'mallory');
    const changed = new URL(back);
    changed.searchParams.set('state', 'x'.repeat(43));
    problem(await callback(changed, a.cookie), 400, 'OAUTH_STATE_INVALID');
    problem(await callback(back, undefined), 400, 'OAUTH_STATE_INVALID');
    const [payload, mac] = a.cookie.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), returnTo: 'https://evil.example/' }),
    ).toString('base64url');
    problem(await callback(back, `${forged}.${mac}`), 400, 'OAUTH_STATE_INVALID');
    const b = await begin();
    problem(await callback(back, b.cookie), 400, 'OAUTH_STATE_INVALID');
    // The untouched pair still works: nothing above used it up.
    expect(codeOf(await callback(back, a.cookie))).toEqual(expect.any(String));
  });

  it('nonce tampering: an ID token issued for another nonce is refused (ID-token injection)', async () => {
    await start();
    const { url, cookie } = await begin();
    url.searchParams.set('nonce', 'attacker-chosen-nonce-0123456789');
    problem(await callback(await idp.signIn(url.href, 'mallory'), cookie), 401, 'OAUTH_FAILED');
    expect(await t.users.findByEmail('mallory@idp.test')).toBeNull();
  });

  it('PKCE tampering: a code issued for another code_challenge is not redeemed (code injection)', async () => {
    await start();
    const { url, cookie } = await begin();
    url.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    problem(await callback(await idp.signIn(url.href, 'mallory'), cookie), 401, 'OAUTH_FAILED');
  });

  it('replayed callback: the same code, state and cookie sign in once', async () => {
    await start();
    const { url, cookie } = await begin();
    const back = await idp.signIn(url.href, 'replay');
    expect(codeOf(await callback(back, cookie))).toEqual(expect.any(String));
    problem(await callback(back, cookie), 400, 'OAUTH_STATE_INVALID');
  });

  it('replayed exchange code: the one-time code signs in once, and not after 60 seconds', async () => {
    await start();
    const first = await signIn('once');
    const [code, binding] = [codeOf(first), bindingOf(first)];
    expect((await exchangeCode(code, binding)).status).toBe(200);
    problem(await exchangeCode(code, binding), 400, 'OAUTH_STATE_INVALID');
    const late = await signIn('once');
    t.clock.advanceSeconds(61);
    problem(await exchange(late), 400, 'OAUTH_STATE_INVALID');
  });

  it('login CSRF: a code planted in another browser (without its binding cookie, or with another one) signs in nobody', async () => {
    await start();
    const attackers = await signIn('attacker-account');
    const victims = await signIn('victim-account');
    problem(await exchangeCode(codeOf(attackers), undefined), 400, 'OAUTH_STATE_INVALID');
    problem(await exchangeCode(codeOf(attackers), bindingOf(victims)), 400, 'OAUTH_STATE_INVALID');
    // The code was not used up by those attempts: its own browser still completes.
    expect((await exchange(attackers)).status).toBe(200);
    const binding = setCookies(attackers).get(BINDING_COOKIE)!;
    expect(binding.raw).toMatch(/HttpOnly/i);
    expect(binding.maxAge).toBe(60);
  });

  it('provider errors are a clear 4xx: access_denied, a missing code, a bogus code', async () => {
    await start();
    const { url, cookie } = await begin();
    const state = url.searchParams.get('state')!;
    const denied = new URL(`${CALLBACK}?error=access_denied&state=${state}&iss=${encodeURIComponent(idp.issuer)}`);
    problem(await callback(denied, cookie), 401, 'OAUTH_FAILED');
    const second = await begin();
    const bogus = new URL(`${CALLBACK}?code=bogus&state=${second.url.searchParams.get('state')}&iss=${encodeURIComponent(idp.issuer)}`);
    problem(await callback(bogus, second.cookie), 401, 'OAUTH_FAILED');
    problem(await t.http.get('/auth/oauth/nope'), 404, 'NOT_FOUND');
  });

  it('pre-registration takeover: an unverified provider e-mail never links to a local account, nor is it looked up', async () => {
    await start();
    await verifyLocalEmail('u-emily');
    idp.accounts.set('attacker', { email: 'emily.johnson@example.com', email_verified: false });
    problem(await signIn('attacker'), 403, 'OAUTH_EMAIL_UNVERIFIED');
    idp.accounts.set('nobody', { email: 'nobody-here@example.com', email_verified: false });
    // The same answer whether or not an account has the address.
    problem(await signIn('nobody'), 403, 'OAUTH_EMAIL_UNVERIFIED');
    expect(await t.app.get<IdentityStore>(IDENTITY_STORE).listByUser('u-emily')).toEqual([]);
    expect(await t.users.findByEmail('nobody-here@example.com')).toBeNull();
  });

  it('pre-registration takeover: a verified provider e-mail does not link to a local account whose address was never verified', async () => {
    await start();
    idp.accounts.set('victim', { email: 'emily.johnson@example.com', email_verified: true });
    problem(await signIn('victim'), 409, 'OAUTH_EMAIL_IN_USE');
    expect(await t.app.get<IdentityStore>(IDENTITY_STORE).listByUser('u-emily')).toEqual([]);
  });

  it("links by verified e-mail when both sides verified it; with linking 'never' it does not", async () => {
    await start();
    await verifyLocalEmail('u-emily');
    idp.accounts.set('emily-at-idp', { email: 'emily.johnson@example.com', email_verified: true });
    const tokens = await exchange(await signIn('emily-at-idp'));
    const me = await t.http.get('/auth/me').set(...bearer(tokens.body.accessToken));
    expect(me.body.id).toBe('u-emily');
    expect(await ofType('identity.linked')).toEqual([expect.objectContaining({ userId: 'u-emily', reason: 'verified_email' })]);
    await t.close();

    await start({ linking: 'never' });
    await verifyLocalEmail('u-emily');
    problem(await signIn('emily-at-idp'), 409, 'OAUTH_EMAIL_IN_USE');
  });

  it('a user with TOTP still gets the second step after a social login', async () => {
    await start();
    await verifyLocalEmail(MFA_USERS.totp.id);
    idp.accounts.set('totp-at-idp', { email: MFA_USERS.totp.email, email_verified: true });
    const pending = await exchange(await signIn('totp-at-idp'));
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({ isRequiresMfa: true, mfaToken: expect.any(String) });
    expect(pending.body.accessToken).toBeUndefined();
    const done = await t.http.post('/auth/mfa/verify').send({ mfaToken: pending.body.mfaToken, method: 'totp', code: t.totpCode() });
    expect(done.status).toBe(200);
    expect(done.body.accessToken).toEqual(expect.any(String));
  });

  it('a user with TOTP gets the second step in cookie mode too (no session cookie on the callback)', async () => {
    await start({}, { accessTokenType: 'cookie' });
    await verifyLocalEmail(MFA_USERS.totp.id);
    idp.accounts.set('totp-at-idp', { email: MFA_USERS.totp.email, email_verified: true });
    const res = await signIn('totp-at-idp');
    expect(setCookies(res).get('access_token')).toBeUndefined();
    expect((await exchange(res)).body).toMatchObject({ isRequiresMfa: true });
  });

  it('open redirect: returnTo outside the allow-list is refused before anything is started', async () => {
    await start();
    for (const target of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      `${SPA}.evil.example/`,
      'http://user@localhost:3000/',
    ]) {
      problem(await t.http.get(`/auth/oauth/idp?returnTo=${encodeURIComponent(target)}`), 400, 'RETURN_TO_INVALID');
    }
    problem(await t.http.get('/auth/oauth/idp?returnTo=a&returnTo=b'), 400, 'RETURN_TO_INVALID');
    const res = await signIn('someone', `?returnTo=${encodeURIComponent('/account?x=1#old')}`);
    expect(res.headers.location).toMatch(new RegExp(`^${BASE}/account\\?x=1#oauth_code=`));
  });

  it('link and unlink: after the password, a provider account is linked to the signed-in user; the last way in stays', async () => {
    await start();
    const token = (await t.login()).accessToken;
    problem(
      await t.http
        .post('/auth/identities/link')
        .set(...bearer(token))
        .send({ provider: 'idp', password: 'wrong-password' }),
      401,
      'INVALID_CREDENTIALS',
    );
    const link = await t.http
      .post('/auth/identities/link')
      .set(...bearer(token))
      .send({ provider: 'idp', password: 'emilyspass', returnTo: '/settings' });
    expect(link.status).toBe(200);
    const back = await idp.signIn(link.body.url, 'emily-elsewhere');
    const linked = await callback(back, setCookies(link).get(STATE_COOKIE)!.value);
    expect(linked.status).toBe(302);
    expect(linked.headers.location).toBe(`${BASE}/settings#oauth_linked=idp`);
    const list = await t.http.get('/auth/identities').set(...bearer(token));
    expect(list.body).toEqual([
      {
        id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        provider: 'idp',
        label: 'Test IdP',
        email: 'emily-elsewhere@idp.test',
        createdAt: expect.any(String),
        lastUsedAt: null,
      },
    ]);
    // The provider account now signs in Emily.
    const tokens = await exchange(await signIn('emily-elsewhere'));
    expect((await t.http.get('/auth/me').set(...bearer(tokens.body.accessToken))).body.id).toBe('u-emily');

    // Another user cannot take it.
    const other = (await t.login('admin', 'adminpass123')).accessToken;
    const steal = await t.http
      .post('/auth/identities/link')
      .set(...bearer(other))
      .send({ provider: 'idp', password: 'adminpass123' });
    problem(
      await callback(await idp.signIn(steal.body.url, 'emily-elsewhere'), setCookies(steal).get(STATE_COOKIE)!.value),
      409,
      'IDENTITY_IN_USE',
    );

    // Emily has a password: unlinking is fine. Another user's id is 404.
    problem(await t.http.delete(`/auth/identities/${list.body[0].id}`).set(...bearer(other)), 404, 'NOT_FOUND');
    expect((await t.http.delete(`/auth/identities/${list.body[0].id}`).set(...bearer(token))).status).toBe(204);
    expect((await t.http.get('/auth/identities').set(...bearer(token))).body).toEqual([]);
    expect(await ofType('identity.unlinked')).toEqual([expect.objectContaining({ userId: 'u-emily', provider: 'idp' })]);
  });

  it('an account made from a provider sign-in cannot unlink its only provider account (LAST_SIGN_IN_METHOD)', async () => {
    await start();
    const tokens = await exchange(await signIn('only-idp'));
    const token = tokens.body.accessToken as string;
    const [identity] = (await t.http.get('/auth/identities').set(...bearer(token))).body as { id: string }[];
    problem(await t.http.delete(`/auth/identities/${identity.id}`).set(...bearer(token)), 409, 'LAST_SIGN_IN_METHOD');
    expect((await t.http.get('/auth/identities').set(...bearer(token))).body).toHaveLength(1);
  });

  it('native apps: an ID token for this client and nonce signs in once; wrong audience, nonce or a replay are refused', async () => {
    await start({
      providers: {
        idp: { type: 'oidc', issuer: idp.issuer, clientId: 'gatekeeper', clientSecret: 'gatekeeper-secret', audiences: ['native-app'] },
      },
    });
    const nonce = 'native-nonce-0123456789abcdef';
    const idToken = await idp.nativeIdToken('native-user', nonce);
    problem(await t.http.post('/auth/oauth/idp/token').send({ idToken, nonce: 'another-nonce-0123456789' }), 401, 'OAUTH_FAILED');
    const ok = await t.http.post('/auth/oauth/idp/token').send({ idToken, nonce });
    expect(ok.status).toBe(200);
    expect(ok.body.accessToken).toEqual(expect.any(String));
    problem(await t.http.post('/auth/oauth/idp/token').send({ idToken, nonce }), 401, 'OAUTH_FAILED');
    // Issued to a client this app does not accept: wrong audience.
    // A fresh subject and nonce: only the audience is wrong (not a replay of the token above).
    const foreignNonce = 'foreign-nonce-0123456789abcdef';
    const foreign = await idp.nativeIdToken('foreign-user', foreignNonce, 'other-app');
    const refused = await t.http.post('/auth/oauth/idp/token').send({ idToken: foreign, nonce: foreignNonce });
    problem(refused, 401, 'OAUTH_FAILED');
    expect(refused.body.detail).not.toMatch(/used already/);
    expect(await t.users.findByEmail('foreign-user@idp.test')).toBeNull();
    // A tampered token (payload changed, signature kept).
    const [h, p, s] = idToken.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'someone-else' })).toString('base64url')}.${s}`;
    problem(await t.http.post('/auth/oauth/idp/token').send({ idToken: tampered, nonce }), 401, 'OAUTH_FAILED');
  });

  it('two racing first sign-ins of one provider account make one account, and both sign in to it', async () => {
    await start();
    const flows = await Promise.all([begin(), begin()]);
    const backs = await Promise.all(flows.map((flow) => idp.signIn(flow.url.href, 'racer')));
    const callbacks = await Promise.all(backs.map((back, i) => callback(back, flows[i].cookie)));
    const tokens = await Promise.all(callbacks.map((res) => exchange(res)));
    const ids = await Promise.all(
      tokens.map(async (res) => (await t.http.get('/auth/me').set(...bearer(res.body.accessToken))).body.id as string),
    );
    expect(ids[0]).toBe(ids[1]);
    expect((await t.users.findByEmail('racer@idp.test'))?.id).toBe(ids[0]);
  });

  it('native ID token replay: the same token sent with the raw nonce, then with its hash, signs in once', async () => {
    await start({
      providers: {
        idp: { type: 'oidc', issuer: idp.issuer, clientId: 'gatekeeper', clientSecret: 'gatekeeper-secret', audiences: ['native-app'] },
      },
    });
    const raw = 'raw-nonce-kept-by-the-app-0123456789';
    const hashed = createHash('sha256').update(raw).digest('hex');
    // The Apple / Google SDK pattern: the provider gets the hash, the app keeps the raw value.
    const idToken = await idp.nativeIdToken('hash-user', hashed);
    expect((await t.http.post('/auth/oauth/idp/token').send({ idToken, nonce: raw })).status).toBe(200);
    problem(await t.http.post('/auth/oauth/idp/token').send({ idToken, nonce: hashed }), 401, 'OAUTH_FAILED');
  });

  it('failure-budget lock-out: junk callbacks from any page do not spend the address budget of the real sign-in', async () => {
    await start({}, { rateLimit: { address: { max: 3, window: '15m' } } });
    for (let i = 0; i < 6; i++) {
      problem(await t.http.get(`/auth/oauth/idp/callback?code=x&state=${'y'.repeat(43)}`), 400, 'OAUTH_STATE_INVALID');
    }
    expect(codeOf(await signIn('budget-user'))).toEqual(expect.any(String));
  });

  it('a link started by a session that was logged out since is refused at the callback', async () => {
    await start();
    const { accessToken } = await t.login();
    const link = await t.http
      .post('/auth/identities/link')
      .set(...bearer(accessToken))
      .send({ provider: 'idp', password: 'emilyspass' });
    expect((await t.http.post('/auth/logout').set(...bearer(accessToken))).status).toBe(200);
    problem(
      await callback(await idp.signIn(link.body.url, 'late-link'), setCookies(link).get(STATE_COOKIE)!.value),
      400,
      'OAUTH_STATE_INVALID',
    );
    expect(await t.app.get<IdentityStore>(IDENTITY_STORE).find('idp', 'late-link')).toBeNull();
  });

  it('a link left behind by a deleted account does not lock the provider account out', async () => {
    await start();
    await t.app.get<IdentityStore>(IDENTITY_STORE).link({
      provider: 'idp',
      subject: 'orphan',
      userId: 'u-gone',
      email: null,
      emailVerified: false,
      createdAt: 1,
      lastUsedAt: null,
    });
    expect((await exchange(await signIn('orphan'))).status).toBe(200);
  });

  it('returnTo: other schemes on an allowed origin, and URLs that grow past the bound once encoded, are refused', async () => {
    await start();
    problem(await t.http.get(`/auth/oauth/idp?returnTo=${encodeURIComponent(`blob:${SPA}/x`)}`), 400, 'RETURN_TO_INVALID');
    problem(await t.http.get(`/auth/oauth/idp?returnTo=${encodeURIComponent(`/${'"'.repeat(1000)}`)}`), 400, 'RETURN_TO_INVALID');
  });

  it('form_post providers (Apple): the response is posted to the callback, checked like a query one', async () => {
    await start({
      providers: {
        idp: { type: 'oidc', issuer: idp.issuer, clientId: 'gatekeeper', clientSecret: 'gatekeeper-secret', responseMode: 'form_post' },
      },
    });
    const { url, cookie } = await begin();
    expect(url.searchParams.get('response_mode')).toBe('form_post');
    const back = await idp.signIn(url.href, 'posted');
    const fields = idp.formPost(back)!;
    expect(fields).toMatchObject({ code: expect.any(String), state: url.searchParams.get('state') });
    const post = (form: Record<string, string>) =>
      t.http
        .post(back.pathname)
        .set('Cookie', cookieHeader({ [STATE_COOKIE]: cookie }))
        .type('form')
        .send(form);
    problem(await post({ ...fields, state: 'x'.repeat(43) }), 400, 'OAUTH_STATE_INVALID');
    expect((await exchange(await post(fields))).status).toBe(200);
    problem(await post(fields), 400, 'OAUTH_STATE_INVALID');
  });

  it('createUsers: false — a provider account that matches no account makes none', async () => {
    await start({ createUsers: false });
    problem(await signIn('newcomer'), 403, 'OAUTH_SIGN_UP_CLOSED');
    expect(await t.users.findByEmail('newcomer@idp.test')).toBeNull();
  });

  it('trustEmail: an enterprise IdP whose addresses are its own counts its e-mail as verified without email_verified', async () => {
    idp.accounts.set('staff', { email: 'staff@corp.example' });
    await start();
    problem(await signIn('staff'), 403, 'OAUTH_EMAIL_UNVERIFIED');
    expect(await ofType('login.failed')).toEqual([expect.objectContaining({ reason: 'oauth_email_unverified', userId: null })]);
    await t.close();
    await start({
      providers: { idp: { type: 'oidc', issuer: idp.issuer, clientId: 'gatekeeper', clientSecret: 'gatekeeper-secret', trustEmail: true } },
    });
    expect((await exchange(await signIn('staff'))).status).toBe(200);
  });

  it('brute force on the exchange and token routes: failures beyond rateLimit.address answer 429', async () => {
    await start({}, { rateLimit: { address: { max: 3, window: '15m' } } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await exchangeCode(`${'a'.repeat(20)}.${'b'.repeat(43)}`, 'x')).status);
    expect(statuses).toEqual([400, 400, 400, 429, 429]);
    problem(await t.http.post('/auth/oauth/idp/token').send({ idToken: 'a.b.c', nonce: 'n'.repeat(16) }), 429, 'TOO_MANY_REQUESTS');
  });

  it('linking after a second factor: an authenticator-app code instead of the password', async () => {
    await start();
    const pending = await t.loginBody(MFA_USERS.totp.username, MFA_USERS.totp.password);
    const signedIn = await t.http.post('/auth/mfa/verify').send({ mfaToken: pending.mfaToken, method: 'totp', code: t.totpCode() });
    const token = signedIn.body.accessToken as string;
    problem(
      await t.http
        .post('/auth/identities/link')
        .set(...bearer(token))
        .send({ provider: 'idp', mfaCode: '000000' }),
      401,
      'MFA_CODE_INVALID',
    );
    const link = await t.http
      .post('/auth/identities/link')
      .set(...bearer(token))
      .send({ provider: 'idp', mfaCode: t.totpCode(1) });
    expect(link.status).toBe(200);
    expect(link.headers['cache-control']).toBe('no-store');
  });

  it('a password-less account keeps its last way in: its last passkey cannot go once no provider account is linked', async () => {
    await start({}, { passkeys: { enabled: true, rpId: 'localhost', origins: [BASE] } });
    const tokens = await exchange(await signIn('passkey-owner'));
    const token = tokens.body.accessToken as string;
    const me = await t.http.get('/auth/me').set(...bearer(token));
    await t.app.get<PasskeyStore>(PASSKEY_STORE).add(
      {
        id: 'p'.repeat(43),
        credentialId: 'c'.repeat(43),
        userId: me.body.id as string,
        userHandle: 'h'.repeat(43),
        publicKey: 'k'.repeat(80),
        counter: 0,
        transports: [],
        backedUp: false,
        deviceType: 'singleDevice',
        name: 'Key',
        createdAt: 1,
        lastUsedAt: null,
      },
      10,
    );
    const [identity] = (await t.http.get('/auth/identities').set(...bearer(token))).body as { id: string }[];
    // The passkey is another way in: the provider account can go.
    expect((await t.http.delete(`/auth/identities/${identity.id}`).set(...bearer(token))).status).toBe(204);
    problem(await t.http.delete(`/auth/passkeys/${'p'.repeat(43)}`).set(...bearer(token)), 409, 'LAST_SIGN_IN_METHOD');
  });

  it('account deletion unlinks the provider accounts', async () => {
    await start();
    const token = (await t.login()).accessToken;
    const link = await t.http
      .post('/auth/identities/link')
      .set(...bearer(token))
      .send({ provider: 'idp', password: 'emilyspass' });
    await callback(await idp.signIn(link.body.url, 'emily-gone'), setCookies(link).get(STATE_COOKIE)!.value);
    expect(await t.app.get<IdentityStore>(IDENTITY_STORE).listByUser('u-emily')).toHaveLength(1);
    expect(
      (
        await t.http
          .post('/auth/account/delete')
          .set(...bearer(token))
          .send({ password: 'emilyspass' })
      ).status,
    ).toBe(200);
    expect(await t.app.get<IdentityStore>(IDENTITY_STORE).find('idp', 'emily-gone')).toBeNull();
  });
});

describe('social sign-in on PostgreSQL stores: hostile provider data is a 4xx, never a 500', () => {
  let idp: TestIdp;
  let sql: SqlStores;
  let t: MfaTestApp;
  beforeAll(async () => {
    idp = await startTestIdp([
      { client_id: 'gatekeeper', client_secret: 's', redirect_uris: [CALLBACK], token_endpoint_auth_method: 'client_secret_post' },
    ]);
    sql = await openSqlStores('postgres', 'social');
    t = await createMfaTestApp({
      options: {
        ...sql.options,
        oauth: { baseUrl: BASE, providers: { idp: { type: 'oidc', issuer: idp.issuer, clientId: 'gatekeeper', clientSecret: 's' } } },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sql?.close();
    await idp?.close();
  });

  const signIn = async (login: string) => {
    const begin = await t.http.get('/auth/oauth/idp');
    const back = await idp.signIn(begin.headers.location, login);
    return t.http
      .get(`${back.pathname}${back.search}`)
      .set('Cookie', cookieHeader({ [STATE_COOKIE]: setCookies(begin).get(STATE_COOKIE)!.value! }));
  };

  it('an e-mail longer than the column, a NUL in the subject: refused or dropped, the stores never see them', async () => {
    idp.accounts.set('long-mail', { email: `${'a'.repeat(290)}@example.com`, email_verified: true });
    problem(await signIn('long-mail'), 403, 'OAUTH_EMAIL_UNVERIFIED');
    problem(await signIn('nul\u0000sub'), 401, 'OAUTH_FAILED');
    idp.accounts.set('fine', { email: 'fine@example.com', email_verified: true });
    expect((await signIn('fine')).status).toBe(302);
    expect(await new TypeOrmIdentityStore(sql.dataSource).find('idp', 'fine')).toMatchObject({ email: 'fine@example.com' });
  });
});
