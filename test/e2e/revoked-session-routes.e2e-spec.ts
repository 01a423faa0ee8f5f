import { Controller, Get, Post, RequestMethod, UseGuards, type INestApplication, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY } from '../../lib/auth.constants.js';
import { AccessTokenGuard, AuthModule, CurrentUser, LiveSession, SkipLiveSession, type AuthModuleOptions } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import { DemoController } from '../fixtures/demo-controller.js';
import { mfaOptions } from '../fixtures/mfa-app.js';
import { TestOutbox } from '../fixtures/outbox.js';

/**
 * Threat: a dead session's access token replayed on the module's authenticated routes. The guard's
 * in-memory revocation list only knows what the feed told it: a session that expired (idle or
 * absolute lifetime) while its access token had minutes left, or one revoked where the feed does not
 * reach (`revocation.enabled: false`, another instance before the feed arrives), is not on it. Every
 * authenticated route of the module — enumerated from the mounted controllers' metadata, so that a
 * new route cannot be forgotten — must still refuse such a token (401 `ACCESS_TOKEN_INVALID`),
 * through `@LiveSession()` on the controllers, with the app-wide guard and with `globalGuard: false`.
 */

/** A host controller: live sessions for the whole class, one route opted out. */
@Controller('account')
@LiveSession()
@UseGuards(AccessTokenGuard)
class AccountController {
  @Post('close')
  close(@CurrentUser('id') userId: string): { closed: string } {
    return { closed: userId };
  }

  @SkipLiveSession()
  @Get('summary')
  summary(@CurrentUser('id') userId: string): { userId: string } {
    return { userId };
  }
}

interface ModuleRoute {
  name: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
}

/** Every route AuthModule mounted that is not `@Public()`, read from the controllers' route metadata. */
function authenticatedModuleRoutes(app: INestApplication): ModuleRoute[] {
  const reflector = new Reflector();
  const routes: ModuleRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    if (module.metatype !== AuthModule) continue;
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<object>;
      const prefix = Reflect.getMetadata(PATH_METADATA, controller) as string;
      const names = new Set<string>();
      for (
        let proto: object | null = controller.prototype as object;
        proto !== null && proto !== Object.prototype;
        proto = Object.getPrototypeOf(proto) as object | null
      ) {
        for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
      }
      for (const name of names) {
        if (name === 'constructor') continue;
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue; // not a route (or switched off)
        if (reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [handler, controller]) === true) continue;
        const path = `/${prefix}/${Reflect.getMetadata(PATH_METADATA, handler) as string}`
          .replace(/\/+/g, '/')
          .replace(/:[A-Za-z]+/g, 'AAAAAAAAAAAAAAAAAAAAAA');
        routes.push({ name: `${controller.name}.${name}`, method: RequestMethod[method].toLowerCase() as ModuleRoute['method'], path });
      }
    }
  }
  return routes;
}

/** The authenticated routes the module has today: the walk must cover at least these. */
const KNOWN = [
  'AuthController.me',
  'AuthController.logout',
  'SessionsController.list',
  'SessionsController.revoke',
  'PasswordController.change',
  'MfaController.setupTotp',
  'MfaController.enableTotp',
  'MfaController.disable',
  'MfaController.devices',
  'MfaController.revokeDevice',
  'PasskeyController.list',
  'PasskeyController.remove',
  'OAuthController.list',
  'OAuthController.link',
  'OAuthController.unlink',
];

const sessionOf = (accessToken: string): string =>
  (JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as { sid: string }).sid;

