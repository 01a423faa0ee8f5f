import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath, screenshotPath, startSampleApp, type SampleApp } from '../fixtures/sample-app.js';
import type { TestClock } from '../fixtures/test-clock.js';

/** Set WRITE_DOCS_SCREENSHOT=1 to refresh the README's screenshot; otherwise it goes to the temp dir. */
const SCREENSHOT = screenshotPath('demo-logged-in');

describe('browser demo page (sample app in cookie mode, real Chromium)', () => {
  let sample: SampleApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let clock: TestClock;
  const apiCalls: { method: string; path: string; status: number; csrf: string | undefined; authorization: string | undefined }[] = [];

  beforeAll(async () => {
    const executablePath = chromiumPath();
    sample = await startSampleApp({ AUTH_ACCESS_TOKEN_TYPE: 'cookie' });
    ({ base, clock } = sample);

    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    page = await context.newPage();
    // Every API response the page receives, in arrival order.
    page.on('response', (response: Response) => {
      const request = response.request();
      const url = new URL(request.url());
      if (url.pathname === '/' || url.pathname === '/app.js') return;
      apiCalls.push({
        method: request.method(),
        path: url.pathname,
        status: response.status(),
        csrf: request.headers()['x-csrf-token'],
        authorization: request.headers().authorization,
      });
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await sample?.close();
  });

  const calls = (path: string, from = 0) => apiCalls.slice(from).filter((c) => c.path === path);
  /** `document.cookie` as the page's own scripts see it. */
  const documentCookie = () => page.evaluate<string>('document.cookie');

  it('shows the sign-in form to a visitor without a session', async () => {
    await page.goto(`${base}/`);
    await page.locator('#login-view').waitFor({ state: 'visible' });
    expect(await page.locator('#app-view').isHidden()).toBe(true);
  });

  it('logs in with cookie mode and shows the profile from /auth/me', async () => {
    await page.fill('#username', 'emilys');
    await page.fill('#password', 'emilyspass');
    await page.click('#login-button');
    await page.locator('#app-view').waitFor({ state: 'visible' });
    expect(await page.textContent('#who')).toBe('emilys');
    const profile = JSON.parse((await page.textContent('#profile')) ?? '{}') as Record<string, unknown>;
    expect(profile).toMatchObject({ username: 'emilys', email: 'emily.johnson@example.com', roles: ['user'], firstName: 'Emily' });
    expect(await page.locator('#sessions tr').count()).toBe(1);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it("the page's script cannot read the access or refresh token (HttpOnly), only the CSRF token", async () => {
    const cookies = await context.cookies();
    const access = cookies.find((c) => c.name === 'access_token');
    const refresh = cookies.find((c) => c.name === 'refresh_token');
    const csrf = cookies.find((c) => c.name === 'csrf_token');
    expect(access?.httpOnly).toBe(true);
    expect(refresh?.httpOnly).toBe(true);
    expect(refresh?.path).toBe('/auth');
    expect(csrf?.httpOnly).toBe(false);

    const visible = await documentCookie();
    expect(visible).toContain(`csrf_token=${csrf?.value}`);
    expect(visible).not.toContain('access_token');
    expect(visible).not.toContain('refresh_token');
    expect(visible).not.toContain(access?.value ?? '<none>');
    expect(visible).not.toContain(refresh?.value ?? '<none>');
    // Nor does any response body the page received carry them.
    const bodies = await page.evaluate(async () => (await fetch('/auth/me', { credentials: 'same-origin' })).text());
    expect(bodies).not.toContain(access?.value ?? '<none>');
  });

  it('after the access token expires, the page refreshes once for two parallel calls and carries on', async () => {
    const mark = apiCalls.length;
    clock.advance(16 * 60 * 1000); // the 15-minute access token is now expired for the server
    await page.click('#reload'); // /auth/me, /auth/sessions and /auth/activity in parallel
    // Locator waits, not waitForFunction: polling a string predicate needs eval, which the page's CSP forbids.
    await page.locator('#refresh-count', { hasText: /^1$/ }).waitFor();
    await page.locator('#sessions tr').first().waitFor();
    expect(await page.textContent('#who')).toBe('emilys');

    const refreshes = calls('/auth/refresh', mark);
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0].status).toBe(200);
    expect(refreshes[0].csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Both calls first got 401, then succeeded after the one refresh.
    expect(calls('/auth/me', mark).map((c) => c.status)).toEqual([401, 200]);
    expect(calls('/auth/sessions', mark).map((c) => c.status)).toEqual([401, 200]);
    expect(calls('/auth/activity', mark).map((c) => c.status)).toEqual([401, 200]);

    await page.click('#call-protected');
    await page.locator('#protected-result', { hasText: /^200 / }).waitFor();
    expect(calls('/protected').every((c) => c.authorization === undefined)).toBe(true);
  });

  it('logs out (with the CSRF header): the cookies are gone and a reload shows the sign-in form', async () => {
    await page.click('#logout');
    await page.locator('#login-view').waitFor({ state: 'visible' });
    const logout = calls('/auth/logout').at(-1);
    expect(logout?.status).toBe(200);
    expect(logout?.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const names = (await context.cookies()).map((c) => c.name);
    expect(names).not.toContain('access_token');
    expect(names).not.toContain('refresh_token');
    expect(names).not.toContain('csrf_token');
    expect(await documentCookie()).toBe('');

    await page.reload();
    await page.locator('#login-view').waitFor({ state: 'visible' });
    expect(await page.locator('#app-view').isHidden()).toBe(true);
  });

  it('shows the account’s recent activity; a hostile User-Agent is shown as text, never run (stored XSS through the feed)', async () => {
    const hostile = '<img id="pwned" src="x" onerror="document.title=\'pwned\'">';
    const other = await browser.newContext({ viewport: { width: 900, height: 900 }, userAgent: hostile });
    try {
      const tab = await other.newPage();
      await tab.goto(`${base}/`);
      await tab.locator('#login-view').waitFor({ state: 'visible' });
      await tab.fill('#username', 'emilys');
      await tab.fill('#password', 'not-her-password');
      await tab.click('#login-button');
      await tab.locator('#error', { hasText: /./ }).waitFor();
      await tab.fill('#password', 'emilyspass');
      await tab.click('#login-button');
      await tab.locator('#app-view').waitFor({ state: 'visible' });
      await tab.locator('#activity tr[data-type="login.failed"]').first().waitFor();

      const rows = await tab
        .locator('#activity tr')
        .evaluateAll((trs) =>
          trs.map((tr) => ({ type: tr.getAttribute('data-type'), cells: [...tr.children].map((td) => td.textContent ?? '') })),
        );
      // Newest first: this sign-in (this browser), the failed one before it; earlier ones after.
      expect(rows[0]).toMatchObject({
        type: 'login.succeeded',
        cells: [expect.any(String), 'Signed in (this browser)', expect.any(String), expect.stringContaining('<img id="pwned"')],
      });
      expect(rows[1]).toMatchObject({
        type: 'login.failed',
        cells: [expect.any(String), 'Failed sign-in', expect.any(String), expect.stringContaining('<img')],
      });
      expect(rows.some((r) => r.type === 'logout')).toBe(true);
      // The user agent is text in a cell: no element was made from it and its handler never ran.
      expect(await tab.locator('#pwned').count()).toBe(0);
      expect(await tab.title()).not.toBe('pwned');
    } finally {
      await other.close();
    }
  });
});
