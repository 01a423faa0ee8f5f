import { Controller, Get, UseGuards } from '@nestjs/common';
import { AccessTokenGuard, CurrentUser, Roles, RolesGuard } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

@Controller('opt-in')
@UseGuards(AccessTokenGuard, RolesGuard)
class OptInController {
  @Get()
  who(@CurrentUser('id') id: string): { id: string } {
    return { id };
  }
  @Get('admin')
  @Roles('admin')
  admin(): { ok: true } {
    return { ok: true };
  }
}

@Controller('open')
class OpenController {
  @Get()
  open(): { open: true } {
    return { open: true };
  }
}

describe('guards and decorators', () => {
  describe('global guard (default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    it('@Public() routes need no token; every other route does (401 UNAUTHENTICATED + WWW-Authenticate)', async () => {
      expect((await t.http.get('/health').expect(200)).body).toEqual({ status: 'ok' });
      const res = await t.http.get('/protected').expect(401);
      expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('@CurrentUser() gives the token subject', async () => {
      const { accessToken } = await t.login();
      expect((await t.http.get('/protected').set('Authorization', `Bearer ${accessToken}`).expect(200)).body).toEqual({
        userId: 'u-emily',
      });
    });

    it('@Roles() refuses a user without the role (403 FORBIDDEN) and admits one with it', async () => {
      const user = await t.login();
      const forbidden = await t.http.get('/admin').set('Authorization', `Bearer ${user.accessToken}`).expect(403);
      expect(forbidden.body.code).toBe('FORBIDDEN');
      const admin = await t.login('admin', 'adminpass123');
      await t.http.get('/admin').set('Authorization', `Bearer ${admin.accessToken}`).expect(200);
    });

    it('the Bearer scheme is case-insensitive; a malformed Bearer value is invalid', async () => {
      const { accessToken } = await t.login();
      await t.http.get('/protected').set('Authorization', `bearer ${accessToken}`).expect(200);
      const bad = await t.http.get('/protected').set('Authorization', 'Bearer a b c').expect(401);
      expect(bad.body.code).toBe('ACCESS_TOKEN_INVALID');
    });
  });

  describe('globalGuard: false', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ extras: { globalGuard: false }, controllers: [OptInController, OpenController] });
    });
    afterAll(() => t.close());

    it('host routes are open unless they opt in with @UseGuards(AccessTokenGuard)', async () => {
      await t.http.get('/open').expect(200);
      await t.http.get('/opt-in').expect(401);
      const { accessToken } = await t.login();
      expect((await t.http.get('/opt-in').set('Authorization', `Bearer ${accessToken}`).expect(200)).body).toEqual({ id: 'u-emily' });
      await t.http.get('/opt-in/admin').set('Authorization', `Bearer ${accessToken}`).expect(403);
    });

    it("the module's own protected routes stay protected", async () => {
      await t.http.get('/auth/me').expect(401);
      await t.http.get('/auth/sessions').expect(401);
      const { accessToken } = await t.login();
      await t.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`).expect(200);
    });
  });
});