describe.each([
  { mode: 'app-wide guard', globalGuard: true },
  { mode: 'globalGuard: false (guards mounted per controller)', globalGuard: false },
])('revoked-session replay on every authenticated route: $mode', ({ globalGuard }) => {
  /** Sessions idle-expire after 2 minutes; access tokens live 15. */
  let t: TestApp;
  /** The same, with the revocation feed off: a revocation reaches no in-memory list. */
  let noFeed: TestApp;
  let routes: ModuleRoute[];

  beforeAll(async () => {
    const options: Partial<AuthModuleOptions> = {
      refreshToken: { ttl: '2m' },
      mfa: mfaOptions(new TestOutbox()),
      passkeys: { enabled: true, rpId: 'localhost', origins: ['http://localhost:3000'] },
      // Never contacted: a dead session is refused before any provider work.
      oauth: {
        baseUrl: 'http://localhost:3000',
        providers: { idp: { type: 'oidc', issuer: 'https://idp.example.invalid', clientId: 'app' } },
      },
    };
    const controllers = [DemoController, AccountController];
    t = await createTestApp({ options, extras: { globalGuard }, controllers });
    noFeed = await createTestApp({ options: { ...options, revocation: { enabled: false } }, extras: { globalGuard }, controllers });
    // Logout last: it revokes the session (and tells the revocation list), which would hide the others.
    routes = authenticatedModuleRoutes(t.app).sort((a, b) => Number(a.name.endsWith('.logout')) - Number(b.name.endsWith('.logout')));
  });
  afterAll(async () => {
    await t?.close();
    await noFeed?.close();
  });

  it('the walk covers every authenticated module route', () => {
    expect(routes.map((r) => r.name)).toEqual(expect.arrayContaining(KNOWN));
    expect(routes.length).toBeGreaterThanOrEqual(KNOWN.length);
  });

  /** Replays `token` on every route; resolves the routes that did not answer 401 ACCESS_TOKEN_INVALID. */
  async function accepted(app: TestApp, token: string): Promise<string[]> {
    const open: string[] = [];
    for (const route of routes) {
      const res = await app.http[route.method](route.path).set('Authorization', `Bearer ${token}`).send({});
      if (res.status !== 401 || res.body.code !== 'ACCESS_TOKEN_INVALID')
        open.push(`${route.method.toUpperCase()} ${route.path} → ${res.status} ${String(res.body.code)}`);
    }
    return open;
  }

  it('an idle-expired session’s unexpired access token: 401 on every authenticated module route', async () => {
    const { accessToken } = await t.login();
    t.clock.advance(3 * 60_000); // the session's idle lifetime is over; the access token has 12 minutes left
    if (globalGuard) {
      // The revocation list does not know: a route without @LiveSession still takes the token.
      await t.http.get('/protected').set('Authorization', `Bearer ${accessToken}`).expect(200);
    }
    expect(await accepted(t, accessToken)).toEqual([]);
  });

  it('a session revoked in the store, unknown to the revocation list: 401 on every authenticated module route', async () => {
    const { accessToken } = await noFeed.login();
    await noFeed.sessions.revoke(sessionOf(accessToken), noFeed.clock.now());
    if (globalGuard) await noFeed.http.get('/protected').set('Authorization', `Bearer ${accessToken}`).expect(200);
    expect(await accepted(noFeed, accessToken)).toEqual([]);
  });

  it('a live session passes the check (the 401s above are the session’s death, not the route)', async () => {
    const { accessToken } = await t.login();
    const me = await t.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`).expect(200);
    expect(me.body.id).toBe('u-emily');
  });

  it('host routes: @LiveSession() on a handler or a class refuses the dead session; @SkipLiveSession() opts a route out', async () => {
    const { accessToken } = await noFeed.login();
    const auth = { Authorization: `Bearer ${accessToken}` };
    await noFeed.http.post('/account/close').set(auth).expect(201);
    await noFeed.sessions.revoke(sessionOf(accessToken), noFeed.clock.now());
    if (globalGuard) {
      expect((await noFeed.http.get('/live').set(auth).expect(401)).body.code).toBe('ACCESS_TOKEN_INVALID');
    }
    expect((await noFeed.http.post('/account/close').set(auth).expect(401)).body.code).toBe('ACCESS_TOKEN_INVALID');
    expect((await noFeed.http.get('/account/summary').set(auth).expect(200)).body).toEqual({ userId: 'u-emily' });
  });
});
