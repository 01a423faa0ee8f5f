import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fastifyCookie from '@fastify/cookie';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import cookieParser from 'cookie-parser';
import type { Response } from 'supertest';
import { cookieHeader, jarFrom, setCookies, valuesOf } from '../fixtures/cookie-jar.js';
import { createTestApp, type TestApp, type TestAppOptions } from '../fixtures/create-test-app.js';

const NAMES = { access: 'access_token', refresh: 'refresh_token', csrf: 'csrf_token' } as const;

function problem(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe(code);
}

/** Logs in and returns the browser's cookie jar after the response. */
async function loginJar(t: TestApp, username = 'emilys', password = 'emilyspass'): Promise<Record<string, string>> {
  const res = await t.http.post('/auth/login').send({ username, password });
  expect(res.status).toBe(200);
  return jarFrom(res);
}

function sidOf(accessToken: string): string {
  return (JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as { sid: string }).sid;
}

describe('cookie mode (accessTokenType: cookie)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ options: { accessTokenType: 'cookie' } });
  });
  afterAll(() => t.close());

  it('cookie attributes: HttpOnly access and refresh cookies, refresh scoped to /auth, script-readable CSRF cookie, Secure and SameSite=Lax by default', async () => {
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const cookies = setCookies(res);
    expect([...cookies.keys()].sort()).toEqual([NAMES.access, NAMES.csrf, NAMES.refresh]);

    const access = cookies.get(NAMES.access)!;
    expect(access).toMatchObject({ httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: 900 });
    expect(access.domain).toBeUndefined();
    expect(access.value?.split('.')).toHaveLength(3);

    const refresh = cookies.get(NAMES.refresh)!;
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: 'lax', path: '/auth', maxAge: 7 * 24 * 3600 });
    expect(refresh.value).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);

    const csrf = cookies.get(NAMES.csrf)!;
    expect(csrf.httpOnly).toBeFalsy();
    expect(csrf).toMatchObject({ secure: true, sameSite: 'lax', path: '/', maxAge: 7 * 24 * 3600 });
    expect(csrf.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('tokens are absent from the body in cookie mode (the response keeps the rest of the contract shape)', async () => {
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(res.body).not.toHaveProperty('accessToken');
    expect(res.body).not.toHaveProperty('refreshToken');
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, isRequiresMfa: false, message: 'Login successful.' });
    expect(res.body.user).toMatchObject({ id: 'u-emily', username: 'emilys' });
    const jar = jarFrom(res);
    expect(JSON.stringify(res.body)).not.toContain(jar[NAMES.access]);
    expect(JSON.stringify(res.body)).not.toContain(jar[NAMES.refresh]);
  });

  it('the access cookie authenticates safe requests without any CSRF header', async () => {
    const jar = await loginJar(t);
    const me = await t.http.get('/auth/me').set('Cookie', cookieHeader(jar));
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('emilys');
    const protectedRes = await t.http.get('/protected').set('Cookie', cookieHeader(jar));
    expect(protectedRes.status).toBe(200);
    expect(protectedRes.body).toEqual({ userId: 'u-emily' });
  });

  describe('CSRF (signed double-submit)', () => {
    it.each([
      ['POST', '/notes'],
      ['PUT', '/notes/1'],
      ['DELETE', '/notes/1'],
    ] as const)('CSRF refused without the header: %s %s of the host app, authenticated by cookie', async (method, path) => {
      const jar = await loginJar(t);
      const req = method === 'POST' ? t.http.post(path) : method === 'PUT' ? t.http.put(path) : t.http.delete(path);
      problem(await req.set('Cookie', cookieHeader(jar)), 403, 'CSRF_TOKEN_INVALID');
    });

    it('CSRF refused without the header on the module routes: logout, session deletion, password change, refresh by cookie', async () => {
      const jar = await loginJar(t);
      const other = await loginJar(t);
      const cookie = cookieHeader(jar);
      problem(await t.http.post('/auth/logout').set('Cookie', cookie), 403, 'CSRF_TOKEN_INVALID');
      problem(await t.http.delete(`/auth/sessions/${sidOf(other[NAMES.access])}`).set('Cookie', cookie), 403, 'CSRF_TOKEN_INVALID');
      problem(
        await t.http
          .post('/auth/password/change')
          .set('Cookie', cookie)
          .send({ currentPassword: 'emilyspass', newPassword: 'another-password-1' }),
        403,
        'CSRF_TOKEN_INVALID',
      );
      problem(await t.http.post('/auth/refresh').set('Cookie', cookie), 403, 'CSRF_TOKEN_INVALID');
      // Nothing happened: the session still works and the refresh token was not rotated.
      expect((await t.http.get('/auth/me').set('Cookie', cookie)).status).toBe(200);
      const refreshed = await t.http.post('/auth/refresh').set('Cookie', cookie).set('X-CSRF-Token', jar[NAMES.csrf]);
      expect(refreshed.status).toBe(200);
    });

    it('CSRF refused with a wrong header value', async () => {
      const jar = await loginJar(t);
      problem(await t.http.post('/notes').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', 'x'.repeat(43)), 403, 'CSRF_TOKEN_INVALID');
      problem(await t.http.post('/notes').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', ''), 403, 'CSRF_TOKEN_INVALID');
    });

    it('CSRF refused with a value from another session, even when planted in the CSRF cookie too', async () => {
      const victim = await loginJar(t);
      const attacker = await loginJar(t);
      expect(attacker[NAMES.csrf]).not.toBe(victim[NAMES.csrf]);
      // Header only from the other session.
      problem(
        await t.http.post('/notes').set('Cookie', cookieHeader(victim)).set('X-CSRF-Token', attacker[NAMES.csrf]),
        403,
        'CSRF_TOKEN_INVALID',
      );
      // A planted cookie (e.g. from a sibling subdomain) and a matching header: still another session's token.
      const planted = { ...victim, [NAMES.csrf]: attacker[NAMES.csrf] };
      problem(
        await t.http.post('/notes').set('Cookie', cookieHeader(planted)).set('X-CSRF-Token', attacker[NAMES.csrf]),
        403,
        'CSRF_TOKEN_INVALID',
      );
    });

    it('CSRF refused when the header is right but the CSRF cookie is missing or duplicated (double-submit)', async () => {
      const jar = await loginJar(t);
      const { [NAMES.csrf]: csrf, ...withoutCsrf } = jar;
      problem(await t.http.post('/notes').set('Cookie', cookieHeader(withoutCsrf)).set('X-CSRF-Token', csrf), 403, 'CSRF_TOKEN_INVALID');
      const duplicated = `${cookieHeader(jar)}; ${NAMES.csrf}=${csrf}`;
      problem(await t.http.post('/notes').set('Cookie', duplicated).set('X-CSRF-Token', csrf), 403, 'CSRF_TOKEN_INVALID');
    });

    it('the right header and cookie pass (host route and the module routes)', async () => {
      const jar = await loginJar(t);
      const ok = await t.http.post('/notes').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar[NAMES.csrf]);
      expect(ok.status).toBe(201);
      expect(ok.body).toEqual({ userId: 'u-emily', created: true });
    });

    it('Bearer requests are exempt from CSRF (a header is not sent by a cross-site form)', async () => {
      const jar = await loginJar(t);
      const res = await t.http.post('/notes').set('Authorization', `Bearer ${jar[NAMES.access]}`);
      expect(res.status).toBe(201);
    });

    it('the CSRF token stays the same across refreshes of a session (no race with requests in flight)', async () => {
      const jar = await loginJar(t);
      const res = await t.http.post('/auth/refresh').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar[NAMES.csrf]);
      expect(res.status).toBe(200);
      const next = jarFrom(res, jar);
      expect(next[NAMES.csrf]).toBe(jar[NAMES.csrf]);
      expect(next[NAMES.access]).not.toBe(jar[NAMES.access]);
      expect(next[NAMES.refresh]).not.toBe(jar[NAMES.refresh]);
    });
  });

  it('duplicate access_token cookies are refused (401), whichever comes first', async () => {
    const a = await loginJar(t);
    const b = await loginJar(t, 'admin', 'adminpass123');
    for (const cookie of [
      `${NAMES.access}=${a[NAMES.access]}; ${NAMES.access}=${b[NAMES.access]}`,
      `${NAMES.access}=${b[NAMES.access]}; ${NAMES.access}=${a[NAMES.access]}`,
      `${NAMES.access}=${a[NAMES.access]};${NAMES.access}=${a[NAMES.access]}`,
    ]) {
      const res = await t.http.get('/protected').set('Cookie', cookie);
      problem(res, 401, 'ACCESS_TOKEN_INVALID');
      expect(res.headers['www-authenticate']).toContain('invalid_token');
    }
  });

  it('duplicate refresh_token cookies are refused (401) and rotate nothing', async () => {
    const a = await loginJar(t);
    const b = await loginJar(t);
    const cookie = `${NAMES.refresh}=${a[NAMES.refresh]}; ${NAMES.refresh}=${b[NAMES.refresh]}; ${NAMES.csrf}=${a[NAMES.csrf]}`;
    problem(await t.http.post('/auth/refresh').set('Cookie', cookie).set('X-CSRF-Token', a[NAMES.csrf]), 401, 'REFRESH_TOKEN_INVALID');
    const stillValid = await t.http.post('/auth/refresh').set('Cookie', cookieHeader(a)).set('X-CSRF-Token', a[NAMES.csrf]);
    expect(stillValid.status).toBe(200);
  });

  it('a Bearer-prefixed cookie is accepted (access and refresh)', async () => {
    const jar = await loginJar(t);
    const me = await t.http.get('/auth/me').set('Cookie', `${NAMES.access}=Bearer%20${jar[NAMES.access]}`);
    expect(me.status).toBe(200);
    const refreshed = await t.http
      .post('/auth/refresh')
      .set('Cookie', cookieHeader({ [NAMES.refresh]: `Bearer ${jar[NAMES.refresh]}`, [NAMES.csrf]: jar[NAMES.csrf] }))
      .set('X-CSRF-Token', jar[NAMES.csrf]);
    expect(refreshed.status).toBe(200);
  });

  it('refresh by cookie rotates the cookies; the rotated refresh cookie replayed once its successor was used revokes the session', async () => {
    const jar = await loginJar(t);
    const first = await t.http.post('/auth/refresh').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar[NAMES.csrf]);
    expect(first.status).toBe(200);
    expect(first.body).not.toHaveProperty('refreshToken');
    expect(first.headers['cache-control']).toBe('no-store');
    const next = jarFrom(first, jar);
    t.clock.advance(11_000);
    const second = await t.http.post('/auth/refresh').set('Cookie', cookieHeader(next)).set('X-CSRF-Token', next[NAMES.csrf]);
    expect(second.status).toBe(200);
    const latest = jarFrom(second, next);
    const replay = await t.http.post('/auth/refresh').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar[NAMES.csrf]);
    problem(replay, 401, 'REFRESH_TOKEN_REUSED');
    problem(
      await t.http.post('/auth/refresh').set('Cookie', cookieHeader(latest)).set('X-CSRF-Token', latest[NAMES.csrf]),
      401,
      'REFRESH_TOKEN_INVALID',
    );
  });

  it('refresh reads the body first (refreshToken, or its alias refresh), and a body token needs no CSRF header', async () => {
    const cookieSession = await loginJar(t);
    const bodySession = await loginJar(t);
    const res = await t.http
      .post('/auth/refresh')
      .set('Cookie', cookieHeader(cookieSession))
      .send({ refreshToken: bodySession[NAMES.refresh] });
    expect(res.status).toBe(200);
    expect(sidOf(jarFrom(res)[NAMES.access])).toBe(sidOf(bodySession[NAMES.access]));
    const alias = await t.http.post('/auth/refresh').send({ refresh: jarFrom(res)[NAMES.refresh] });
    expect(alias.status).toBe(200);
    // The cookie session was not touched: its refresh cookie still rotates.
    const cookieRefresh = await t.http
      .post('/auth/refresh')
      .set('Cookie', cookieHeader(cookieSession))
      .set('X-CSRF-Token', cookieSession[NAMES.csrf]);
    expect(cookieRefresh.status).toBe(200);
  });

  it('refresh without a body token or cookie → 401 REFRESH_TOKEN_MISSING', async () => {
    problem(await t.http.post('/auth/refresh'), 401, 'REFRESH_TOKEN_MISSING');
  });

  it('logout clears every cookie, and the old cookies then fail', async () => {
    const jar = await loginJar(t);
    const res = await t.http.post('/auth/logout').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar[NAMES.csrf]);
    expect(res.status).toBe(200);
    const cleared = setCookies(res);
    for (const [name, path] of [
      [NAMES.access, '/'],
      [NAMES.refresh, '/auth'],
      [NAMES.csrf, '/'],
    ] as const) {
      const cookie = cleared.get(name);
      expect(cookie).toMatchObject({ value: '', maxAge: 0, path });
      expect(cookie?.expires?.getTime()).toBe(0);
    }
    expect(jarFrom(res, jar)).toEqual({});

    const oldCookies = cookieHeader(jar);
    problem(
      await t.http.post('/auth/refresh').set('Cookie', oldCookies).set('X-CSRF-Token', jar[NAMES.csrf]),
      401,
      'REFRESH_TOKEN_INVALID',
    );
    problem(await t.http.get('/auth/me').set('Cookie', oldCookies), 401, 'ACCESS_TOKEN_INVALID');
    problem(await t.http.get('/auth/sessions').set('Cookie', oldCookies), 401, 'ACCESS_TOKEN_INVALID');
  });

  it('a cookie-only request to a guarded route without cookies → 401 UNAUTHENTICATED', async () => {
    problem(await t.http.get('/protected'), 401, 'UNAUTHENTICATED');
    problem(await t.http.get('/protected').set('Cookie', 'unrelated=1'), 401, 'UNAUTHENTICATED');
  });

  it('a garbage or expired access cookie → 401 ACCESS_TOKEN_INVALID (before any CSRF check)', async () => {
    problem(await t.http.get('/protected').set('Cookie', `${NAMES.access}=not.a.jwt`), 401, 'ACCESS_TOKEN_INVALID');
    const jar = await loginJar(t);
    t.clock.advance(901_000);
    problem(await t.http.post('/notes').set('Cookie', cookieHeader(jar)), 401, 'ACCESS_TOKEN_INVALID');
  });
});

