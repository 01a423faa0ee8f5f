import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_TOTP_SECRET } from '../../sample-app/src/seed.js';
import { recordApiCalls, type ApiCall } from '../fixtures/api-calls.js';
import { startTestIdp, type TestIdp } from '../fixtures/oidc-provider.js';
import { freePort } from '../fixtures/sample-process.js';
import { CHROMIUM_ARGS, chromiumPath, screenshotPath, startSampleApp, type SampleApp } from '../fixtures/sample-app.js';

/** WRITE_DOCS_SCREENSHOT=1 writes it to docs/img/demo-social-login.png (taken in cookie mode). */
const SCREENSHOT = screenshotPath('demo-social-login');
const LABEL = 'Test IdP';
/** How long one step (a click, a page of the provider, the way back) may take on a busy machine. */
const STEP_TIMEOUT = 90_000;
/** A scenario goes to the provider and back up to three times. */
const SCENARIO_TIMEOUT = 300_000;

/** Only the machine itself: the provider's own pages import a web font, which must not be fetched. */
const isLocal = (url: string): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

/**
 * Sign-in with an OpenID provider on the demo page in real Chromium: the sample app with
 * OIDC_ISSUER set to a real `oidc-provider` on 127.0.0.1 (its development sign-in page accepts any
 * login; the account is `<login>@idp.test`, verified). The page is opened on
 * http://localhost:<port>, the sample app's PUBLIC_URL, on which the callback URL is built.
 * Each scenario has a browser context of its own: no session here nor at the provider.
 */
