import { Inject, Injectable, Optional } from '@nestjs/common';
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AUTH_OPTIONS, AUTH_ROUTES } from '../auth.constants.js';
import { AuthService, type LoginOutcome } from '../auth.service.js';
import { unusablePasswordHash } from '../crypto/bounded-password-hasher.js';
import { randomToken } from '../crypto/secrets.js';
import { AuthException } from '../errors/auth.exception.js';
import { DuplicateUserError } from '../errors/store.errors.js';
import { AuthEvents } from '../events/auth-events.js';
import { tooMany } from '../mfa/mfa-problems.js';
import type { ResolvedAuthOptions, ResolvedAuthRoutes, ResolvedOAuthProvider } from '../options/resolved-auth-options.js';
import { LoginRateLimiter } from '../rate-limit/login-rate-limiter.js';
import type { SessionContext } from '../sessions/session.service.js';
import { IDENTITY_STORE, type IdentityStore, type StoredIdentity } from '../stores/identity.store.js';
import { MFA_CHALLENGE_STORE, type MfaChallengeStore } from '../stores/mfa-challenge.store.js';
import { RATE_LIMIT_STORE, type RateLimitStore } from '../stores/rate-limit.store.js';
import { USER_STORE, type AuthUser, type UserStore } from '../stores/user.store.js';
import { AuthTelemetry } from '../telemetry/auth-telemetry.js';
import { Traced } from '../telemetry/traced.decorator.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import { toClientContext, type ClientContext } from '../transport/client-address.js';
import type { CookieAttributes } from '../transport/cookies.js';
import { parseIdentifier } from '../users/identifiers.js';
import { PasswordChecks } from '../users/password-checks.js';
import { Reauthentication, type ReauthenticationProof } from '../users/reauthentication.js';
import { SignInMethods } from '../users/sign-in-methods.js';
import { isSessionLive } from '../sessions/session-liveness.js';
import { SESSION_STORE, type SessionStore } from '../stores/session.store.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { OAuthClient, type CallbackParameters } from './oauth-client.js';
import type { OAuthProfile } from './oauth-provider.js';
import { OAuthSeal } from './oauth-seal.js';

/** How long the one-time code of `POST /oauth/exchange` lives. */
const EXCHANGE_TTL_MS = 60_000;
/** The longest `returnTo` accepted. */
const RETURN_TO_MAX = 2048;
/** The id of an identity in a path: SHA-256 base64url (43 characters). */
const IDENTITY_ID = /^[A-Za-z0-9_-]{43}$/;

/** The state cookie to set (or clear) on the response. */
export interface OAuthCookie {
  name: string;
  value: string;
  attributes: CookieAttributes;
}

/** Where a sign-in at a provider starts: the provider's URL, and the state cookie that must go with it. */
export interface OAuthStart {
  url: string;
  cookie: OAuthCookie;
}

/**
 * What a callback ends in, before the redirect to `returnTo`: a session (cookie and dual mode write
 * it on the redirect), a one-time code the app exchanges for the login outcome (`POST
 * /oauth/exchange`: header mode, and any sign-in that needs a second step), or a new link of the
 * signed-in user.
 */
export type OAuthCallbackOutcome =
  | { kind: 'signed-in'; outcome: LoginOutcome & { grant: NonNullable<LoginOutcome['grant']> }; returnTo: string }
  | { kind: 'code'; code: string; binding: OAuthCookie; returnTo: string }
  | { kind: 'linked'; returnTo: string };

/** A linked provider account, as its owner sees it (`GET /identities`). */
export interface IdentityView {
  /** The module's id of the link (for `DELETE /identities/:id`). */
  id: string;
  /** The provider's name in `oauth.providers`. */
  provider: string;
  /** The provider's label. */
  label: string;
  /** The e-mail the provider gave at the last sign-in, if any. */
  email: string | null;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, or `null` before the first sign-in with it. */
  lastUsedAt: string | null;
}

