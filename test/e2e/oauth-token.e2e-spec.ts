import fastifyFormbody from '@fastify/formbody';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request, { type Response } from 'supertest';
import { AuthModule, MemoryUserStore } from '../../lib/index.js';
import { createHttpApp, createTestApp, demoUsers, initHttpApp, TEST_SECRET, type TestApp } from '../fixtures/create-test-app.js';
import { createMfaTestApp, MFA_USERS, type MfaTestApp } from '../fixtures/mfa-app.js';

/**
 * `POST /auth/token`: the OAuth 2.0 token endpoint (form body) with the password and refresh_token
 * grants (CONTRACT §2), for first-party clients such as Swagger UI's "Authorize".
 */

/** An OAuth error: a problem document with the module's code and the OAuth members. */
function oauthError(res: Response, status: number, code: string, error: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body).toMatchObject({ type: 'about:blank', status, code, error });
  expect(typeof res.body.error_description).toBe('string');
  expect(res.body.error_description).toBe(res.body.detail);
}

const form = (t: TestApp, fields: Record<string, string> | string) => t.http.post('/auth/token').type('form').send(fields);

describe('POST /auth/token (OAuth 2.0, form body)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('grant_type=password: access_token, refresh_token, token_type bearer, expires_in, no-store; the token opens /auth/me', async () => {
    const res = await form(t, {
      grant_type: 'password',
      username: 'emilys',
      password: 'emilyspass',
      scope: '',
      client_id: 'web',
      client_secret: '',
    });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['pragma']).toBe('no-cache');
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    expect(res.headers['set-cookie']).toBeUndefined();
    const me = await t.http.get('/auth/me').set('Authorization', `Bearer ${res.body.access_token}`);
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('emilys');
  });

  it('accepts an e-mail as the username', async () => {
    const res = await form(t, { grant_type: 'password', username: 'emily.johnson@example.com', password: 'emilyspass' });
    expect(res.status).toBe(200);
  });

  it('grant_type=refresh_token rotates the refresh token; the old one then counts as reuse', async () => {
    const login = await form(t, { grant_type: 'password', username: 'emilys', password: 'emilyspass' });
    const next = await form(t, { grant_type: 'refresh_token', refresh_token: login.body.refresh_token });
    expect(next.status).toBe(200);
    expect(next.body.token_type).toBe('bearer');
    expect(next.body.refresh_token).not.toBe(login.body.refresh_token);
    // Once the successor was used, the old token is reuse (until then it would return the same successor).
    const latest = await form(t, { grant_type: 'refresh_token', refresh_token: next.body.refresh_token });
    expect(latest.status).toBe(200);
    oauthError(
      await form(t, { grant_type: 'refresh_token', refresh_token: login.body.refresh_token }),
      401,
      'REFRESH_TOKEN_REUSED',
      'invalid_grant',
    );
    // The whole session is gone.
    oauthError(
      await form(t, { grant_type: 'refresh_token', refresh_token: latest.body.refresh_token }),
      401,
      'REFRESH_TOKEN_INVALID',
      'invalid_grant',
    );
  });

  it('a wrong password and an unknown user are the same invalid_grant (401 INVALID_CREDENTIALS)', async () => {
    const wrong = await form(t, { grant_type: 'password', username: 'admin', password: 'not-the-password' });
    const unknown = await form(t, { grant_type: 'password', username: 'nobody-here', password: 'not-the-password' });
    oauthError(wrong, 401, 'INVALID_CREDENTIALS', 'invalid_grant');
    oauthError(unknown, 401, 'INVALID_CREDENTIALS', 'invalid_grant');
    expect(wrong.body).toEqual(unknown.body);
  });

  it('an unknown grant type is unsupported_grant_type; missing fields are invalid_request', async () => {
    oauthError(await form(t, { grant_type: 'client_credentials' }), 400, 'UNSUPPORTED_GRANT_TYPE', 'unsupported_grant_type');
    oauthError(await form(t, { username: 'emilys', password: 'emilyspass' }), 400, 'VALIDATION_FAILED', 'invalid_request');
    oauthError(await form(t, { grant_type: 'password', username: 'emilys' }), 400, 'VALIDATION_FAILED', 'invalid_request');
    oauthError(await form(t, { grant_type: 'refresh_token' }), 400, 'VALIDATION_FAILED', 'invalid_request');
  });

  it('refuses JSON, repeated fields and nested fields as invalid_request (never a 500)', async () => {
    oauthError(
      await t.http.post('/auth/token').send({ grant_type: 'password', username: 'emilys', password: 'emilyspass' }),
      400,
      'MALFORMED_REQUEST',
      'invalid_request',
    );
    oauthError(await form(t, 'grant_type=password&username=emilys&username=admin&password=x'), 400, 'VALIDATION_FAILED', 'invalid_request');
    oauthError(await form(t, 'grant_type=password&username[a]=emilys&password=x'), 400, 'VALIDATION_FAILED', 'invalid_request');
    oauthError(
      await form(t, { grant_type: 'password', username: 'x'.repeat(400), password: 'p' }),
      400,
      'VALIDATION_FAILED',
      'invalid_request',
    );
    oauthError(await form(t, { grant_type: 'refresh_token', refresh_token: 'not-a-token' }), 401, 'REFRESH_TOKEN_INVALID', 'invalid_grant');
  });

  it('is rate-limited like /auth/login (the two share the counters)', async () => {
    for (let i = 0; i < 5; i++) await form(t, { grant_type: 'password', username: 'locked.user', password: 'wrong-password' }).expect(401);
    const locked = await form(t, { grant_type: 'password', username: 'locked.user', password: 'wrong-password' });
    oauthError(locked, 429, 'TOO_MANY_REQUESTS', 'slow_down');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const viaJson = await t.http.post('/auth/login').send({ username: 'locked.user', password: 'wrong-password' });
    expect(viaJson.status).toBe(429);
  });
});

