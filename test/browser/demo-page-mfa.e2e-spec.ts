import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, request, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { OutboxMessage } from '../../sample-app/src/demo-outbox.js';
import { recordApiCalls, type ApiCall } from '../fixtures/api-calls.js';
import { CHROMIUM_ARGS, chromiumPath, screenshotPath, startSampleApp, type SampleApp } from '../fixtures/sample-app.js';

/** WRITE_DOCS_SCREENSHOT=1 writes it to docs/img/demo-mfa-step.png (taken in cookie mode). */
const SCREENSHOT = screenshotPath('demo-mfa-step');
const EMAIL_USER = { username: 'email.user', password: 'emailpass123', email: 'email@example.com' };
const TRUST_KEY = 'nest-gatekeeper-demo.trustToken';

let executablePath: string;
let browser: Browser;

beforeAll(async () => {
  executablePath = chromiumPath();
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

describe.each(['cookie', 'header'] as const)('browser demo page: the MFA step (%s mode, real Chromium)', (mode) => {
  let sample: SampleApp;
  let context: BrowserContext;
  let page: Page;
  /** The test's own HTTP client (no browser cookies), for `/dev/outbox`. */
  let api: APIRequestContext;
  const apiCalls: ApiCall[] = [];

  beforeAll(async () => {
    sample = await startSampleApp({ AUTH_ACCESS_TOKEN_TYPE: mode });
    api = await request.newContext({ baseURL: sample.base });
    context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    page = await context.newPage();
    recordApiCalls(page, apiCalls);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await api?.dispose();
    await sample?.close();
  });

  const calls = (path: string, from = 0) => apiCalls.slice(from).filter((c) => c.path === path);

  /** `GET /dev/outbox?to=…` through the test's HTTP client: newest first. */
  async function outbox(to = EMAIL_USER.email): Promise<OutboxMessage[]> {
    const res = await api.get(`/dev/outbox?to=${encodeURIComponent(to)}`);
    expect(res.status()).toBe(200);
    return (await res.json()) as OutboxMessage[];
  }

  async function submitLogin(): Promise<void> {
    await page.fill('#username', EMAIL_USER.username);
    await page.fill('#password', EMAIL_USER.password);
    await page.click('#login-button');
  }

  it('a login of email.user shows the second-factor step; the e-mail code was sent at login', async () => {
    await page.goto(`${sample.base}/`);
    await page.locator('#login-view').waitFor({ state: 'visible' });
    await submitLogin();
    await page.locator('#mfa-view').waitFor({ state: 'visible' });

    expect(await page.locator('#login-view').isHidden()).toBe(true);
    expect(await page.locator('#app-view').isHidden()).toBe(true);
    // The method chooser offers the user's methods (no recovery codes: none were issued), e-mail chosen.
    const options = await page.locator('#mfa-method option').all();
    expect(await Promise.all(options.map((o) => o.getAttribute('value')))).toEqual(['email']);
    expect(await page.inputValue('#mfa-method')).toBe('email');
    expect(await page.textContent('#mfa-resend')).toBe('Resend code');
    expect(await page.textContent('#mfa-message')).toContain('e•••@example.com');
    expect(await page.isChecked('#trust-device')).toBe(false);

    const login = calls('/auth/login').at(-1);
    expect(login?.status).toBe(200);
    expect(login?.body).toEqual({ username: EMAIL_USER.username, password: EMAIL_USER.password });
    // No token yet: no auth cookie either.
    expect((await context.cookies()).map((c) => c.name)).not.toContain('access_token');

    const messages = await outbox();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toEqual({
      to: EMAIL_USER.email,
      subject: 'Your nest-gatekeeper demo verification code',
      text: expect.stringContaining(messages[0].code),
      code: expect.stringMatching(/^\d{6}$/),
    });
  });

  it('a wrong code is shown in the error area and the step stays', async () => {
    const [latest] = await outbox();
    const wrong = String((Number(latest.code) + 1) % 1_000_000).padStart(6, '0');
    await page.fill('#mfa-code', wrong);
    await page.click('#mfa-verify');
    await page.locator('#error', { hasText: 'MFA_CODE_INVALID' }).waitFor();
    expect(await page.locator('#mfa-view').isVisible()).toBe(true);
    expect(calls('/auth/mfa/verify').at(-1)?.status).toBe(401);
  });

  it('"Resend code" sends a new e-mail; the newest code signs in, with "Trust this device" checked', async () => {
    const sent = page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/mfa/send');
    await page.click('#mfa-resend');
    expect((await sent).status()).toBe(200);
    await page.locator('#mfa-message', { hasText: /^A verification code was sent to e•••@example\.com\.$/ }).waitFor();
    const messages = await outbox();
    expect(messages).toHaveLength(2);

    await page.fill('#mfa-code', messages[0].code);
    await page.check('#trust-device');
    expect(await page.textContent('#error')).toBe('');
    if (mode === 'cookie') {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
    await page.click('#mfa-verify');
    await page.locator('#app-view').waitFor({ state: 'visible' });
    expect(await page.textContent('#who')).toBe(EMAIL_USER.username);
    expect(await page.locator('#mfa-view').isHidden()).toBe(true);
    expect(await page.textContent('#error')).toBe('');
    const verify = calls('/auth/mfa/verify').at(-1);
    expect(verify?.status).toBe(200);
    expect(verify?.body).toMatchObject({ method: 'email', code: messages[0].code, trustDevice: true });
    const profile = JSON.parse((await page.textContent('#profile')) ?? '{}') as Record<string, unknown>;
    expect(profile).toMatchObject({ username: EMAIL_USER.username, mfaEnabled: true, mfaMethods: ['email'] });

    const stored = await page.evaluate<string | null>(`localStorage.getItem(${JSON.stringify(TRUST_KEY)})`);
    if (mode === 'cookie') {
      // The trust token is an HttpOnly cookie sent only to the auth routes; the page stores nothing.
      const trust = (await context.cookies()).find((c) => c.name === 'trust_token');
      expect(trust?.httpOnly).toBe(true);
      expect(trust?.path).toBe('/auth');
      expect(await page.evaluate<string>('document.cookie')).not.toContain('trust_token');
      expect(stored).toBeNull();
    } else {
      expect(stored).toMatch(/^\S{20,}$/);
      expect((await context.cookies()).map((c) => c.name)).not.toContain('trust_token');
    }
  });

  it('after logging out, the next login of email.user on this device goes straight in: no code step, no e-mail', async () => {
    const mailsBefore = (await outbox()).length;
    await page.click('#logout');
    await page.locator('#login-view').waitFor({ state: 'visible' });
    expect(calls('/auth/logout').at(-1)?.status).toBe(200);

    const mark = apiCalls.length;
    await submitLogin();
    await page.locator('#app-view').waitFor({ state: 'visible' });
    expect(await page.textContent('#who')).toBe(EMAIL_USER.username);
    expect(await page.locator('#mfa-view').isHidden()).toBe(true);
    expect(await page.textContent('#error')).toBe('');

    const logins = calls('/auth/login', mark);
    expect(logins.map((c) => c.status)).toEqual([200]);
    if (mode === 'header') expect(logins[0].body?.trustToken).toMatch(/^\S{20,}$/);
    else expect(logins[0].body).not.toHaveProperty('trustToken');
    expect(apiCalls.slice(mark).filter((c) => c.path.startsWith('/auth/mfa/'))).toEqual([]);
    expect(await outbox()).toHaveLength(mailsBefore);
  });
});