/** What the state cookie carries between the start and the callback. */
interface StatePayload {
  provider: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /**
   * `login` (the browser gets a one-time code), `login:cookie` (cookie and dual mode: the session
   * is written on the callback), or `link:<userId>`.
   */
  intent: string;
  [key: string]: string;
}

/**
 * Sign-in with OpenID Connect and OAuth 2.0 providers, ending in the normal login outcome: the
 * start (a state cookie holding `state`, `nonce` and the PKCE verifier: signed, HttpOnly, host-only,
 * `__Host-` on https, one per provider, so any instance can finish the flow), the callback (single use of each
 * state, the code redeemed and the ID token checked by {@link OAuthClient}), the linking rules, the
 * ID tokens of native apps, and the signed-in user's linked accounts.
 *
 * Linking: a provider account already linked signs in its user. Else, with `linking:
 * 'verified-email'`, it links to the account with the same e-mail only when the provider verified
 * the address AND the account's address is verified here (an attacker who registered the victim's
 * address first, or a provider that lets anyone claim any address, gets nothing). An address the
 * provider did not verify is never looked up (nothing to enumerate). Else a new account is made,
 * without a password (`oauth.createUsers`).
 */
@Injectable()
export class OAuthService {
  private readonly seal: OAuthSeal;
  private readonly byName: ReadonlyMap<string, ResolvedOAuthProvider>;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(AUTH_ROUTES) private readonly routes: ResolvedAuthRoutes,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    @Inject(USER_STORE) private readonly users: UserStore,
    @Inject(IDENTITY_STORE) private readonly identities: IdentityStore,
    @Inject(MFA_CHALLENGE_STORE) private readonly marks: MfaChallengeStore,
    @Inject(SESSION_STORE) private readonly sessions: SessionStore,
    @Inject(RATE_LIMIT_STORE) private readonly counters: RateLimitStore,
    private readonly client: OAuthClient,
    private readonly auth: AuthService,
    private readonly limiter: LoginRateLimiter,
    private readonly passwords: PasswordChecks,
    private readonly reauthentication: Reauthentication,
    private readonly signInMethods: SignInMethods,
    private readonly events: AuthEvents,
    @Optional() readonly telemetry?: AuthTelemetry,
  ) {
    this.seal = new OAuthSeal(options.secretKeys);
    this.byName = new Map(options.oauth.providers.map((provider) => [provider.name, provider]));
  }

  /** The configured providers' names and labels (for "Sign in with …" buttons). */
  providerList(): { name: string; label: string }[] {
    return this.options.oauth.providers.map(({ name, label }) => ({ name, label }));
  }

  // ---------------------------------------------------------------- the browser flow

  /**
   * The start of a sign-in at `providerName` (404 `NOT_FOUND` for an unknown one; 400
   * `RETURN_TO_INVALID` for a `returnTo` outside the allow-list): the provider's URL and the state
   * cookie.
   */
  @Traced('gatekeeper.oauth.start')
  async start(providerName: string, returnTo: string | undefined, cookieMode: boolean): Promise<OAuthStart> {
    return this.begin(this.provider(providerName), this.checkedReturnTo(returnTo), cookieMode ? 'login:cookie' : 'login');
  }

  /**
   * The callback: the state cookie must match the `state` parameter (400 `OAUTH_STATE_INVALID`
   * otherwise, before anything else is done) and is used up; the code is redeemed; then the linking
   * rules. Failures are counted per client address (`rateLimit.address`).
   */
  @Traced('gatekeeper.oauth.callback')
  async callback(
    providerName: string,
    parameters: CallbackParameters,
    stateCookie: string | undefined,
    context: SessionContext,
    trustToken: string | undefined,
  ): Promise<OAuthCallbackOutcome> {
    const provider = this.provider(providerName);
    // State first (an HMAC, no store work): a request that is not the end of a flow started in this
    // browser counts nowhere, so no page can spend a victim's failure budget with junk callbacks.
    const state = this.openState(provider, parameters.state, stateCookie);
    const release = await this.countFailure(context);
    if (!(await this.marks.finishPending(`oauth:state:${state.state}`, state.expiresAt))) throw new AuthException('OAUTH_STATE_INVALID');
    const profile = await this.client.redeem(provider, this.redirectUri(provider), parameters, state);
    if (state.intent.startsWith('link:')) {
      const [userId = '', sessionId = ''] = state.intent.slice('link:'.length).split(':');
      await this.link(provider, profile, userId, sessionId, context);
      await release();
      return { kind: 'linked', returnTo: state.returnTo };
    }
    const user = await this.userFor(provider, profile, context);
    await release();
    if (state.intent === 'login:cookie') {
      const outcome = await this.auth.signInAfterFirstFactor(user, methodOf(provider), context, { trustToken });
      if (outcome.grant !== undefined) return { kind: 'signed-in', outcome, returnTo: state.returnTo };
      // The second step: the pending login goes through the exchange (one MFA token, one place).
    }
    return { kind: 'code', ...this.exchangeCode(user, provider), returnTo: state.returnTo };
  }

  /**
   * The login outcome of a finished provider sign-in for its one-time code (60 s, single use): the
   * token response, or the second step, exactly as `POST /login` answers. 400 `OAUTH_STATE_INVALID`
   * for an unknown, expired or used code.
   */
  @Traced('gatekeeper.oauth.exchange')
  async exchange(
    code: string,
    binding: string | undefined,
    context: SessionContext,
    input: { expiresInMins?: number; trustToken?: string },
  ): Promise<LoginOutcome> {
    const release = await this.countFailure(context);
    const opened = this.seal.open('exchange', code, this.clock.now());
    if (
      opened === null ||
      typeof opened.u !== 'string' ||
      typeof opened.p !== 'string' ||
      typeof opened.n !== 'string' ||
      typeof opened.b !== 'string' ||
      // Only the browser the callback answered holds the binding cookie: a code planted in another
      // browser (login CSRF) or read from a URL elsewhere signs in nobody.
      binding === undefined ||
      !sameText(hash('sha256', binding, 'base64url'), opened.b)
    ) {
      throw new AuthException('OAUTH_STATE_INVALID');
    }
    const provider = this.byName.get(opened.p);
    if (provider === undefined || !(await this.marks.finishPending(`oauth:exchange:${opened.n}`, opened.expiresAt))) {
      throw new AuthException('OAUTH_STATE_INVALID');
    }
    const user = await this.users.findById(opened.u);
    if (user === null || user.disabled) throw new AuthException('INVALID_CREDENTIALS');
    await release();
    return this.auth.signInAfterFirstFactor(user, methodOf(provider), context, input);
  }

  /**
   * Sign-in with an ID token a native app got from the provider with `nonce` (see
   * {@link OAuthClient.verifyIdToken}); each ID token signs in once. The linking rules and the
   * login outcome are those of the browser flow.
   */
  @Traced('gatekeeper.oauth.id_token')
  async signInWithIdToken(
    providerName: string,
    input: { idToken: string; nonce: string; expiresInMins?: number; trustToken?: string },
    context: SessionContext,
  ): Promise<LoginOutcome> {
    const provider = this.provider(providerName);
    const release = await this.countFailure(context);
    const { profile, once, usableUntil } = await this.client.verifyIdToken(provider, input.idToken, input.nonce);
    // Keyed on the token's own claims (never on what the client sends): one sign-in per ID token.
    if (!(await this.marks.finishPending(`oauth:id-token:${once}`, Math.max(usableUntil, this.clock.now() + 1000)))) {
      throw new AuthException('OAUTH_FAILED', { detail: 'This ID token was used already: sign in at the provider again.' });
    }
    const user = await this.userFor(provider, profile, context);
    await release();
    return this.auth.signInAfterFirstFactor(user, methodOf(provider), context, input);
  }

  // ---------------------------------------------------------------- the signed-in user's identities

  /** The caller's linked provider accounts, oldest first. */
  async list(principal: AuthPrincipal): Promise<IdentityView[]> {
    return (await this.identities.listByUser(principal.id)).map((identity) => this.view(identity));
  }

  /**
   * Starts linking a provider account to the caller, after a fresh proof (the password, or an
   * authenticator-app code): the provider's URL to send the browser to, and the state cookie. The
   * callback then links the account it returns (409 `IDENTITY_IN_USE` when it is another user's).
   */
  @Traced('gatekeeper.oauth.link_start')
  async startLink(
    principal: AuthPrincipal,
    providerName: string,
    proof: ReauthenticationProof,
    returnTo: string | undefined,
    client: ClientContext,
  ): Promise<OAuthStart> {
    const provider = this.provider(providerName);
    const target = this.checkedReturnTo(returnTo);
    const user = await this.reauthentication.prove(principal, proof, client, 'identity-link');
    return this.begin(provider, target, `link:${user.id}:${principal.sessionId}`);
  }

  /**
   * Unlinks one of the caller's provider accounts (404 for another user's). 409
   * `LAST_SIGN_IN_METHOD` when the account would be left with no way to sign in: no password, no
   * other provider account, no passkey. Checked again after the deletion (concurrent unlinks): an
   * unlink that left nothing is undone.
   */
  @Traced('gatekeeper.oauth.unlink')
  async unlink(principal: AuthPrincipal, id: string, client: ClientContext): Promise<void> {
    if (!IDENTITY_ID.test(id)) throw new AuthException('NOT_FOUND', { detail: 'No such identity.' });
    const mine = await this.identities.listByUser(principal.id);
    const identity = mine.find((entry) => identityId(entry) === id);
    if (identity === undefined) throw new AuthException('NOT_FOUND', { detail: 'No such identity.' });
    if (!(await this.signInMethods.keepsOneAfter(principal.id, { identities: 1 }))) throw new AuthException('LAST_SIGN_IN_METHOD');
    if (!(await this.identities.unlink(principal.id, identity.provider, identity.subject))) {
      throw new AuthException('NOT_FOUND', { detail: 'No such identity.' });
    }
    if (!(await this.signInMethods.keepsOneAfter(principal.id, {}))) {
      await this.identities.link(identity);
      throw new AuthException('LAST_SIGN_IN_METHOD');
    }
    this.events.emit('identity.unlinked', {
      userId: principal.id,
      sessionId: principal.sessionId,
      provider: identity.provider,
      context: client,
    });
  }

  // ---------------------------------------------------------------- helpers

  /** A provider by name, or 404 (an unknown name looks like an unknown route). */
  private provider(name: string): ResolvedOAuthProvider {
    const provider = this.byName.get(name);
    if (provider === undefined) throw new AuthException('NOT_FOUND', { detail: 'No such sign-in provider.' });
    return provider;
  }

  private async begin(provider: ResolvedOAuthProvider, returnTo: string, intent: string): Promise<OAuthStart> {
    const redirectUri = this.redirectUri(provider);
    const request = await this.client.authorizationRequest(provider, redirectUri);
    const expiresAt = this.clock.now() + this.options.oauth.stateTtlMs;
    const payload: StatePayload = {
      provider: provider.name,
      state: request.state,
      nonce: request.nonce,
      codeVerifier: request.codeVerifier,
      returnTo,
      intent,
    };
    return { url: request.url, cookie: this.stateCookie(provider, this.seal.seal('state', payload, expiresAt)) };
  }

  /** The state cookie of `provider` (`value` `''`: the one that deletes it). */
  stateCookie(provider: ResolvedOAuthProvider | string, value = ''): OAuthCookie {
    const resolved = typeof provider === 'string' ? this.provider(provider) : provider;
    const crossSite = resolved.type === 'oidc' && resolved.responseMode === 'form_post' && this.secure;
    // A form_post callback is a cross-site POST: a Lax cookie would not come with it.
    return this.cookie(`gk_oauth_${resolved.name}`, value, crossSite ? 'none' : 'lax', this.options.oauth.stateTtlMs);
  }

  /** The cookie that binds a one-time exchange code to the browser the callback answered (`''`: deletes it). */
  bindingCookie(value = ''): OAuthCookie {
    return this.cookie('gk_oauth_exchange', value, 'lax', EXCHANGE_TTL_MS);
  }

  /**
   * A flow cookie: HttpOnly, host-only, `Path=/`, `__Host-` on https (a sibling subdomain cannot
   * plant one: no `Domain` is accepted with the prefix), living `ttlMs` (0 with an empty value).
   */
  private cookie(name: string, value: string, sameSite: 'lax' | 'none', ttlMs: number): OAuthCookie {
    return {
      name: `${this.secure ? '__Host-' : ''}${name}`,
      value,
      attributes: {
        httpOnly: true,
        secure: this.secure,
        sameSite,
        path: '/',
        domain: undefined,
        maxAge: value === '' ? 0 : Math.floor(ttlMs / 1000),
      },
    };
  }

  /** Whether the app is served over https (`oauth.baseUrl`): the flow cookies are then `Secure` and `__Host-`. */
  private get secure(): boolean {
    return this.options.oauth.baseUrl.startsWith('https:');
  }

  /** The state cookie's payload when it was made by us for this provider and its `state` is the parameter's. */
  private openState(
    provider: ResolvedOAuthProvider,
    state: string | undefined,
    cookie: string | undefined,
  ): StatePayload & { expiresAt: number } {
    const opened = this.seal.open('state', cookie, this.clock.now());
    const fields = ['provider', 'state', 'nonce', 'codeVerifier', 'returnTo', 'intent'] as const;
    if (opened === null || fields.some((field) => typeof opened[field] !== 'string') || opened.provider !== provider.name) {
      throw new AuthException('OAUTH_STATE_INVALID');
    }
    const payload = opened as unknown as StatePayload & { expiresAt: number };
    if (typeof state !== 'string' || !sameText(state, payload.state)) throw new AuthException('OAUTH_STATE_INVALID');
    return payload;
  }

  /** The callback URL registered at the provider. */
  private redirectUri(provider: ResolvedOAuthProvider): string {
    const path = this.routes.paths.oauthCallback ?? 'oauth/:provider/callback';
    const parts = [this.routes.prefix, path.replace(':provider', provider.name)].filter((part) => part !== '');
    return `${this.options.oauth.baseUrl}/${parts.join('/')}`;
  }

  /**
   * `returnTo` as an absolute URL (without fragment) when it is a path of this site or a URL on an
   * allowed origin; the default when not given; 400 `RETURN_TO_INVALID` otherwise (no open redirect:
   * `//evil.example`, `/\evil.example`, other schemes, credentials and control characters are refused).
   */
  private checkedReturnTo(value: string | undefined): string {
    const raw = value ?? this.options.oauth.defaultReturnTo;

    if (typeof raw !== 'string' || raw.length === 0 || raw.length > RETURN_TO_MAX || /[\u0000-\u0020\u007f\\]/.test(raw)) {
      throw new AuthException('RETURN_TO_INVALID');
    }
    const base = new URL(this.options.oauth.baseUrl);
    let url: URL;
    try {
      url = raw.startsWith('/') && !raw.startsWith('//') ? new URL(raw, base.origin) : new URL(raw);
    } catch {
      throw new AuthException('RETURN_TO_INVALID');
    }
    if (
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      !this.options.oauth.returnToOrigins.includes(url.origin) ||
      url.username !== '' ||
      url.password !== ''
    ) {
      throw new AuthException('RETURN_TO_INVALID');
    }
    url.hash = '';
    // Bounded as it will be stored (percent-encoding can make it grow): the state cookie must fit.
    if (url.href.length > RETURN_TO_MAX) throw new AuthException('RETURN_TO_INVALID');
    return url.href;
  }

  /** The account a provider account signs in to, after the linking rules (see the class). */
  private async userFor(provider: ResolvedOAuthProvider, profile: OAuthProfile, context: SessionContext): Promise<AuthUser> {
    const now = this.clock.now();
    const linked = await this.identities.find(provider.name, profile.subject);
    const owner = linked === null ? null : await this.users.findById(linked.userId);
    if (linked !== null && owner === null) {
      // A link left behind by an account deleted meanwhile (a race with the deletion): forgotten.
      await this.identities.unlink(linked.userId, provider.name, profile.subject);
    } else if (owner !== null) {
      if (owner.disabled) {
        this.events.emit('login.failed', { userId: owner.id, reason: 'disabled', context });
        throw new AuthException('INVALID_CREDENTIALS');
      }
      await this.identities.recordUse(provider.name, profile.subject, profile.email, profile.emailVerified, now);
      return owner;
    }
    const email = profile.emailVerified ? verifiedEmail(profile.email) : null;
    if (email === null) {
      this.events.emit('login.failed', { userId: null, reason: 'oauth_email_unverified', context });
      throw new AuthException('OAUTH_EMAIL_UNVERIFIED');
    }
    const existing = await this.users.findByEmail(email);
    if (existing !== null) {
      if (this.options.oauth.linking !== 'verified-email' || existing.emailVerified !== true || existing.disabled) {
        this.events.emit('login.failed', { userId: existing.id, reason: 'oauth_email_in_use', context });
        throw new AuthException('OAUTH_EMAIL_IN_USE');
      }
      return this.linkOrWinner(provider, profile, existing, 'verified_email', context);
    }
    if (!this.options.oauth.createUsers) throw new AuthException('OAUTH_SIGN_UP_CLOSED');
    await this.limiter.reserveRegistration(context.ip);
    const user = await this.createUser(provider, email);
    if (user === null) {
      // A concurrent first sign-in of the same provider account made the account first: its user.
      const winner = await this.identities.find(provider.name, profile.subject);
      const owner = winner === null ? null : await this.users.findById(winner.userId);
      if (owner !== null && !owner.disabled) return owner;
      throw new AuthException('OAUTH_EMAIL_IN_USE');
    }
    this.events.emit('user.registered', { userId: user.id, context });
    return this.linkOrWinner(provider, profile, user, 'sign_in', context);
  }

  /** Links the provider account to `user`; when a concurrent sign-in linked it first, its user. */
  private async linkOrWinner(
    provider: ResolvedOAuthProvider,
    profile: OAuthProfile,
    user: AuthUser,
    reason: string,
    context: SessionContext,
  ): Promise<AuthUser> {
    const now = this.clock.now();
    const result = await this.identities.link({
      provider: provider.name,
      subject: profile.subject,
      userId: user.id,
      email: profile.email,
      emailVerified: profile.emailVerified,
      createdAt: now,
      lastUsedAt: now,
    });
    if (result === 'linked') {
      this.events.emit('identity.linked', { userId: user.id, provider: provider.name, reason, context });
      return user;
    }
    const winner = await this.identities.find(provider.name, profile.subject);
    const owner = winner === null ? null : await this.users.findById(winner.userId);
    if (owner === null || owner.disabled) throw new AuthException('OAUTH_FAILED');
    if (reason === 'sign_in' && owner.id !== user.id) await this.users.delete?.(user.id);
    return owner;
  }

  /** Links a provider account to the user who asked for it (the link intent of a callback). */
  private async link(
    provider: ResolvedOAuthProvider,
    profile: OAuthProfile,
    userId: string,
    sessionId: string,
    context: SessionContext,
  ): Promise<void> {
    // The session that asked must still be alive (not logged out, revoked or expired since).
    const [user, session] = await Promise.all([this.users.findById(userId), this.sessions.findById(sessionId)]);
    if (user === null || user.disabled || !isSessionLive(session, this.clock.now(), userId)) throw new AuthException('OAUTH_STATE_INVALID');
    const now = this.clock.now();
    const result = await this.identities.link({
      provider: provider.name,
      subject: profile.subject,
      userId,
      email: profile.email,
      emailVerified: profile.emailVerified,
      createdAt: now,
      lastUsedAt: null,
    });
    if (result === 'taken') {
      const owner = await this.identities.find(provider.name, profile.subject);
      if (owner?.userId === userId) return;
      throw new AuthException('IDENTITY_IN_USE');
    }
    this.events.emit('identity.linked', { userId, provider: provider.name, reason: 'user', context });
  }

  /** A new account for a provider's verified address: no password, the address verified; `null` when it is taken. */
  private async createUser(provider: ResolvedOAuthProvider, email: string): Promise<AuthUser | null> {
    const permit = this.passwords.reserve();
    let passwordHash: string;
    try {
      passwordHash = unusablePasswordHash(await this.passwords.hasher.hash(randomToken(32), permit));
    } finally {
      permit.release();
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await this.users.create({
          username: `${provider.name.slice(0, 16)}-${randomBytes(6).toString('hex')}`,
          email,
          passwordHash,
          roles: [...this.options.defaultRoles],
          emailVerified: true,
        });
      } catch (error) {
        if (!(error instanceof DuplicateUserError)) throw error;
        if ((await this.users.findByEmail(email)) !== null) return null;
      }
    }
    return null;
  }

  /**
   * A one-time code for `POST /oauth/exchange`, and the cookie that binds it to this browser (the
   * code carries the SHA-256 of the cookie's random value).
   */
  private exchangeCode(user: AuthUser, provider: ResolvedOAuthProvider): { code: string; binding: OAuthCookie } {
    const binding = randomToken(32);
    const code = this.seal.seal(
      'exchange',
      { u: user.id, p: provider.name, n: randomToken(16), b: hash('sha256', binding, 'base64url') },
      this.clock.now() + EXCHANGE_TTL_MS,
    );
    return { code, binding: this.bindingCookie(binding) };
  }

  /** Counts a failure at the client address (429 beyond `rateLimit.address`); resolves the function that gives the place back. */
  private async countFailure(client: ClientContext): Promise<() => Promise<void>> {
    const ip = toClientContext(client).ip;
    if (ip === undefined || !this.options.rateLimit.enabled) return () => Promise.resolve();
    const { max, windowMs } = this.options.rateLimit.address;
    const key = `oauth:fail:${ip}`;
    const now = this.clock.now();
    const state = await this.counters.increment(key, windowMs, now);
    if (state.count > max) throw tooMany(state.resetAt - now);
    return async () => {
      await this.counters.decrement(key, this.clock.now(), state.resetAt);
    };
  }

  private view(identity: StoredIdentity): IdentityView {
    return {
      id: identityId(identity),
      provider: identity.provider,
      label: this.byName.get(identity.provider)?.label ?? identity.provider,
      email: identity.email,
      createdAt: new Date(identity.createdAt).toISOString(),
      lastUsedAt: identity.lastUsedAt === null ? null : new Date(identity.lastUsedAt).toISOString(),
    };
  }
}

/** The login method of a provider in events. */
function methodOf(provider: ResolvedOAuthProvider): string {
  return `oauth:${provider.name}`;
}

/** The public id of a link: SHA-256 of provider and subject (the subject itself never appears in a path). */
function identityId(identity: Pick<StoredIdentity, 'provider' | 'subject'>): string {
  return hash('sha256', `${identity.provider}\n${identity.subject}`, 'base64url');
}

/** A provider's verified address, normalised as the module stores addresses; `null` when it is not a valid one. */
function verifiedEmail(email: string | null): string | null {
  if (email === null) return null;
  try {
    const normalised = parseIdentifier(email, 'email', 'email');
    // Only an address that normalisation leaves as the provider verified it (lower-casing aside):
    // one that NFKC or trimming changes names another mailbox than the one that was verified.
    return normalised === email.toLowerCase() ? normalised : null;
  } catch {
    return null;
  }
}

/** Constant-time comparison of two short strings. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
