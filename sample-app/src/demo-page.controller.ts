import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Public } from 'nest-gatekeeper';
import type { EmailVerificationSetting } from './config.js';
import { DEMO_USERS, type DemoUser } from './seed.js';

/** The demo page's files (`sample-app/public`), read once at start-up. */
const PUBLIC_DIR = resolve(import.meta.dirname, '..', 'public');
const PAGE = readFileSync(resolve(PUBLIC_DIR, 'index.html'), 'utf8');
const SCRIPT = readFileSync(resolve(PUBLIC_DIR, 'app.js'), 'utf8');

/** Injection token of the {@link DemoPageOptions}. */
export const DEMO_PAGE_OPTIONS = Symbol('DemoPageOptions');

/** How the demo page is rendered. */
export interface DemoPageOptions {
  /**
   * List the demo users (passwords and TOTP secret included), pre-fill the login form and link the
   * demo outbox: outside production only. `public/index.html` itself holds none of it.
   */
  showDemoCredentials: boolean;
  /** PASSWORD_RESET_METHOD: with `code`, the reset form asks for the e-mail address and the code. */
  passwordResetMethod: 'link' | 'code';
  /** EMAIL_VERIFICATION: with `off`, no "verify your e-mail" banner. */
  emailVerification: EmailVerificationSetting;
  /** LOGIN_CODE: offer "Sign in with an e-mail code". */
  loginCode: boolean;
  /** PASSKEYS: offer "Sign in with a passkey" and the passkey list. */
  passkeys: boolean;
  /**
   * OIDC_ISSUER: the provider of "Sign in with <label>" and the linked accounts (its name in
   * `oauth.providers`, its label), or `null`.
   */
  oauthProvider: { name: string; label: string } | null;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** `html` with `search` replaced; throws when it is missing, so an edit of index.html cannot drop a part silently. */
function replaceOnce(html: string, search: string | RegExp, replacement: string): string {
  if (!(typeof search === 'string' ? html.includes(search) : search.test(html))) {
    throw new Error(`demo page: ${String(search)} not found in public/index.html`);
  }
  return html.replace(search, replacement);
}

function credentialsOf({ username, password, mfa }: DemoUser): string {
  const second =
    mfa === undefined ? '' : mfa.method === 'totp' ? ` (TOTP secret <code>${escapeHtml(mfa.secret)}</code>)` : ' (e-mail code)';
  return `<code>${escapeHtml(username)}</code> / <code>${escapeHtml(password)}</code>${second}`;
}

/**
 * The demo page's HTML. The account settings go to `<body>` as `data-` attributes, which the script
 * reads (no inline script: the CSP forbids it). With `showDemoCredentials`, the demo users of
 * `seed.ts` are listed under the login form, the form is pre-filled with the first one, and the MFA
 * step and the account forms link `/dev/outbox`.
 */
export function renderDemoPage(template: string, options: DemoPageOptions): string {
  const settings = {
    'data-password-reset': options.passwordResetMethod,
    'data-email-verification': options.emailVerification,
    'data-login-code': options.loginCode ? 'on' : 'off',
    'data-passkeys': options.passkeys ? 'on' : 'off',
    'data-oauth-provider': options.oauthProvider?.name ?? '',
    'data-oauth-label': options.oauthProvider?.label ?? '',
  };
  const attributes = Object.entries(settings)
    .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
    .join('');
  let html = replaceOnce(template, '<body>', `<body${attributes}>`);
  if (!options.showDemoCredentials) return html;
  const [first] = DEMO_USERS;
  html = replaceOnce(html, '<input id="username" ', `<input id="username" value="${escapeHtml(first.username)}" `);
  html = replaceOnce(html, '<input id="password" ', `<input id="password" value="${escapeHtml(first.password)}" `);
  html = replaceOnce(
    html,
    /<!-- demo-credentials:[^>]*-->/,
    `<p class="muted">Demo users (development only): ${DEMO_USERS.map(credentialsOf).join(', ')}.</p>`,
  );
  // One note per `demo-outbox` placeholder (the MFA step, the forgot-password and sign-in code forms).
  const note =
    '<p class="muted">Demo only: the e-mails the server "sent" are listed at\n' +
    '      <a href="/dev/outbox" target="_blank" rel="noopener">/dev/outbox</a> (outside production).</p>';
  return replaceOnce(html, /<!-- demo-outbox:[^>]*-->/, note).replace(/<!-- demo-outbox:[^>]*-->/g, note);
}

/** Scripts only from this origin, no framing, nothing else loaded. */
const CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The browser demo at `/`: plain HTML and a few lines of script (no build step) that log in, show
 * `/auth/me`, refresh on a 401 with a single-flight refresh, list sessions and log out; a login that
 * needs a second factor gets an MFA step (method, code, resend, "Trust this device"). The account
 * lifecycle: forgot / reset password (from the `?reset=` link, or with a code), e-mail verification
 * (banner, resend, `?verify=` links), change e-mail, delete account, sign-in by e-mail code, passkeys,
 * and sign-in with an OpenID Connect provider with the account's linked provider accounts. Outside
 * production it lists the demo users; in production it shows none (see {@link DemoPageOptions}).
 */
@ApiExcludeController()
@Public()
@Controller()
export class DemoPageController {
  private readonly html: string;

  constructor(@Inject(DEMO_PAGE_OPTIONS) options: DemoPageOptions) {
    this.html = renderDemoPage(PAGE, options);
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return this.html;
  }

  @Get('app.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return SCRIPT;
  }
}
