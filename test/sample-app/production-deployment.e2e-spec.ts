import { DEVELOPMENT_JWT_SECRET } from '../../sample-app/src/config.js';
import { DEMO_TOTP_SECRET, DEMO_USERS } from '../../sample-app/src/seed.js';
import { startSampleApp } from '../fixtures/sample-app.js';
import { buildSampleApp, postJson, runSampleUntilExit, startSampleProcess, type SampleProcess } from '../fixtures/sample-process.js';

/**
 * The sample app deployed as it is, with NODE_ENV=production: it must not sign with the development
 * secret printed in its source (anyone could forge an admin token), must not create demo users whose
 * passwords are in the README, must not list them on its page, and serves Swagger only when asked.
 */

const SECRETS = {
  JWT_SECRET: 'production-test-jwt-secret-0123456789abcdef',
  MFA_ENCRYPTION_KEY: 'production-test-mfa-key-0123456789abcdef',
};
const BASE_ENV = { NODE_ENV: 'production', DATABASE_URL: 'sqlite::memory:' };

/** What no production page may contain: every demo username, password and the TOTP secret. */
const DEMO_CREDENTIALS = [...DEMO_USERS.flatMap((u) => [u.username, u.password]), DEMO_TOTP_SECRET];

function expectNoCredentials(html: string): void {
  for (const secret of DEMO_CREDENTIALS) expect({ secret, shown: html.includes(secret) }).toEqual({ secret, shown: false });
  // No pre-filled inputs.
  for (const input of html.match(/<input\b[^>]*>/g) ?? []) expect(input).not.toMatch(/\svalue=/);
}

describe('sample app deployed as it is (NODE_ENV=production, compiled, own process)', () => {
  let app: SampleProcess | undefined;
  beforeAll(() => buildSampleApp(), 300_000);
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('forged admin token: refuses to start without JWT_SECRET (exit code ≠ 0, the variable named)', async () => {
    const { code, output } = await runSampleUntilExit({ ...BASE_ENV, MFA_ENCRYPTION_KEY: SECRETS.MFA_ENCRYPTION_KEY });
    expect(code).not.toBe(0);
    expect(output).toContain('Refusing to start with NODE_ENV=production');
    expect(output).toContain('JWT_SECRET: is required with NODE_ENV=production');
    expect(output).not.toMatch(/Listening on/);
  }, 90_000);

  it('refuses to start with the development JWT_SECRET or without MFA_ENCRYPTION_KEY', async () => {
    const { code, output } = await runSampleUntilExit({ ...BASE_ENV, JWT_SECRET: DEVELOPMENT_JWT_SECRET });
    expect(code).not.toBe(0);
    expect(output).toContain('JWT_SECRET: is the public development value');
    expect(output).toContain('MFA_ENCRYPTION_KEY: is required with NODE_ENV=production');
  }, 90_000);

  it('with its secrets: no demo user can log in, the page lists no credentials, no Swagger', async () => {
    app = await startSampleProcess({ ...BASE_ENV, ...SECRETS });
    for (const { username, password } of DEMO_USERS) {
      const login = await postJson(`${app.base}/auth/login`, { username, password });
      expect({ username, status: login.status, code: login.body.code }).toEqual({ username, status: 401, code: 'INVALID_CREDENTIALS' });
    }
    const page = await fetch(`${app.base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form id="login-form">');
    expectNoCredentials(html);
    expect(html).not.toContain('/dev/outbox');
    for (const path of ['/docs', '/docs/', '/docs-json']) {
      expect({ path, status: (await fetch(`${app.base}${path}`)).status }).toEqual({ path, status: 404 });
    }
  }, 120_000);

  it('SWAGGER=on serves /docs and /docs-json; SEED_DEMO_USERS=on seeds the demo users (admin logs in); the page still lists no credentials', async () => {
    app = await startSampleProcess({ ...BASE_ENV, ...SECRETS, SWAGGER: 'on', SEED_DEMO_USERS: 'on' });
    expect((await fetch(`${app.base}/docs`)).status).toBe(200);
    const json = await fetch(`${app.base}/docs-json`);
    expect(json.status).toBe(200);
    expect(Object.keys(((await json.json()) as { paths: object }).paths)).toContain('/auth/login');
    const login = await postJson(`${app.base}/auth/login`, { username: 'admin', password: 'adminpass123' });
    expect(login.status).toBe(200);
    const admin = await fetch(`${app.base}/admin`, { headers: { Authorization: `Bearer ${String(login.body.accessToken)}` } });
    expect(admin.status).toBe(200);
    expectNoCredentials(await (await fetch(`${app.base}/`)).text());
  }, 120_000);
});

describe('sample app outside production (in process): the demo page keeps its credentials', () => {
  it('lists every demo user and the TOTP secret, and pre-fills the form with emilys', async () => {
    const sample = await startSampleApp();
    try {
      const res = await sample.http.get('/');
      expect(res.status).toBe(200);
      for (const secret of DEMO_CREDENTIALS) expect(res.text).toContain(secret);
      expect(res.text).toMatch(/<input id="username" value="emilys" /);
      expect(res.text).toMatch(/<input id="password" value="emilyspass" /);
      expect(res.text).toContain('href="/dev/outbox"');
      expect((await sample.http.get('/docs-json')).status).toBe(200);
    } finally {
      await sample.close();
    }
  });
});