describe('header mode ignores cookies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('header mode ignores cookies: login sets none, an access cookie does not authenticate, a refresh cookie is not read', async () => {
    const cookieApp = await createTestApp({ options: { accessTokenType: 'cookie' } });
    try {
      const jar = await loginJar(cookieApp);
      const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
      expect(login.status).toBe(200);
      expect(login.headers['set-cookie']).toBeUndefined();
      // Tokens of a cookie-mode app are valid here (same secret): only the transport differs.
      const bearer = await t.http.get('/protected').set('Authorization', `Bearer ${jar[NAMES.access]}`);
      expect(bearer.status).toBe(200);
      problem(await t.http.get('/protected').set('Cookie', cookieHeader(jar)), 401, 'UNAUTHENTICATED');
      problem(
        await t.http.post('/auth/refresh').set('Cookie', cookieHeader({ [NAMES.refresh]: login.body.refreshToken })),
        401,
        'REFRESH_TOKEN_MISSING',
      );
      // And no CSRF check is ever asked of a header-mode request.
      const post = await t.http.post('/notes').set('Authorization', `Bearer ${login.body.accessToken}`).set('Cookie', cookieHeader(jar));
      expect(post.status).toBe(201);
    } finally {
      await cookieApp.close();
    }
  });
});

describe('dual mode (accessTokenType: both)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ options: { accessTokenType: 'both' } });
  });
  afterAll(() => t.close());

  it('both mode returns tokens in the body and in cookies (the same tokens)', async () => {
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(res.status).toBe(200);
    const jar = jarFrom(res);
    expect(res.body.accessToken).toBe(jar[NAMES.access]);
    expect(res.body.refreshToken).toBe(jar[NAMES.refresh]);
    expect(jar[NAMES.csrf]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const refreshed = await t.http.post('/auth/refresh').send({ refreshToken: res.body.refreshToken });
    expect(refreshed.body.accessToken).toBe(jarFrom(refreshed)[NAMES.access]);
  });

  it('both: the Authorization header wins over the cookie (no CSRF needed), a cookie alone works with CSRF', async () => {
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const jar = jarFrom(res);
    expect(
      (await t.http.post('/notes').set('Authorization', `Bearer ${res.body.accessToken}`).set('Cookie', cookieHeader(jar))).status,
    ).toBe(201);
    problem(await t.http.post('/notes').set('Cookie', cookieHeader(jar)), 403, 'CSRF_TOKEN_INVALID');
    expect((await t.http.post('/notes').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar[NAMES.csrf])).status).toBe(201);
  });

  it('both: a header and a cookie naming different sessions are refused (401)', async () => {
    const emily = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const admin = await t.http.post('/auth/login').send({ username: 'admin', password: 'adminpass123' });
    const emily2 = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    for (const other of [admin, emily2]) {
      const res = await t.http
        .get('/protected')
        .set('Authorization', `Bearer ${emily.body.accessToken}`)
        .set('Cookie', cookieHeader({ [NAMES.access]: other.body.accessToken }));
      problem(res, 401, 'ACCESS_TOKEN_INVALID');
    }
    // A cookie that is not a valid token of this app cannot name the same session either.
    problem(
      await t.http.get('/protected').set('Authorization', `Bearer ${emily.body.accessToken}`).set('Cookie', `${NAMES.access}=forged`),
      401,
      'ACCESS_TOKEN_INVALID',
    );
  });

  it('both: a header and an older access cookie of the same session are accepted (the header wins)', async () => {
    const login = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const refreshed = await t.http.post('/auth/refresh').send({ refreshToken: login.body.refreshToken });
    const res = await t.http
      .get('/protected')
      .set('Authorization', `Bearer ${refreshed.body.accessToken}`)
      .set('Cookie', cookieHeader({ [NAMES.access]: login.body.accessToken }));
    expect(res.status).toBe(200);
  });
});