describe('POST /auth/token with a second factor', () => {
  let t: MfaTestApp;
  beforeAll(async () => {
    t = await createMfaTestApp();
  });
  afterAll(() => t.close());

  it('answers 403 mfa_required with the mfaToken, and /mfa/verify completes the login', async () => {
    const res = await form(t, { grant_type: 'password', username: MFA_USERS.totp.username, password: MFA_USERS.totp.password });
    oauthError(res, 403, 'MFA_VERIFICATION_REQUIRED', 'mfa_required');
    expect(typeof res.body.mfaToken).toBe('string');
    expect(res.body.mfaMethods).toContain('totp');
    expect(res.body.defaultMfaMethod).toBe('totp');
    expect(res.body.access_token).toBeUndefined();
    const verified = await t.http.post('/auth/mfa/verify').send({ mfaToken: res.body.mfaToken, method: 'totp', code: t.totpCode() });
    expect(verified.status).toBe(200);
    expect(typeof verified.body.accessToken).toBe('string');
  });
});

describe('POST /auth/token: configuration and other modes', () => {
  it('routes.token: false leaves it out; routes.token moves it', async () => {
    const off = await createTestApp({ extras: { routes: { token: false } } });
    const moved = await createTestApp({ extras: { routes: { token: 'oauth/token' } } });
    try {
      expect((await off.http.post('/auth/token').type('form').send({ grant_type: 'password' })).status).toBe(404);
      const res = await moved.http
        .post('/auth/oauth/token')
        .type('form')
        .send({ grant_type: 'password', username: 'emilys', password: 'emilyspass' });
      expect(res.status).toBe(200);
    } finally {
      await off.close();
      await moved.close();
    }
  });

  it('returns the tokens in the body and sets no cookie in cookie mode too (an OAuth client has no cookies)', async () => {
    const t = await createTestApp({ options: { accessTokenType: 'cookie' } });
    try {
      const res = await form(t, { grant_type: 'password', username: 'emilys', password: 'emilyspass' });
      expect(res.status).toBe(200);
      expect(typeof res.body.access_token).toBe('string');
      expect(res.headers['set-cookie']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('reads the form itself when the host app parses no body', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AuthModule.forRoot({ jwt: { secret: TEST_SECRET }, userStore: new MemoryUserStore(await demoUsers()) })],
    }).compile();
    const app = createHttpApp(moduleRef, { bodyParser: false });
    await initHttpApp(app);
    try {
      const http = request(app.getHttpServer());
      const res = await http.post('/auth/token').type('form').send({ grant_type: 'password', username: 'emilys', password: 'emilyspass' });
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('bearer');
      const big = await http
        .post('/auth/token')
        .type('form')
        .send(`grant_type=password&username=${'x'.repeat(20_000)}`);
      expect(big.status).toBe(413);
      expect(big.body.error).toBe('invalid_request');
    } finally {
      await app.close();
    }
  });

  it('works on Fastify beside @fastify/formbody (no Nest body parser), repeated fields still refused', async () => {
    const t = await createTestApp({
      adapter: 'fastify',
      bodyParser: false,
      beforeInit: (app) => (app as NestFastifyApplication).register(fastifyFormbody),
    });
    try {
      const res = await form(t, { grant_type: 'password', username: 'emilys', password: 'emilyspass' });
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('bearer');
      const twice = await t.http.post('/auth/token').type('form').send('grant_type=password&username=emilys&username=admin&password=x');
      expect(twice.status).toBe(400);
      expect(twice.body.error).toBe('invalid_request');
      expect((await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' })).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
