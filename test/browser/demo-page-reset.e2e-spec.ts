import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, request, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { OutboxMessage } from '../../sample-app/src/demo-outbox.js';
import { recordApiCalls, type ApiCall } from '../fixtures/api-calls.js';
import { CHROMIUM_ARGS, chromiumPath, screenshotPath, startSampleApp, type SampleApp } from '../fixtures/sample-app.js';

/** WRITE_DOCS_SCREENSHOT=1 writes it to docs/img/demo-reset-password.png (taken in cookie mode). */
const SCREENSHOT = screenshotPath('demo-reset-password');
const EMILY = { username: 'emilys', password: 'emilyspass', email: 'emily.johnson@example.com' };
const NEW_PASSWORD = 'a-brand-new-passphrase-for-emily';
/** Room for a busy 2-core machine: every wait is on a condition, bounded by this. */
const WAIT_MS = 60_000;
const TEST_MS = 120_000;

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

/** A new browser (context) with a page, its API calls recorded. */
async function openDemo(): Promise<{ context: BrowserContext; page: Page; calls: ApiCall[] }> {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const calls = recordApiCalls(page);
  return { context, page, calls };
}

/** `GET /dev/outbox?to=…` until `accept` holds (account e-mails are sent after the response); newest first. */
async function outboxUntil(api: APIRequestContext, to: string, accept: (messages: OutboxMessage[]) => boolean): Promise<OutboxMessage[]> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const res = await api.get(`/dev/outbox?to=${encodeURIComponent(to)}`);
    expect(res.status()).toBe(200);
    const messages = (await res.json()) as OutboxMessage[];
    if (accept(messages)) return messages;
    if (Date.now() > deadline) throw new Error(`the outbox of ${to} never matched: ${JSON.stringify(messages.map((m) => m.subject))}`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // poll interval
  }
}

/** The link of a message, opened on the test's server (the sample app listens on a random port, PUBLIC_URL says :0). */
function onServer(link: string, base: string): string {
  const url = new URL(link);
  return `${base}${url.pathname}${url.search}`;
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#login-button');
}