describe('cookie options', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function loginCookies(config: TestAppOptions): Promise<ReturnType<typeof setCookies>> {
    t = await createTestApp(config);
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(res.status).toBe(200);
    return setCookies(res);
  }

  it('secure: false, sameSite: strict, a domain and custom names', async () => {
    const cookies = await loginCookies({
      options: {
        accessTokenType: 'cookie',
        cookies: { secure: false, sameSite: 'strict', domain: 'example.test', names: { access: 'at', refresh: 'rt', csrf: 'xsrf' } },
      },
    });
    expect([...cookies.keys()].sort()).toEqual(['at', 'rt', 'xsrf']);
    for (const cookie of cookies.values()) {
      expect(cookie.secure).toBeFalsy();
      expect(cookie.sameSite).toBe('strict');
      expect(cookie.domain).toBe('example.test');
    }
    const jar = valuesOf(cookies);
    expect((await t!.http.post('/notes').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar.xsrf)).status).toBe(201);
  });

  it("prefix '__Host-': __Host- access and CSRF cookies (Path=/, no Domain), a __Secure- refresh cookie on its scoped path", async () => {
    const cookies = await loginCookies({ options: { accessTokenType: 'cookie', cookies: { prefix: '__Host-' } } });
    expect([...cookies.keys()].sort()).toEqual(['__Host-access_token', '__Host-csrf_token', '__Secure-refresh_token']);
    expect(cookies.get('__Host-access_token')).toMatchObject({ secure: true, path: '/' });
    expect(cookies.get('__Host-access_token')?.domain).toBeUndefined();
    expect(cookies.get('__Secure-refresh_token')).toMatchObject({ secure: true, path: '/auth' });
    const jar = valuesOf(cookies);
    expect((await t!.http.get('/auth/me').set('Cookie', cookieHeader(jar))).status).toBe(200);
    // The unprefixed name is not read.
    problem(await t!.http.get('/auth/me').set('Cookie', `access_token=${jar['__Host-access_token']}`), 401, 'UNAUTHENTICATED');
  });

  it('the refresh cookie path follows the app global prefix, or cookies.refreshPath', async () => {
    let cookies = await loginCookiesWithPrefix('api');
    expect(cookies.get(NAMES.refresh)?.path).toBe('/api/auth');
    await t?.close();
    cookies = await loginCookies({
      options: { accessTokenType: 'cookie', cookies: { refreshPath: '/custom/refresh' } },
    });
    expect(cookies.get(NAMES.refresh)?.path).toBe('/custom/refresh');
  });

  async function loginCookiesWithPrefix(prefix: string): Promise<ReturnType<typeof setCookies>> {
    t = await createTestApp({ options: { accessTokenType: 'cookie' }, beforeInit: (app) => app.setGlobalPrefix(prefix) });
    const res = await t.http.post(`/${prefix}/auth/login`).send({ username: 'emilys', password: 'emilyspass' });
    expect(res.status).toBe(200);
    return setCookies(res);
  }

  it('cookies.csrf: false turns the CSRF check off', async () => {
    const cookies = await loginCookies({ options: { accessTokenType: 'cookie', cookies: { csrf: false } } });
    const jar = valuesOf(cookies);
    expect((await t!.http.post('/notes').set('Cookie', cookieHeader(jar))).status).toBe(201);
  });

  it('works beside an app-level cookie-parser (with a secret), which the module does not need', async () => {
    t = await createTestApp({ options: { accessTokenType: 'cookie' }, beforeInit: (app) => app.use(cookieParser('app-secret')) });
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    const jar = jarFrom(res);
    expect((await t.http.get('/auth/me').set('Cookie', cookieHeader(jar))).status).toBe(200);
    expect((await t.http.post('/notes').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar[NAMES.csrf])).status).toBe(201);
    problem(await t.http.post('/notes').set('Cookie', cookieHeader(jar)), 403, 'CSRF_TOKEN_INVALID');
  });

  it('works on Fastify beside @fastify/cookie (the app sets its own cookie on the same response)', async () => {
    t = await createTestApp({
      adapter: 'fastify',
      options: { accessTokenType: 'cookie' },
      beforeInit: async (app) => {
        const fastify = app as NestFastifyApplication;
        await fastify.register(fastifyCookie, { secret: 'app-secret' });
        fastify
          .getHttpAdapter()
          .getInstance()
          .addHook('onRequest', async (_req, reply) => {
            reply.setCookie('app_cookie', 'hello', { path: '/' });
          });
      },
    });
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(res.status).toBe(200);
    expect([...setCookies(res).keys()].sort()).toEqual(['app_cookie', NAMES.access, NAMES.csrf, NAMES.refresh].sort());
    const jar = jarFrom(res);
    expect((await t.http.get('/auth/me').set('Cookie', cookieHeader(jar))).status).toBe(200);
    expect((await t.http.post('/notes').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar[NAMES.csrf])).status).toBe(201);
    problem(await t.http.post('/notes').set('Cookie', cookieHeader(jar)), 403, 'CSRF_TOKEN_INVALID');
    const logout = await t.http.post('/auth/logout').set('Cookie', cookieHeader(jar)).set('X-CSRF-Token', jar[NAMES.csrf]);
    expect(logout.status).toBe(200);
    expect([...setCookies(logout).keys()]).toEqual(expect.arrayContaining(['app_cookie', NAMES.access, NAMES.refresh, NAMES.csrf]));
  });
});
