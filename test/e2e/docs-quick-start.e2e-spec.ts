import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { UsersRepository } from '../../docs/examples/users/users.repository.js';
import { PASSWORD_HASHER, type PasswordHasher } from '../../lib/index.js';

/**
 * The README's first ten minutes, run as written: the library quick start
 * (docs/examples/quick-start/app.module.ts, MemoryUserStore) and the forRootAsync example
 * (docs/examples/config-module.ts, ConfigModule.forRoot() + ConfigService) each boot as they are, and
 * the README's requests register, log in and read /auth/me through them. The forRootAsync example
 * gets its JWT_SECRET from a `.env` file only, as the README says.
 */
const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

async function registerLoginMe(app: INestApplication): Promise<void> {
  const http = request(app.getHttpServer());
  const user = { username: 'ada', email: 'ada@example.com', password: 'correct horse battery' };
  const registered = await http.post('/auth/register').send(user);
  expect(registered.status).toBe(201);
  const login = await http.post('/auth/login').send({ username: user.username, password: user.password });
  expect(login.status).toBe(200);
  expect(login.body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), isRequiresMfa: false });
  const me = await http.get('/auth/me').set('Authorization', `Bearer ${login.body.accessToken as string}`);
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ username: 'ada', email: 'ada@example.com' });
}

describe('the README quick start', () => {
  let app: INestApplication | undefined;
  const saved = process.env['JWT_SECRET'];
  beforeAll(() => {
    process.env['JWT_SECRET'] = SECRET;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env['JWT_SECRET'];
    else process.env['JWT_SECRET'] = saved;
  });

  it('forRoot with MemoryUserStore: register, log in, /auth/me', async () => {
    const { AppModule } = await import('../../docs/examples/quick-start/app.module.js');
    app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.init();
    await registerLoginMe(app);
  });

  it('forRootAsync with ConfigModule.forRoot() and ConfigService, the secret in .env: register, log in, /auth/me', async () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'gk-dotenv-'));
    writeFileSync(join(dir, '.env'), `JWT_SECRET=${SECRET}\n`);
    delete process.env['JWT_SECRET'];
    process.chdir(dir); // ConfigModule.forRoot() reads ./.env
    try {
      const { AppModule } = await import('../../docs/examples/config-module.js');
      app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
      await app.init();
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
    await registerLoginMe(app);
  });
});

describe("the README's main.ts, Express or Fastify, run as written", () => {
  const saved = { JWT_SECRET: process.env['JWT_SECRET'], PORT: process.env['PORT'] };
  beforeAll(() => {
    process.env['JWT_SECRET'] = SECRET;
    process.env['PORT'] = '0';
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it.each([
    ['Express', 'express', '../../docs/examples/main.js'],
    ['Fastify', 'fastify', '../../docs/examples/main-fastify.js'],
  ])('on %s: log in (JSON and the OAuth form), /auth/profile, Swagger UI at /docs, 413 over 1 MiB', async (_name, type, file) => {
    const { app } = (await import(file)) as { app: INestApplication };
    try {
      expect(app.getHttpAdapter().getType()).toBe(type);
      // The example app has registration off (routes.registration: false): its user comes from the repository.
      const hasher = app.get<PasswordHasher>(PASSWORD_HASHER, { strict: false });
      await app.get(UsersRepository, { strict: false }).insert({
        id: 'u-ada',
        username: 'ada',
        email: 'ada@example.com',
        passwordHash: await hasher.hash('correct horse battery'),
        roles: ['user'],
        mfaEnabled: false,
        mfaMethods: [],
      });
      const http = request(app.getHttpServer());
      const login = await http.post('/auth/login').send({ username: 'ada', password: 'correct horse battery' });
      expect(login.status).toBe(200);
      const profile = await http.get('/auth/profile').set('Authorization', `Bearer ${login.body.accessToken as string}`);
      expect(profile.status).toBe(200);
      expect(profile.body).toMatchObject({ username: 'ada' });
      const token = await http
        .post('/auth/token')
        .type('form')
        .send({ grant_type: 'password', username: 'ada', password: 'correct horse battery' });
      expect(token.status).toBe(200);
      expect(token.body).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) });
      expect((await http.get('/docs')).status).toBe(200);
      const huge = await http
        .post('/auth/login')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ username: 'ada', password: 'x'.repeat(1024 * 1024) }));
      expect(huge.status).toBe(413);
      expect(huge.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      await app.close();
    }
  });
});