describe.each(['cookie', 'header'] as const)('browser demo page: forgot / reset password (%s mode, real Chromium)', (mode) => {
  let sample: SampleApp;
  /** The test's own HTTP client (no browser cookies), for `/dev/outbox` and the old tokens. */
  let api: APIRequestContext;
  /** The first browser: emilys signed in before the reset (the session the reset must end). */
  let old: { context: BrowserContext; page: Page; calls: ApiCall[] };
  /** Header mode: the tokens of the first browser's login. */
  let oldTokens: { accessToken: string; refreshToken: string } | null = null;
  /** The second browser, where emilys forgot the password. */
  let fresh: { context: BrowserContext; page: Page; calls: ApiCall[] };
  let resetMessage: OutboxMessage;

  beforeAll(async () => {
    sample = await startSampleApp({ AUTH_ACCESS_TOKEN_TYPE: mode });
    api = await request.newContext({ baseURL: sample.base });
    old = await openDemo();
    fresh = await openDemo();
  }, TEST_MS);

  afterAll(async () => {
    await old?.context.close();
    await fresh?.context.close();
    await api?.dispose();
    await sample?.close();
  });

  const calls = (list: ApiCall[], path: string, from = 0) => list.slice(from).filter((c) => c.path === path);

  it(
    'emilys signs in on a first browser',
    async () => {
      await old.page.goto(`${sample.base}/`);
      await old.page.locator('#login-view').waitFor({ state: 'visible' });
      const login = old.page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/login');
      await signIn(old.page, EMILY.username, EMILY.password);
      const body = (await (await login).json()) as { accessToken?: string; refreshToken?: string };
      await old.page.locator('#app-view').waitFor({ state: 'visible' });
      expect(await old.page.textContent('#who')).toBe(EMILY.username);
      if (mode === 'header') {
        expect(body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
        oldTokens = { accessToken: body.accessToken!, refreshToken: body.refreshToken! };
      } else {
        expect(body).not.toHaveProperty('accessToken');
        expect((await old.context.cookies()).map((c) => c.name)).toEqual(expect.arrayContaining(['access_token', 'refresh_token']));
      }
    },
    TEST_MS,
  );

  it(
    '"Forgot password?" on a second browser sends a reset e-mail whose link points to the demo page',
    async () => {
      await fresh.page.goto(`${sample.base}/`);
      await fresh.page.locator('#login-view').waitFor({ state: 'visible' });
      await fresh.page.click('#forgot-open');
      await fresh.page.locator('#forgot-view').waitFor({ state: 'visible' });
      expect(await fresh.page.locator('#login-view').isHidden()).toBe(true);
      await fresh.page.fill('#forgot-email', EMILY.email);
      await fresh.page.click('#forgot-send');
      await fresh.page
        .locator('#forgot-message', { hasText: /^If an account exists for this address, .* Open the link in the e-mail/ })
        .waitFor();
      expect(await fresh.page.textContent('#error')).toBe('');
      const forgot = calls(fresh.calls, '/auth/password/forgot');
      expect(forgot.map((c) => [c.status, c.body])).toEqual([[202, { email: EMILY.email }]]);

      [resetMessage] = await outboxUntil(api, EMILY.email, (messages) => messages.some((m) => m.subject === 'Reset your password'));
      expect(resetMessage).toEqual({
        to: EMILY.email,
        subject: 'Reset your password',
        text: expect.stringContaining(`${sample.config.publicUrl}/?reset=`),
        code: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
      });
      // The outbox's code is the token of the link.
      const link = /https?:\/\/\S+/.exec(resetMessage.text)![0];
      expect(link).toBe(`${sample.config.publicUrl}/?reset=${encodeURIComponent(resetMessage.code)}`);
    },
    TEST_MS,
  );

  it(
    'the link opens the new-password form (the token leaves the address bar); the new password is set',
    async () => {
      const link = /https?:\/\/\S+/.exec(resetMessage.text)![0];
      await fresh.page.goto(onServer(link, sample.base));
      await fresh.page.locator('#reset-view').waitFor({ state: 'visible' });
      expect(fresh.page.url()).toBe(`${sample.base}/`);
      // A link carries the token: no address or code to type.
      expect(await fresh.page.locator('#reset-email-label').isHidden()).toBe(true);
      expect(await fresh.page.locator('#reset-code-label').isHidden()).toBe(true);
      expect(await fresh.page.locator('#reset-mfa').isVisible()).toBe(true);

      await fresh.page.fill('#reset-password', NEW_PASSWORD);
      if (mode === 'cookie') {
        mkdirSync(dirname(SCREENSHOT), { recursive: true });
        await fresh.page.screenshot({ path: SCREENSHOT, fullPage: true });
      }
      await fresh.page.click('#reset-submit');
      await fresh.page.locator('#status', { hasText: /^Password changed\. Every session was signed out/ }).waitFor();
      await fresh.page.locator('#login-view').waitFor({ state: 'visible' });
      expect(await fresh.page.textContent('#error')).toBe('');
      const reset = calls(fresh.calls, '/auth/password/reset');
      // No empty mfaCode is sent for an account without an authenticator app.
      expect(reset.map((c) => [c.status, c.body])).toEqual([[200, { token: resetMessage.code, newPassword: NEW_PASSWORD }]]);
    },
    TEST_MS,
  );

  it(
    "the first browser's session is dead: its access token gets 401 on /auth/me, its refresh fails, the page falls back to sign-in",
    async () => {
      if (mode === 'header') {
        const me = await api.get('/auth/me', { headers: { Authorization: `Bearer ${oldTokens!.accessToken}` } });
        expect(me.status()).toBe(401);
        const refresh = await api.post('/auth/refresh', { data: { refreshToken: oldTokens!.refreshToken } });
        expect(refresh.status()).toBe(401);
      } else {
        // The first browser's own cookies, sent by its request client.
        expect((await old.context.request.get(`${sample.base}/auth/me`)).status()).toBe(401);
      }

      const mark = old.calls.length;
      await old.page.click('#reload');
      await old.page.locator('#login-view').waitFor({ state: 'visible' });
      expect(await old.page.locator('#app-view').isHidden()).toBe(true);
      expect(calls(old.calls, '/auth/me', mark)[0]?.status).toBe(401);
      // Every refresh the page tried (its reload, and maybe its own refresh timer in the same moment) is refused.
      const refreshes = calls(old.calls, '/auth/refresh', mark).map((c) => c.status);
      expect(refreshes.length).toBeGreaterThan(0);
      expect(new Set(refreshes)).toEqual(new Set([401]));
    },
    TEST_MS,
  );

  it(
    'the old password fails; the new one signs in',
    async () => {
      await signIn(fresh.page, EMILY.username, EMILY.password);
      await fresh.page.locator('#error', { hasText: 'INVALID_CREDENTIALS' }).waitFor();
      expect(await fresh.page.locator('#app-view').isHidden()).toBe(true);

      await signIn(fresh.page, EMILY.username, NEW_PASSWORD);
      await fresh.page.locator('#app-view').waitFor({ state: 'visible' });
      expect(await fresh.page.textContent('#who')).toBe(EMILY.username);
      expect(await fresh.page.textContent('#error')).toBe('');
      expect(calls(fresh.calls, '/auth/login').map((c) => c.status)).toEqual([401, 200]);
      // The reset ended every earlier session: only this one is listed.
      await fresh.page.locator('#sessions tr').first().waitFor();
      expect(await fresh.page.locator('#sessions tr').count()).toBe(1);
    },
    TEST_MS,
  );

  it(
    'the link works once: opened again, the form answers RESET_TOKEN_INVALID',
    async () => {
      const link = /https?:\/\/\S+/.exec(resetMessage.text)![0];
      const again = await openDemo();
      try {
        await again.page.goto(onServer(link, sample.base));
        await again.page.locator('#reset-view').waitFor({ state: 'visible' });
        await again.page.fill('#reset-password', 'yet-another-passphrase-0');
        await again.page.click('#reset-submit');
        await again.page.locator('#error', { hasText: 'RESET_TOKEN_INVALID' }).waitFor();
        expect(await again.page.locator('#reset-view').isVisible()).toBe(true);
      } finally {
        await again.context.close();
      }
    },
    TEST_MS,
  );
});
