import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import { DemoController } from '../fixtures/demo-controller.js';
import { createResourceServerApp, ResourceDemoController, type ResourceServerApp } from '../fixtures/resource-server.js';
import { ResourceServerModule } from '../../lib/resource-server/index.js';

/**
 * `nest-gatekeeper/resource-server` against a real issuer (AuthModule on a real port publishing
 * /.well-known/jwks.json): the issuer's access tokens are accepted by a service that has no user
 * store, no session store and no signing key, with the same decorators.
 */
const KEYS = {
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  EdDSA: generateKeyPairSync('ed25519').privateKey,
} as const;

async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = (t.app.getHttpServer() as Server).address() as AddressInfo;
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}

describe.each(Object.keys(KEYS) as (keyof typeof KEYS)[])('%s: the issuer’s tokens verified by a resource server', (algorithm) => {
  let issuer: TestApp;
  let rs: ResourceServerApp;
  let jwksUri: string;
  beforeAll(async () => {
    issuer = await createTestApp({ options: { jwt: { algorithm, privateKey: KEYS[algorithm] } } });
    jwksUri = await listen(issuer);
    rs = await createResourceServerApp(jwksUri, { async: algorithm === 'ES256' });
  });
  afterAll(async () => {
    await rs.close();
    await issuer.close();
  });

  it('a token issued at login reaches a guarded route; @CurrentUser() gets its user', async () => {
    const { accessToken } = await issuer.login();
    const res = await rs.get('/protected', accessToken).expect(200);
    expect(res.body).toEqual({ userId: 'u-emily' });
    await rs.get('/protected', accessToken).expect(200); // the verified-token cache
  });

  it('@Roles(): 403 without the role, 200 with it', async () => {
    const { accessToken: user } = await issuer.login();
    const { accessToken: admin } = await issuer.login('admin', 'adminpass123');
    const denied = await rs.get('/admin', user).expect(403);
    expect(denied.body.code).toBe('FORBIDDEN');
    await rs.get('/admin', admin).expect(200, { userId: 'u-admin', admin: true });
  });

  it('@Public() passes without a token; a guarded route without one is 401 UNAUTHENTICATED (problem+json)', async () => {
    await rs.get('/health').expect(200, { status: 'ok' });
    const res = await rs.get('/protected').expect(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('runs on the platform of its Jest project, and writes its 401s and 403s with the same headers there', async () => {
    expect(rs.adapter).toBe(process.env.TEST_HTTP_ADAPTER ?? 'express');
    expect(rs.app.getHttpAdapter().getType()).toBe(rs.adapter);
    const { accessToken } = await issuer.login();
    const problem = {
      'content-type': 'application/problem+json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    };
    const unauthenticated = await rs.get('/protected').expect(401);
    expect(unauthenticated.headers).toMatchObject({ ...problem, 'www-authenticate': 'Bearer' });
    const invalid = await rs.get('/protected', `${accessToken}x`).expect(401);
    expect(invalid.headers).toMatchObject({ ...problem, 'www-authenticate': 'Bearer error="invalid_token"' });
    const forbidden = await rs.get('/admin', accessToken).expect(403);
    expect(forbidden.headers).toMatchObject(problem);
    expect(forbidden.headers['www-authenticate']).toBeUndefined();
    expect(forbidden.body).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'You do not have access to this resource.',
      code: 'FORBIDDEN',
    });
  });

  it('a token with a changed claim (roles: admin) is 401 ACCESS_TOKEN_INVALID', async () => {
    const { accessToken } = await issuer.login();
    const [header, body, signature] = accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url')}.${signature}`;
    const res = await rs.get('/admin', forged).expect(401);
    expect(res.body.code).toBe('ACCESS_TOKEN_INVALID');
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it.each([{ audience: 'billing-api' }, { issuer: 'https://other-issuer.example' }])(
    'a token meant for another audience or from another issuer is refused (%o)',
    async (pinned) => {
      const other = await createResourceServerApp(jwksUri, { options: pinned });
      try {
        const { accessToken } = await issuer.login();
        await other.get('/protected', accessToken).expect(401);
      } finally {
        await other.close();
      }
    },
  );

  it('a token whose payload was swapped for another (here {}) under the same signature is refused', async () => {
    const [header, , signature] = (await issuer.login()).accessToken.split('.') as [string, string, string];
    await rs.get('/protected', `${header}.e30.${signature}`).expect(401);
  });
});

describe('configuration', () => {
  it('an http jwksUri on a non-loopback host fails at start-up naming the option', async () => {
    await expect(
      Test.createTestingModule({
        imports: [ResourceServerModule.forRoot({ jwksUri: 'http://auth.example.com/.well-known/jwks.json', issuer: 'i', audience: 'a' })],
      }).compile(),
    ).rejects.toThrow(/jwksUri: must be https/);
  });

  it('forRootAsync fails alike, listing every problem', async () => {
    const compiling = Test.createTestingModule({
      imports: [
        ResourceServerModule.forRootAsync({
          useFactory: () => ({ jwksUri: 'ftp://x/jwks', issuer: '', audience: 'a', algorithms: ['HS256' as 'RS256'] }),
        }),
      ],
    }).compile();
    await expect(compiling).rejects.toThrow(/Invalid ResourceServerModule options[\s\S]*jwksUri[\s\S]*issuer[\s\S]*algorithms/);
  });

  it('a route with @LiveSession() is refused at start-up (a resource server sees no sessions)', async () => {
    await expect(createResourceServerApp('http://127.0.0.1:9/jwks.json', { controllers: [DemoController] })).rejects.toThrow(
      /DemoController\.live: @LiveSession\(\)/,
    );
  });

  it('globalGuard: false leaves routes open unless guarded with @UseGuards', async () => {
    const rs = await createResourceServerApp('http://127.0.0.1:9/jwks.json', {
      extras: { globalGuard: false },
      controllers: [ResourceDemoController],
    });
    try {
      await rs.get('/health').expect(200);
      // Without the guard nobody is authenticated: @CurrentUser() is undefined.
      await rs.get('/protected').expect(200, {});
    } finally {
      await rs.close();
    }
  });
});
