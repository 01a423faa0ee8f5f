import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { recordApiCalls, type ApiCall } from '../fixtures/api-calls.js';
import { freePort } from '../fixtures/sample-process.js';
import { CHROMIUM_ARGS, chromiumPath, screenshotPath, startSampleApp, type SampleApp } from '../fixtures/sample-app.js';

/** WRITE_DOCS_SCREENSHOT=1 writes it to docs/img/demo-passkeys.png. */
const SCREENSHOT = screenshotPath('demo-passkeys');

/**
 * Passkeys on the demo page in real Chromium, with a virtual authenticator (the DevTools Protocol's
 * WebAuthn domain: a platform authenticator with resident keys and user verification). The page is
 * opened on http://localhost:<port>, the origin the sample app's RP id (`localhost`) covers.
 */
describe.each(['cookie', 'header'] as const)('browser demo page: passkeys (%s mode, real Chromium, virtual authenticator)', (mode) => {
  let sample: SampleApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let origin: string;
  const apiCalls: ApiCall[] = [];

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    sample = await startSampleApp({ AUTH_ACCESS_TOKEN_TYPE: mode, PORT: String(port), WEBAUTHN_ORIGIN: origin });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 900, height: 1100 } });
    page = await context.newPage();
    recordApiCalls(page, apiCalls);
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await sample?.close();
  });

  const calls = (path: string) => apiCalls.filter((c) => c.path === path);

  async function passwordLogin(): Promise<void> {
    await page.fill('#username', 'emilys');
    await page.fill('#password', 'emilyspass');
    await page.click('#login-button');
  }

  async function logOut(): Promise<void> {
    await page.click('#logout');
    await page.locator('#login-view').waitFor({ state: 'visible' });
  }

  it('adds a passkey after the password: the authenticator holds it, the page lists it', async () => {
    await page.goto(`${origin}/`);
    await page.locator('#login-view').waitFor({ state: 'visible' });
    await passwordLogin();
    await page.locator('#app-view').waitFor({ state: 'visible' });
    expect(await page.locator('#passkeys-view').isVisible()).toBe(true);

    await page.fill('#passkey-name', 'Demo laptop');
    await page.fill('#passkey-password', 'emilyspass');
    await page.click('#passkey-add');
    await page.locator('#passkeys tr').first().waitFor({ state: 'visible' });
    expect(await page.locator('#passkeys tr td').first().textContent()).toBe('Demo laptop');
    expect(calls('/auth/passkeys/register').at(-1)?.status).toBe(201);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
    if (mode === 'cookie') {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
  });

  it('logs out and signs in with the passkey alone (no username, no password)', async () => {
    await logOut();
    await page.fill('#username', '');
    await page.fill('#password', '');
    await page.click('#passkey-login');
    await page.locator('#app-view').waitFor({ state: 'visible' });
    expect(await page.textContent('#who')).toBe('emilys');
    expect(calls('/auth/passkeys/login').at(-1)?.status).toBe(200);
    expect(await page.locator('#passkeys tr td').nth(2).textContent()).not.toBe('never');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials[0]?.signCount).toBeGreaterThanOrEqual(1);
  });

  it('password + passkey as the second factor: the MFA step asks for the passkey', async () => {
    await page.fill('#passkey-password', 'emilyspass');
    await page.click('#passkey-mfa-enable');
    await page.locator('#passkey-mfa-enable').waitFor({ state: 'hidden' });
    await logOut();

    await passwordLogin();
    await page.locator('#mfa-view').waitFor({ state: 'visible' });
    expect(await page.inputValue('#mfa-method')).toBe('passkey');
    expect(await page.locator('#mfa-code').isHidden()).toBe(true);
    await page.click('#mfa-verify');
    await page.locator('#app-view').waitFor({ state: 'visible' });
    expect(await page.textContent('#who')).toBe('emilys');
    expect(calls('/auth/passkeys/mfa/options').at(-1)?.status).toBe(200);
    expect(calls('/auth/passkeys/mfa/verify').at(-1)?.status).toBe(200);
    // The activity feed tells the owner what happened.
    const types = await page.locator('#activity tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(types).toEqual(expect.arrayContaining(['passkey.added', 'mfa.enabled']));
  });
});
