import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath, screenshotPath, startSampleApp, type SampleApp } from '../fixtures/sample-app.js';

/** Set WRITE_DOCS_SCREENSHOT=1 to refresh the README's screenshot; otherwise it goes to the temp dir. */
const SCREENSHOT = screenshotPath('swagger-authorize');

describe('Swagger UI: Authorize with the OAuth 2.0 password flow, then Try it out (sample app, real Chromium)', () => {
  let sample: SampleApp;
  let browser: Browser;
  let page: Page;
  const requests: Request[] = [];

  beforeAll(async () => {
    const executablePath = chromiumPath();
    sample = await startSampleApp();
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1100, height: 1000 } })).newPage();
    page.on('request', (request) => requests.push(request));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await sample?.close();
  });

  it('logs in as emilys through Authorize and gets 200 from GET /auth/me', async () => {
    await page.goto(`${sample.base}/docs`);
    await page.locator('.btn.authorize').first().click();

    // The dialog lists the module's schemes; the OAuth 2.0 one takes a username and password.
    const dialog = page.locator('.modal-ux');
    await dialog.locator('#oauth_username').fill('emilys');
    await dialog.locator('#oauth_password').fill('emilyspass');
    await dialog
      .locator('.auth-container', { has: page.locator('#oauth_username') })
      .locator('button.authorize')
      .click();
    await dialog.getByText('Authorized').first().waitFor();
    await dialog.locator('button.btn-done').first().click();

    const token = requests.find((r) => new URL(r.url()).pathname === '/auth/token');
    expect(token?.method()).toBe('POST');
    expect(token?.headers()['content-type']).toMatch(/^application\/x-www-form-urlencoded/);

    const me = page.locator('.opblock', { has: page.locator('.opblock-summary-path[data-path="/auth/me"]') });
    await me.locator('.opblock-summary').click();
    await me.locator('.try-out__btn').click();
    await me.locator('.execute').click();
    const status = me.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor();
    expect((await status.innerText()).trim()).toBe('200');
    await expect(me.locator('.live-responses-table .microlight').first().innerText()).resolves.toContain('"username": "emilys"');

    // The call carried the access token the password flow obtained.
    const call = requests.find((r) => new URL(r.url()).pathname === '/auth/me');
    expect(call?.headers()['authorization']).toMatch(/^Bearer ey/);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await me.scrollIntoViewIfNeeded();
    await page.screenshot({ path: SCREENSHOT });
  });
});
