import { Controller, Get } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CurrentUser, Public, type AuthPrincipal } from '../../lib/index.js';
import { createTestApp } from '../fixtures/create-test-app.js';
import { DemoController } from '../fixtures/demo-controller.js';

/**
 * The e2e suite runs twice (jest.config.mjs): on Express, and on Fastify in the `fastify` project.
 * This proves each run is on the platform it names, so a Fastify run cannot pass on Express unnoticed.
 */
it('the e2e app runs on the platform of its Jest project', async () => {
  const expected = process.env.TEST_HTTP_ADAPTER ?? 'express';
  const t = await createTestApp();
  try {
    expect(t.adapter).toBe(expected);
    expect(t.app.getHttpAdapter().getType()).toBe(expected);
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(res.status).toBe(200);
  } finally {
    await t.close();
  }
});

@Controller('whoami')
class WhoAmIController {
  @Public()
  @Get()
  whoami(
    @CurrentUser() user: AuthPrincipal | undefined,
    @CurrentUser('id') id: string | undefined,
  ): { signedIn: boolean; id: string | null } {
    return { signedIn: user !== undefined, id: id ?? null };
  }
}

describe('Fastify: the request property the guard sets', () => {
  it('is declared once at start-up (decorateRequest), so guarded requests keep one shape; @CurrentUser() stays undefined without a token', async () => {
    const t = await createTestApp({ adapter: 'fastify', controllers: [DemoController, WhoAmIController] });
    try {
      const fastify = t.app.getHttpAdapter().getInstance() as { hasRequestDecorator(name: string): boolean };
      expect(fastify.hasRequestDecorator('user')).toBe(true);
      expect((await t.http.get('/whoami')).body).toEqual({ signedIn: false, id: null });
      const { accessToken } = (await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' })).body;
      expect((await t.http.get('/protected').set('Authorization', `Bearer ${accessToken}`)).body).toEqual({ userId: 'u-emily' });
    } finally {
      await t.close();
    }
  });

  it('leaves a `user` the app (or a plugin such as @fastify/passport) declared first in place', async () => {
    const t = await createTestApp({
      adapter: 'fastify',
      beforeInit: (app) => (app as NestFastifyApplication).getHttpAdapter().getInstance().decorateRequest('user', null),
    });
    try {
      const { accessToken } = (await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' })).body;
      expect((await t.http.get('/protected').set('Authorization', `Bearer ${accessToken}`)).body).toEqual({ userId: 'u-emily' });
    } finally {
      await t.close();
    }
  });
});
