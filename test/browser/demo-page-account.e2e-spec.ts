import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, request, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import type { OutboxMessage } from '../../sample-app/src/demo-outbox.js';
import { DEMO_TOTP_SECRET } from '../../sample-app/src/seed.js';
import { recordApiCalls, type ApiCall } from '../fixtures/api-calls.js';
import { CHROMIUM_ARGS, chromiumPath, startSampleApp, type SampleApp } from '../fixtures/sample-app.js';

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

/** A demo page in a new browser (context) on `sample`, its API calls recorded, and the test's own HTTP client. */
async function openDemo(sample: SampleApp): Promise<{ context: BrowserContext; page: Page; calls: ApiCall[]; api: APIRequestContext }> {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const calls = recordApiCalls(page);
  const api = await request.newContext({ baseURL: sample.base });
  return { context, page, calls, api };
}

/** `GET /dev/outbox?to=…` until `count` messages with `subject` are there (account e-mails go after the response); newest first. */
async function mails(api: APIRequestContext, to: string, subject: string, count = 1): Promise<OutboxMessage[]> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const res = await api.get(`/dev/outbox?to=${encodeURIComponent(to)}`);
    expect(res.status()).toBe(200);
    const found = ((await res.json()) as OutboxMessage[]).filter((m) => m.subject === subject);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`${to} never got ${count} × '${subject}'`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // poll interval
  }
}

/** A message's link, opened on the test's server (the sample app listens on a random port; PUBLIC_URL says :0). */
function linkOf(message: OutboxMessage, base: string): string {
  const url = new URL(/https?:\/\/\S+/.exec(message.text)![0]);
  return `${base}${url.pathname}${url.search}`;
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#login-button');
}

describe('browser demo page: reset codes and sign-in by e-mail code (PASSWORD_RESET_METHOD=code, LOGIN_CODE=on, header mode)', () => {
  let sample: SampleApp;
  let demo: Awaited<ReturnType<typeof openDemo>>;

  beforeAll(async () => {
    sample = await startSampleApp({ AUTH_ACCESS_TOKEN_TYPE: 'header', PASSWORD_RESET_METHOD: 'code', LOGIN_CODE: 'on' });
    demo = await openDemo(sample);
  }, TEST_MS);

  afterAll(async () => {
    await demo?.context.close();
    await demo?.api.dispose();
    await sample?.close();
  });

  it(
    'the sign-in view offers an e-mail code; the code from the outbox signs admin in',
    async () => {
      const { page, api } = demo;
      await page.goto(`${sample.base}/`);
      await page.locator('#login-code-view').waitFor({ state: 'visible' });
      await page.fill('#login-code-email', 'admin@example.com');
      await page.click('#login-code-send');
      await page.locator('#status', { hasText: /^If an account exists for this address, a sign-in code is on its way\.$/ }).waitFor();
      const [message] = await mails(api, 'admin@example.com', 'Your sign-in code');
      expect(message.code).toMatch(/^\d{8}$/);
      expect(message.text).toContain(message.code);

      await page.fill('#login-code', message.code);
      await page.click('#login-code-submit');
      await page.locator('#app-view').waitFor({ state: 'visible' });
      expect(await page.textContent('#who')).toBe('admin');
      expect(demo.calls.filter((c) => c.path === '/auth/login/code').map((c) => [c.status, c.body])).toEqual([
        [200, { email: 'admin@example.com', code: message.code }],
      ]);
      await page.click('#logout');
      await page.locator('#login-view').waitFor({ state: 'visible' });
    },
    TEST_MS,
  );

  it(
    '"Forgot password?" with codes: the form asks for the e-mailed code; the new password signs in',
    async () => {
      const { page, api } = demo;
      await page.click('#forgot-open');
      await page.fill('#forgot-email', 'emily.johnson@example.com');
      await page.click('#forgot-send');
      await page.locator('#reset-view').waitFor({ state: 'visible' });
      expect(await page.locator('#reset-code-label').isVisible()).toBe(true);
      expect(await page.inputValue('#reset-email')).toBe('emily.johnson@example.com');
      const [message] = await mails(api, 'emily.johnson@example.com', 'Reset your password');
      expect(message.code).toMatch(/^\d{8}$/);
      expect(message.text).not.toMatch(/https?:/);

      await page.fill('#reset-code', message.code);
      await page.fill('#reset-password', 'emily-got-a-code-2026');
      await page.click('#reset-submit');
      await page.locator('#status', { hasText: /^Password changed\./ }).waitFor();
      await page.locator('#login-view').waitFor({ state: 'visible' });
      expect(demo.calls.filter((c) => c.path === '/auth/password/reset').map((c) => [c.status, c.body])).toEqual([
        [200, { token: message.code, newPassword: 'emily-got-a-code-2026', email: 'emily.johnson@example.com' }],
      ]);

      await signIn(page, 'emilys', 'emily-got-a-code-2026');
      await page.locator('#app-view').waitFor({ state: 'visible' });
      expect(await page.textContent('#who')).toBe('emilys');
      await page.click('#logout');
      await page.locator('#login-view').waitFor({ state: 'visible' });
    },
    TEST_MS,
  );

  it(
    'an account with an authenticator app must add its current code to the reset: without, MFA_CODE_INVALID and the form stays',
    async () => {
      const { page, api } = demo;
      await page.click('#forgot-open');
      await page.fill('#forgot-email', 'totp@example.com');
      await page.click('#forgot-send');
      await page.locator('#reset-view').waitFor({ state: 'visible' });
      const [message] = await mails(api, 'totp@example.com', 'Reset your password');

      await page.fill('#reset-code', message.code);
      await page.fill('#reset-password', 'totp-user-new-passphrase');
      await page.click('#reset-submit');
      await page.locator('#error', { hasText: 'MFA_CODE_INVALID' }).waitFor();
      expect(await page.locator('#reset-view').isVisible()).toBe(true);

      const code = TOTP.generate({ secret: Secret.fromBase32(DEMO_TOTP_SECRET), timestamp: sample.clock.now() });
      await page.fill('#reset-mfa', code);
      await page.click('#reset-submit');
      await page.locator('#status', { hasText: /^Password changed\./ }).waitFor();
      await page.locator('#login-view').waitFor({ state: 'visible' });
      const resets = demo.calls.filter((c) => c.path === '/auth/password/reset' && c.body?.email === 'totp@example.com');
      expect(resets.map((c) => [c.status, c.body?.mfaCode])).toEqual([
        [401, undefined],
        [200, code],
      ]);
    },
    TEST_MS,
  );
});

