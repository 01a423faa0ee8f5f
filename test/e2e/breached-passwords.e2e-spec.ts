import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { AuthEvents, HibpBreachedPasswordChecker } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import { EventRecorder } from '../fixtures/event-recorder.js';
import { PwnedRangeServer } from '../fixtures/pwned-range-server.js';

const BREACHED = 'correct horse battery staple';
const FRESH = 'a-password-nobody-has-leaked-7';

describe('breached passwords (Have I Been Pwned range API, against a local server speaking it)', () => {
  const server = new PwnedRangeServer({ [BREACHED]: 42 });
  let baseUrl: string;
  let t: TestApp | undefined;
  let recorder: EventRecorder;
  let n = 0;

  beforeAll(async () => {
    baseUrl = await server.start();
  });
  afterAll(() => server.close());
  afterEach(async () => {
    server.mode = 'ok';
    await t?.close();
    t = undefined;
  });

  const start = async (breached = true) => {
    recorder = new EventRecorder();
    t = await createTestApp({
      options: {
        events: { sinks: [recorder] },
        ...(breached ? { password: { breachedPasswords: new HibpBreachedPasswordChecker({ baseUrl, timeoutMs: 1_000 }) } } : {}),
      },
    });
    return t;
  };
  const register = (app: TestApp, password: string) => {
    n++;
    return app.http.post('/auth/register').send({ username: `new.user${n}`, email: `new.user${n}@example.test`, password });
  };
  const events = async (app: TestApp) => {
    await app.app.get(AuthEvents).flush();
    return recorder.take().map((e) => e.type);
  };

  it('registration with a breached password is 400 VALIDATION_FAILED on `password`; a fresh one is created', async () => {
    const app = await start();
    const refused = await register(app, BREACHED);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('VALIDATION_FAILED');
    expect(refused.body.errors).toEqual([{ field: 'password', message: 'appears in a known data breach: choose another password' }]);
    expect(await events(app)).toEqual(['password.breached']);
    expect((await register(app, FRESH)).status).toBe(201);
  });

  it('password change to a breached password is refused after the current password is checked', async () => {
    const app = await start();
    const { accessToken } = await app.login();
    const change = (newPassword: string) =>
      app.http
        .post('/auth/password/change')
        .set('Authorization', `Bearer ${accessToken}`)
        .send({ currentPassword: 'emilyspass', newPassword });
    const refused = await change(BREACHED);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ field: 'newPassword', message: 'appears in a known data breach: choose another password' }]);
    expect((await change(FRESH)).status).toBe(200);
  });

  it('k-anonymity: only the first 5 hexadecimal characters of the SHA-1 leave the process, never the password or its whole hash', async () => {
    const app = await start();
    server.paths.length = 0;
    await register(app, BREACHED);
    await register(app, FRESH);
    const digest = (p: string) => createHash('sha1').update(p).digest('hex').toUpperCase();
    expect(server.paths).toEqual([`/range/${digest(BREACHED).slice(0, 5)}`, `/range/${digest(FRESH).slice(0, 5)}`]);
  });

  it.each([
    ['answers 503', 'error' as const],
    ['never answers (timeout)', 'hang' as const],
  ])('fails open when the service %s: the password is accepted and password.breach_check_unavailable emitted', async (_, mode) => {
    const app = await start();
    server.mode = mode;
    expect((await register(app, BREACHED)).status).toBe(201);
    expect(await events(app)).toEqual(expect.arrayContaining(['password.breach_check_unavailable', 'user.registered']));
  });

  it('a slow breach service holds no place of the hashing bound: logins still get theirs (no 503)', async () => {
    recorder = new EventRecorder();
    t = await createTestApp({
      options: {
        events: { sinks: [recorder] },
        passwordHashing: { concurrency: 1, queue: 0 },
        password: { breachedPasswords: new HibpBreachedPasswordChecker({ baseUrl, timeoutMs: 3_000 }) },
      },
    });
    const app = t;
    const login = () => app.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    // The one place is free once the start-up dummy hash is done.
    while ((await login()).status === 503) await new Promise((resolve) => setTimeout(resolve, 20));
    server.mode = 'hang';
    server.paths.length = 0;
    let settled = false;
    const pending = register(app, FRESH).then((r) => {
      settled = true;
      return r.status;
    });
    // Wait until the registration is waiting on the breach service, then log in beside it.
    while (server.paths.length === 0 && !settled) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    expect((await login()).status).toBe(200);
    expect(await pending).toBe(201);
  });

  it('off by default: no request leaves, a breached password is accepted', async () => {
    const app = await start(false);
    server.paths.length = 0;
    expect((await register(app, BREACHED)).status).toBe(201);
    expect(server.paths).toEqual([]);
  });
});
