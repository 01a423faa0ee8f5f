import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { AuthModule, MemoryUserStore, type AuthModuleOptions } from '../../lib/index.js';
import { createHttpApp, createTestApp, demoUsers, initHttpApp, TEST_SECRET, type TestApp } from '../fixtures/create-test-app.js';
import { mfaOptions } from '../fixtures/mfa-app.js';
import { TestOutbox } from '../fixtures/outbox.js';

describe('route configuration (prefix, paths, switches)', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('serves every route under a custom prefix and custom paths', async () => {
    t = await createTestApp({
      extras: { routes: { prefix: '/api/v1/auth/', me: 'profile', refresh: 'refresh-token', login: 'sign-in' } },
    });
    await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }).expect(404);
    const login = await t.http.post('/api/v1/auth/sign-in').send({ username: 'emilys', password: 'emilyspass' }).expect(200);
    await t.http.get('/api/v1/auth/profile').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
    await t.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${login.body.accessToken}`).expect(404);
    await t.http.post('/api/v1/auth/refresh-token').send({ refreshToken: login.body.refreshToken }).expect(200);
    const problem = await t.http.post('/api/v1/auth/sign-in').set('Content-Type', 'application/json').send('{oops');
    expect(problem.status).toBe(400);
    expect(problem.body.code).toBe('MALFORMED_REQUEST');
  });

  it('registration, sessions and password routes can be switched off', async () => {
    t = await createTestApp({ extras: { routes: { registration: false, sessions: false, password: false } } });
    const { accessToken } = await t.login();
    await t.http.post('/auth/register').send({ username: 'someone', email: 'someone@example.com', password: 'long enough' }).expect(404);
    await t.http.get('/auth/sessions').set('Authorization', `Bearer ${accessToken}`).expect(404);
    await t.http.post('/auth/password/change').set('Authorization', `Bearer ${accessToken}`).send({}).expect(404);
    await t.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`).expect(200);
  });

  it('the MFA routes move with their paths, and routes.mfa: false leaves them all out', async () => {
    t = await createTestApp({
      options: { mfa: mfaOptions(new TestOutbox()) },
      extras: { routes: { mfaVerify: 'otp/check', mfaDevices: 'trusted' } },
    });
    const { accessToken } = await t.login();
    expect((await t.http.post('/auth/otp/check').send({ mfaToken: 'x', method: 'totp', code: '123456' })).body.code).toBe(
      'MFA_TOKEN_INVALID',
    );
    await t.http.post('/auth/mfa/verify').send({ mfaToken: 'x', method: 'totp', code: '123456' }).expect(404);
    await t.http.get('/auth/trusted').set('Authorization', `Bearer ${accessToken}`).expect(200);
    await t.close();
    t = await createTestApp({ options: { mfa: mfaOptions(new TestOutbox()) }, extras: { routes: { mfa: false } } });
    const again = await t.login();
    await t.http.post('/auth/mfa/verify').send({ mfaToken: 'x', method: 'totp', code: '123456' }).expect(404);
    await t.http.post('/auth/mfa/send').send({ mfaToken: 'x', method: 'email' }).expect(404);
    await t.http.post('/auth/mfa/totp/setup').set('Authorization', `Bearer ${again.accessToken}`).expect(404);
    await t.http.get('/auth/mfa/devices').set('Authorization', `Bearer ${again.accessToken}`).expect(404);
    await t.http.get('/auth/me').set('Authorization', `Bearer ${again.accessToken}`).expect(200);
  });

  it.each([false, true])(
    'with MFA off (forRootAsync: %s) the seven MFA routes are not mounted: 404 exactly like an unknown route',
    async (async) => {
      t = await createTestApp({ async });
      const { accessToken } = await t.login();
      const auth = { Authorization: `Bearer ${accessToken}` };
      const unknown = await t.http.post('/auth/no-such-route').set(auth).send({});
      expect(unknown.status).toBe(404);
      const like = (res: { status: number; body: unknown; headers: Record<string, string> }) => ({
        status: res.status,
        type: res.headers['content-type'],
        body: { ...(res.body as Record<string, unknown>), detail: undefined },
      });
      const routes: [string, string][] = [
        ['post', '/auth/mfa/send'],
        ['post', '/auth/mfa/verify'],
        ['post', '/auth/mfa/totp/setup'],
        ['post', '/auth/mfa/totp/enable'],
        ['post', '/auth/mfa/disable'],
        ['get', '/auth/mfa/devices'],
        ['delete', '/auth/mfa/devices/abc'],
      ];
      for (const [method, path] of routes) {
        const res = await (
          method === 'get' ? t.http.get(path) : method === 'delete' ? t.http.delete(path) : t.http.post(path).send({})
        ).set(auth);
        expect({ path, ...like(res) }).toEqual({ path, ...like(unknown) });
      }
      await t.http.get('/auth/me').set(auth).expect(200);
    },
  );

  it('with MFA configured the MFA routes are mounted (forRoot and forRootAsync)', async () => {
    for (const async of [false, true]) {
      t = await createTestApp({ async, options: { mfa: mfaOptions(new TestOutbox()) } });
      const { accessToken } = await t.login();
      await t.http.get('/auth/mfa/devices').set('Authorization', `Bearer ${accessToken}`).expect(200);
      expect((await t.http.post('/auth/mfa/verify').send({ mfaToken: 'x', method: 'totp', code: '123456' })).body.code).toBe(
        'MFA_TOKEN_INVALID',
      );
      if (!async) await t.close();
    }
  });

  it('each route can be left out with false; the switches are aliases', async () => {
    t = await createTestApp({ extras: { routes: { register: false, passwordChange: false, session: false } } });
    const { accessToken } = await t.login();
    await t.http.post('/auth/register').send({ username: 'someone', email: 'someone@example.com', password: 'long enough' }).expect(404);
    await t.http.post('/auth/password/change').set('Authorization', `Bearer ${accessToken}`).send({}).expect(404);
    await t.http
      .delete(`/auth/sessions/${accessToken.slice(0, 22)}`)
      .set('Authorization', `Bearer ${accessToken}`)
      .expect(404);
    await t.http.get('/auth/sessions').set('Authorization', `Bearer ${accessToken}`).expect(200);
  });

  it('two differently configured apps in one process do not share route metadata', async () => {
    t = await createTestApp({ extras: { routes: { me: 'profile' } } });
    const other = await createTestApp();
    try {
      const { accessToken } = await other.login();
      await other.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`).expect(200);
      const mine = await t.login();
      await t.http.get('/auth/profile').set('Authorization', `Bearer ${mine.accessToken}`).expect(200);
    } finally {
      await other.close();
    }
  });
});

describe('MFA routes decided at each start-up', () => {
  it('one forRootAsync module started twice follows each start-up’s options (MFA off, then on, then off)', async () => {
    let mfa: AuthModuleOptions['mfa'];
    const users = new MemoryUserStore(await demoUsers());
    const auth = AuthModule.forRootAsync({ useFactory: () => ({ jwt: { secret: TEST_SECRET }, userStore: users, mfa }) });
    const verifyStatus = async (): Promise<number> => {
      const moduleRef = await Test.createTestingModule({ imports: [auth] }).compile();
      const app = createHttpApp(moduleRef);
      await initHttpApp(app);
      try {
        return (
          await request(app.getHttpServer() as App)
            .post('/auth/mfa/verify')
            .send({ mfaToken: 'x', method: 'totp', code: '123456' })
        ).status;
      } finally {
        await app.close();
      }
    };
    expect(await verifyStatus()).toBe(404);
    mfa = mfaOptions(new TestOutbox());
    expect(await verifyStatus()).toBe(401);
    mfa = undefined;
    expect(await verifyStatus()).toBe(404);
  });
});