describe('browser demo page: EMAIL_VERIFICATION=required (header mode)', () => {
  const USER = { username: 'late.verifier', email: 'late.verifier@example.com', password: 'late-verifier-pass-1' };
  let sample: SampleApp;
  let demo: Awaited<ReturnType<typeof openDemo>>;

  beforeAll(async () => {
    sample = await startSampleApp({ AUTH_ACCESS_TOKEN_TYPE: 'header', EMAIL_VERIFICATION: 'required' });
    demo = await openDemo(sample);
  }, TEST_MS);

  afterAll(async () => {
    await demo?.context.close();
    await demo?.api.dispose();
    await sample?.close();
  });

  it(
    'a demo user signs in; a new account gets EMAIL_NOT_VERIFIED with a hint until its link is opened',
    async () => {
      const { page, api } = demo;
      await page.goto(`${sample.base}/`);
      await signIn(page, 'emilys', 'emilyspass');
      await page.locator('#app-view').waitFor({ state: 'visible' });
      expect(await page.locator('#verify-banner').isHidden()).toBe(true);
      await page.click('#logout');
      await page.locator('#login-view').waitFor({ state: 'visible' });

      expect((await api.post('/auth/register', { data: USER })).status()).toBe(201);
      await signIn(page, USER.username, USER.password);
      await page.locator('#error', { hasText: /EMAIL_NOT_VERIFIED.*Open the link of the verification e-mail/ }).waitFor();

      const [verification] = await mails(api, USER.email, 'Verify your e-mail address');
      await page.goto(linkOf(verification, sample.base));
      await page.locator('#status', { hasText: /^E-mail address verified\.$/ }).waitFor();
      await signIn(page, USER.username, USER.password);
      await page.locator('#app-view').waitFor({ state: 'visible' });
      expect(await page.textContent('#who')).toBe(USER.username);
    },
    TEST_MS,
  );
});

