import { afterEach, describe, expect, it } from '@jest/globals';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { AuthEvents, type AuthEvent } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

/** The `@nestjs/event-emitter` bridge: with the app's EventEmitterModule, each event is emitted as `auth.<type>`. */
describe('@nestjs/event-emitter bridge', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('emits every event as auth.<type> on the app’s EventEmitter2 (listeners run off the request)', async () => {
    t = await createTestApp({ imports: [EventEmitterModule.forRoot({ wildcard: true })] });
    const heard: AuthEvent[] = [];
    t.app.get(EventEmitter2).on('auth.**', (event: AuthEvent) => heard.push(event));
    await t.login();
    await t.http.post('/auth/login').send({ username: 'emilys', password: 'wrong-password' });
    await t.app.get(AuthEvents).flush();
    expect(heard.map((e) => e.type)).toEqual(['login.succeeded', 'login.failed']);
    expect(heard[0]).toMatchObject({ userId: 'u-emily', method: 'password' });
    expect(heard[1]).toMatchObject({ userId: 'u-emily', reason: 'invalid_credentials' });
  });

  it('a listener that throws fails no request, keeps the other events of its batch, and stops no other sink', async () => {
    t = await createTestApp({ imports: [EventEmitterModule.forRoot()] });
    const emitter = t.app.get(EventEmitter2);
    emitter.on('auth.login.failed', () => {
      throw new Error('listener bug');
    });
    const heard: string[] = [];
    emitter.on('auth.login.succeeded', (e: AuthEvent) => heard.push(e.type));
    // In one batch or two, the success after the failure still reaches its listener.
    const failed = t.http.post('/auth/login').send({ username: 'emilys', password: 'wrong-password' });
    expect((await failed).status).toBe(401);
    expect((await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' })).status).toBe(200);
    await t.app.get(AuthEvents).flush();
    expect(heard).toEqual(['login.succeeded']);
    const bridge = t.app
      .get(AuthEvents)
      .stats()
      .sinks.find((s) => s.name === 'event-emitter');
    expect(bridge?.failed).toBeGreaterThanOrEqual(1);
    expect((await t.http.get('/auth/activity').set('Authorization', `Bearer ${(await t.login()).accessToken}`)).status).toBe(200);
  });

  it('events.eventEmitter: false leaves the bridge out', async () => {
    t = await createTestApp({ imports: [EventEmitterModule.forRoot()], options: { events: { eventEmitter: false } } });
    const heard: unknown[] = [];
    t.app.get(EventEmitter2).on('auth.login.succeeded', (e: unknown) => heard.push(e));
    await t.login();
    await t.app.get(AuthEvents).flush();
    expect(heard).toEqual([]);
    expect(
      t.app
        .get(AuthEvents)
        .stats()
        .sinks.map((s) => s.name),
    ).not.toContain('event-emitter');
  });
});