describe.each(['cookie', 'header'] as const)('browser demo page: sign-in with an OpenID provider (%s mode, real Chromium)', (mode) => {
  let idp: TestIdp;
  let sample: SampleApp;
  let browser: Browser;
  let origin: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    idp = await startTestIdp([
      {
        client_id: 'demo',
        client_secret: 'demo-secret',
        redirect_uris: [`${origin}/auth/oauth/oidc/callback`],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ]);
    sample = await startSampleApp({
      AUTH_ACCESS_TOKEN_TYPE: mode,
      PORT: String(port),
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: 'demo',
      OIDC_CLIENT_SECRET: 'demo-secret',
      OIDC_LABEL: LABEL,
    });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  }, 600_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await sample?.close();
    await idp?.close();
  });

  /** A new browser (context) on the demo page, every request off the machine blocked; its API calls recorded. */
  async function openDemoPage(): Promise<{ page: Page; calls: (path: string) => ApiCall[] }> {
    const context = await browser.newContext({ viewport: { width: 900, height: 1100 } });
    contexts.push(context);
    context.setDefaultTimeout(STEP_TIMEOUT);
    await context.route('**/*', (route) => (isLocal(route.request().url()) ? route.continue() : route.abort('blockedbyclient')));
    const page = await context.newPage();
    const apiCalls = recordApiCalls(page);
    await page.goto(`${origin}/`);
    await page.locator('#login-view').waitFor({ state: 'visible' });
    return { page, calls: (path) => apiCalls.filter((c) => c.path === path) };
  }

  /** "Sign in with Test IdP" (or "Link …"), then the provider's own sign-in page as `login` (any password). */
  async function signInAtProvider(page: Page, login: string): Promise<void> {
    const field = page.locator('input[name="login"]');
    await field.waitFor({ state: 'visible' });
    expect(new URL(page.url()).origin).toBe(idp.issuer);
    await field.fill(login);
    await page.fill('input[name="password"]', 'any-password');
    await page.click('button[type="submit"]');
  }

  /** The rows of "Linked accounts": label, e-mail, last used. */
  async function linkedAccounts(page: Page): Promise<string[][]> {
    return page
      .locator('#identities tr')
      .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent ?? '')));
  }

  async function waitForSignedIn(page: Page): Promise<void> {
    await page.locator('#app-view').waitFor({ state: 'visible' });
    // The fragment (a one-time code, or the link notice) left the address bar.
    expect(new URL(page.url()).hash).toBe('');
    expect(new URL(page.url()).pathname).toBe('/');
  }

  async function passwordLogin(page: Page, username: string, password: string): Promise<void> {
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('#login-button');
  }

  /** "Link Test IdP account" with the password, the provider's sign-in as `login`, and back on the demo page. */
  async function linkAccount(page: Page, password: string, login: string): Promise<void> {
    await page.fill('#identity-link-password', password);
    await page.click('#identity-link');
    await signInAtProvider(page, login);
    await page.locator('#status', { hasText: `Your ${LABEL} account is linked.` }).waitFor();
    expect(new URL(page.url()).hash).toBe('');
  }

  it(
    'signs up with the provider: "Sign in with Test IdP", the provider’s page, back signed in with the linked account listed',
    async () => {
      const { page, calls } = await openDemoPage();
      expect(await page.textContent('#oauth-login')).toBe(`Sign in with ${LABEL}`);
      await page.click('#oauth-login');
      await signInAtProvider(page, 'jane');
      await waitForSignedIn(page);

      expect(await page.textContent('#profile')).toContain('"email": "jane@idp.test"');
      expect(await page.locator('#identities-view').isVisible()).toBe(true);
      const [account] = await linkedAccounts(page);
      expect(account?.slice(0, 2)).toEqual([LABEL, 'jane@idp.test']);
      expect(account?.[2]).not.toBe('never');
      // Header mode: the tokens came from the one-time code; cookie mode: the callback set the cookies.
      if (mode === 'header') expect(calls('/auth/oauth/exchange').map((c) => c.status)).toEqual([200]);
      else expect(calls('/auth/oauth/exchange')).toEqual([]);

      // The account has no password: its only way in cannot be unlinked.
      await page.click('#identities button');
      await page.locator('#error', { hasText: 'This is the last way to sign in to this account' }).waitFor();
      expect(calls('/auth/identities/' + (await page.getAttribute('#identities tr', 'data-identity'))).at(-1)?.status).toBe(409);
      expect(await linkedAccounts(page)).toHaveLength(1);
    },
    SCENARIO_TIMEOUT,
  );

  it(
    'emilys links a provider account after her password, then signs in with it',
    async () => {
      const { page, calls } = await openDemoPage();
      await passwordLogin(page, 'emilys', 'emilyspass');
      await waitForSignedIn(page);
      expect(await page.textContent('#identity-link')).toBe(`Link ${LABEL} account`);
      expect(await linkedAccounts(page)).toEqual([]);

      await linkAccount(page, 'emilyspass', 'emily-at-idp');
      const link = calls('/auth/identities/link').at(-1);
      expect(link?.status).toBe(200);
      expect(link?.body).toEqual({ provider: 'oidc', password: 'emilyspass', returnTo: '/' });
      if (mode === 'cookie') expect(link?.csrf).toEqual(expect.any(String));
      if (mode === 'cookie') {
        // The cookies kept the session across the trip to the provider.
        await waitForSignedIn(page);
        expect(await page.textContent('#who')).toBe('emilys');
        expect(await linkedAccounts(page)).toEqual([[LABEL, 'emily-at-idp@idp.test', 'never']]);
        mkdirSync(dirname(SCREENSHOT), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        await page.click('#logout');
      } else {
        // Header mode: the tokens lived in the page's memory, left behind for the provider.
        expect(await page.textContent('#status')).toContain('sign in again');
        expect(await page.locator('#login-view').isVisible()).toBe(true);
      }

      // Signed in at the provider already: straight back, signed in to emilys.
      await page.locator('#login-view').waitFor({ state: 'visible' });
      await page.click('#oauth-login');
      await waitForSignedIn(page);
      expect(await page.textContent('#who')).toBe('emilys');
      const [account] = await linkedAccounts(page);
      expect(account?.slice(0, 2)).toEqual([LABEL, 'emily-at-idp@idp.test']);
      expect(account?.[2]).not.toBe('never');
      // emilys has a password: the provider account can go.
      await page.click('#identities button');
      await page.locator('#status', { hasText: `${LABEL} account unlinked.` }).waitFor();
      expect(await linkedAccounts(page)).toEqual([]);
    },
    SCENARIO_TIMEOUT,
  );

  it(
    'an account with an authenticator app still gets the second-factor step after the provider (one-time code in both modes)',
    async () => {
      const { page, calls } = await openDemoPage();
      const totpCode = () => TOTP.generate({ secret: Secret.fromBase32(DEMO_TOTP_SECRET), timestamp: sample.clock.now() });
      await passwordLogin(page, 'totp.user', 'totppass123');
      await page.locator('#mfa-view').waitFor({ state: 'visible' });
      await page.fill('#mfa-code', totpCode());
      await page.click('#mfa-verify');
      await waitForSignedIn(page);
      await linkAccount(page, 'totppass123', 'totp-at-idp');
      if (mode === 'cookie') {
        await waitForSignedIn(page);
        await page.click('#logout');
      }

      await page.locator('#login-view').waitFor({ state: 'visible' });
      await page.click('#oauth-login');
      await page.locator('#mfa-view').waitFor({ state: 'visible' });
      expect(new URL(page.url()).hash).toBe('');
      // Cookie mode too: a sign-in that needs a second step comes back with the one-time code.
      expect(calls('/auth/oauth/exchange').map((c) => c.status)).toEqual([200]);
      expect(await page.inputValue('#mfa-method')).toBe('totp');
      // The next TOTP step: a code is accepted once.
      sample.clock.advanceSeconds(30);
      await page.fill('#mfa-code', totpCode());
      await page.click('#mfa-verify');
      await waitForSignedIn(page);
      expect(await page.textContent('#who')).toBe('totp.user');
    },
    SCENARIO_TIMEOUT,
  );
});