describe('browser demo page: verify e-mail, change e-mail, delete account (default settings, cookie mode)', () => {
  const USER = { username: 'new.user', email: 'new.user@example.com', password: 'new-user-passphrase-1' };
  const NEW_EMAIL = 'new.address@example.com';
  let sample: SampleApp;
  let demo: Awaited<ReturnType<typeof openDemo>>;

  beforeAll(async () => {
    sample = await startSampleApp({ AUTH_ACCESS_TOKEN_TYPE: 'cookie' });
    demo = await openDemo(sample);
  }, TEST_MS);

  afterAll(async () => {
    await demo?.context.close();
    await demo?.api.dispose();
    await sample?.close();
  });

  const profile = async () => JSON.parse((await demo.page.textContent('#profile')) ?? '{}') as Record<string, unknown>;

  it(
    'a new account sees the "not verified" banner; "Resend" sends another verification e-mail (with the CSRF header)',
    async () => {
      const { page, api } = demo;
      const registered = await api.post('/auth/register', { data: USER });
      expect(registered.status()).toBe(201);
      await mails(api, USER.email, 'Verify your e-mail address');

      await page.goto(`${sample.base}/`);
      await signIn(page, USER.username, USER.password);
      await page.locator('#app-view').waitFor({ state: 'visible' });
      await page.locator('#verify-banner').waitFor({ state: 'visible' });
      expect(await profile()).toMatchObject({ username: USER.username, emailVerified: false });

      await page.click('#verify-resend');
      await page
        .locator('#status', { hasText: /^If the address is not verified yet, a new verification message is on its way\.$/ })
        .waitFor();
      const resend = demo.calls.filter((c) => c.path === '/auth/email/verify/resend');
      expect(resend.map((c) => c.status)).toEqual([202]);
      expect(resend[0].csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const messages = await mails(api, USER.email, 'Verify your e-mail address', 2);
      expect(messages[0].code).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(messages[0].text).toContain(`${sample.config.publicUrl}/?verify=${messages[0].code}`);
    },
    TEST_MS,
  );

  it(
    'the link of the newest e-mail verifies the address: the page confirms it, the banner is gone',
    async () => {
      const { page, api } = demo;
      const [newest] = await mails(api, USER.email, 'Verify your e-mail address', 2);
      await page.goto(linkOf(newest, sample.base));
      await page.locator('#status', { hasText: /^E-mail address verified\.$/ }).waitFor();
      expect(page.url()).toBe(`${sample.base}/`);
      await page.locator('#app-view').waitFor({ state: 'visible' });
      expect(await page.locator('#verify-banner').isHidden()).toBe(true);
      expect(await profile()).toMatchObject({ emailVerified: true });
    },
    TEST_MS,
  );

  it(
    'change e-mail: the new address gets a confirmation link; opening it changes the address',
    async () => {
      const { page, api } = demo;
      await page.fill('#new-email', NEW_EMAIL);
      await page.fill('#email-change-password', USER.password);
      await page.click('#email-change-submit');
      await page.locator('#status', { hasText: /^A confirmation message is on its way to the new address/ }).waitFor();
      expect(demo.calls.filter((c) => c.path === '/auth/email/change').map((c) => c.status)).toEqual([202]);
      const [confirmation] = await mails(api, NEW_EMAIL, 'Confirm your new e-mail address');
      await mails(api, USER.email, 'Your e-mail address is being changed');

      await page.goto(linkOf(confirmation, sample.base));
      await page.locator('#status', { hasText: /^E-mail address changed\.$/ }).waitFor();
      await page.locator('#app-view').waitFor({ state: 'visible' });
      expect(await profile()).toMatchObject({ email: NEW_EMAIL, emailVerified: true });
    },
    TEST_MS,
  );

  it(
    'delete account: nothing happens when the confirm is dismissed; confirmed, the account is gone',
    async () => {
      const { page } = demo;
      await page.fill('#delete-password', USER.password);
      page.once('dialog', (dialog) => void dialog.dismiss());
      await page.click('#delete-submit');
      expect(demo.calls.filter((c) => c.path === '/auth/account/delete')).toEqual([]);

      page.once('dialog', (dialog) => void dialog.accept());
      await page.click('#delete-submit');
      await page.locator('#status', { hasText: /^Account deleted\.$/ }).waitFor();
      await page.locator('#login-view').waitFor({ state: 'visible' });
      const deleted = demo.calls.filter((c) => c.path === '/auth/account/delete');
      expect(deleted.map((c) => [c.status, c.body])).toEqual([[200, { password: USER.password }]]);
      expect(deleted[0].csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);

      await signIn(page, USER.username, USER.password);
      await page.locator('#error', { hasText: 'INVALID_CREDENTIALS' }).waitFor();
    },
    TEST_MS,
  );
});
