import { Inject, Injectable, Optional } from '@nestjs/common';
import { legacySchemeOf } from './crypto/legacy-hashes.js';
import { AuthTelemetry } from './telemetry/auth-telemetry.js';
import { Traced } from './telemetry/traced.decorator.js';
import { AUTH_OPTIONS } from './auth.constants.js';
import type { HashPermit } from './crypto/bounded-password-hasher.js';
import { constantTimeEqual, sha256 } from './crypto/secrets.js';
import { AuthException } from './errors/auth.exception.js';
import { DuplicateUserError } from './errors/store.errors.js';
import type { ResolvedAuthOptions } from './options/resolved-auth-options.js';
import { MfaEnrolmentService } from './mfa/mfa-enrolment.service.js';
import { MfaService, type MfaVerifyMethod, type PendingMfaBody } from './mfa/mfa.service.js';
import { TrustedDeviceService, type TrustedDeviceView } from './mfa/trusted-device.service.js';
import { LoginRateLimiter } from './rate-limit/login-rate-limiter.js';
import { requestedAccessTtl } from './sessions/access-ttl.js';
import { SessionService, type SessionContext, type SessionView } from './sessions/session.service.js';
import { USER_STORE, type AuthUser, type JsonValue, type MfaMethod, type UserStore } from './stores/user.store.js';
import type { AuthPrincipal } from './tokens/access-token.claims.js';
import type { TokenGrant } from './transport/token-transport.js';
import { parseIdentifier } from './users/identifiers.js';
import { toPublicUser, type PublicUser } from './users/public-user.js';
import { PasswordChecks } from './users/password-checks.js';
import { AccountService } from './account/account.service.js';
import { AuthEvents } from './events/auth-events.js';
import { toClientContext, type ClientContext } from './transport/client-address.js';

/** Login input: one identifier and the password. */
export interface LoginInput {
  /** A username or an e-mail address. */
  identifier: string;
  /**
   * How to look the identifier up: `'email'` by e-mail only; `'username'` (default) by username, or by
   * e-mail when the value contains `@` (a "username or e-mail" field).
   */
  identifierType?: 'username' | 'email';
  password: string;
  /** Requested access-token lifetime in minutes, at most `jwt.maxAccessTokenTtl`. */
  expiresInMins?: number;
  /** A trusted-device token (body or cookie): a valid one of the same user skips the second factor. */
  trustToken?: string;
}

/** What a login ends with: tokens, or a pending second factor (no token issued). */
export type LoginOutcome = { grant: TokenGrant; pending?: undefined } | { grant?: undefined; pending: PendingMfaBody };

/** `POST /mfa/verify` input. */
export interface VerifyMfaInput {
  mfaToken: string;
  method: MfaVerifyMethod;
  code: string;
  /** Remember this device: the result carries a trust token. */
  trustDevice?: boolean;
}

/** A completed MFA login: the grant, and the trust token when one was asked for. */
export interface MfaLoginResult {
  grant: TokenGrant;
  trust?: { token: string; maxAgeSeconds: number };
}

/** Registration input. */
export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  profile?: Record<string, JsonValue>;
  /**
   * The client's `Idempotency-Key`: a retry of the same sign-up (same key, username, e-mail and
   * password) whose first attempt committed resolves the account it created instead of `CONFLICT`.
   */
  idempotencyKey?: string;
}

/**
 * The profile field that keeps a digest of the sign-up's idempotency key (never shown: the public
 * view drops `…Hash` fields). A user store that keeps no free-form profile fields simply answers a
 * retried sign-up with `CONFLICT`, as without a key.
 */
const IDEMPOTENCY_FIELD = 'registrationKeyHash';

/**
 * The use cases: register, log in, refresh, read the profile, log out, manage sessions and change
 * the password. Controllers are thin adapters around this service; inject it to build your own.
 *
 * The use cases that take an {@link AuthPrincipal} trust it as given: that its session is still live
 * is the route's policy, declared with `@LiveSession()` (as the module's own controllers do) and
 * enforced by `AccessTokenGuard` before the handler runs.
 */
@Injectable()
export class AuthService {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly passwords: PasswordChecks,
    private readonly account: AccountService,
    private readonly sessions: SessionService,
    private readonly limiter: LoginRateLimiter,
    private readonly mfa: MfaService,
    private readonly mfaEnrolment: MfaEnrolmentService,
    private readonly trustedDevices: TrustedDeviceService,
    private readonly events: AuthEvents,
    /** The module's OpenTelemetry (spans of the use cases below); optional for subclasses written before it. */
    @Optional() readonly telemetry?: AuthTelemetry,
  ) {}

  /**
   * Creates an account. The username and e-mail are normalised, then validated (see
   * `parseIdentifier`): `VALIDATION_FAILED` for a bad one. Sign-ups are limited per client address
   * (`registration.rateLimit`, reserved before hashing: 429 beyond it). A taken username or e-mail is
   * `CONFLICT`, or — with `registration.revealConflicts: false` — resolves `null` after the same
   * work, exactly as a fresh registration resolves its user, so that the caller can answer both alike.
   */
  @Traced('gatekeeper.register')
  async register(input: RegisterInput, context: SessionContext = {}): Promise<PublicUser | null> {
    const username = parseIdentifier(input.username, 'username', 'username');
    const email = parseIdentifier(input.email, 'email', 'email');
    this.passwords.assertPolicy(input.password, 'password');
    let permit = this.passwords.reserve();
    let passwordHash: string;
    try {
      await this.limiter.reserveRegistration(context.ip);
      permit = await this.passwords.assertNotBreached(input.password, 'password', null, context, permit);
      passwordHash = await this.passwords.hasher.hash(input.password, permit);
    } finally {
      permit.release();
    }
    const keyHash = input.idempotencyKey === undefined ? undefined : sha256(`${input.idempotencyKey}\n${username}\n${email}`);
    const profile = keyHash === undefined ? input.profile : { ...input.profile, [IDEMPOTENCY_FIELD]: keyHash };
    try {
      const user = await this.users.create({
        username,
        email,
        passwordHash,
        roles: [...this.options.defaultRoles],
        ...(profile ? { profile } : {}),
      });
      await this.account.sendVerification(user, context.ip);
      this.events.emit('user.registered', { userId: user.id, context });
      return toPublicUser(user);
    } catch (error) {
      if (!(error instanceof DuplicateUserError)) throw error;
      const replayed = keyHash === undefined ? null : await this.replayedRegistration(username, email, input.password, keyHash);
      if (replayed !== null) return replayed;
      if (this.options.registration.revealConflicts) throw new AuthException('CONFLICT');
      await this.account.sendNoVerification();
      return null;
    }
  }

  /**
   * The account a retried sign-up created, when the retry carries the same idempotency key, username
   * and e-mail (their digest is on the account) and the same password (verified); else `null`.
   */
  private async replayedRegistration(username: string, email: string, password: string, keyHash: string): Promise<PublicUser | null> {
    const existing = await this.users.findByUsername(username);
    const stored = existing?.profile?.[IDEMPOTENCY_FIELD];
    if (!existing || existing.email !== email || typeof stored !== 'string' || !constantTimeEqual(stored, keyHash)) return null;
    return (await this.passwords.hasher.verify(existing.passwordHash, password)) ? toPublicUser(existing) : null;
  }

  /**
   * Checks the password, then either starts a session or, for a user with a second factor (and no
   * valid trust token), returns a pending MFA step with an `mfaToken` and issues no token. Unknown
   * users and wrong passwords get the same `INVALID_CREDENTIALS` after the same work (a dummy hash
   * verification); locked accounts and addresses get 429 whatever the password. The identifier is
   * normalised, then validated (`VALIDATION_FAILED` before any look-up; see `parseIdentifier`). When
   * `passwordHashing` is saturated, 503 `AUTH_BUSY` before the account is looked up.
   */
  @Traced('gatekeeper.login')
  async login(input: LoginInput, context: SessionContext): Promise<LoginOutcome> {
    const permit = this.passwords.reserve();
    try {
      return await this.loginWith(input, context, permit);
    } finally {
      permit.release();
    }
  }

  private async loginWith(input: LoginInput, context: SessionContext, permit: HashPermit): Promise<LoginOutcome> {
    const accessTtl = this.accessTtl(input.expiresInMins);
    const identifier = parseIdentifier(input.identifier, input.identifierType ?? 'username', 'login');
    this.passwords.assertLength(input.password);
    const user =
      input.identifierType === 'email' || identifier.includes('@')
        ? await this.users.findByEmail(identifier)
        : await this.users.findByUsername(identifier);
    // The trust token is checked at most once, with the same store work for an unknown account.
    let trusted: Promise<boolean> | undefined;
    const isTrusted = (): Promise<boolean> => (trusted ??= this.trustedDevices.isTrusted(user, input.trustToken));
    const ticket = await this.limiter
      .begin({ identifier, userId: user?.id, address: context.ip, provesAccount: isTrusted })
      .catch((error: unknown) => this.locked(error, user?.id ?? null, context));
    // An unchecked refusal (a lock the client must not see) does the same work as a wrong password.
    const valid =
      user && ticket.check
        ? await this.passwords.hasher.verify(user.passwordHash, input.password, permit)
        : await this.passwords.hasher.verify(await this.passwords.getDummyHash(permit), input.password, permit).then(() => false);
    if (!user || !valid || user.disabled) {
      await this.limiter.settle(ticket, false);
      const reason = !user ? 'unknown_account' : !ticket.check ? 'locked' : !valid ? 'invalid_credentials' : 'disabled';
      this.events.emit('login.failed', { userId: user?.id ?? null, reason, context });
      throw new AuthException('INVALID_CREDENTIALS');
    }
    await this.limiter.settle(ticket, true);
    // Told only to whoever knows the password (EMAIL_NOT_VERIFIED reveals nothing to a guesser).
    if (this.options.account.emailVerification.required && user.emailVerified !== true) {
      this.events.emit('login.failed', { userId: user.id, reason: 'email_not_verified', context });
      throw new AuthException('EMAIL_NOT_VERIFIED');
    }
    const checkedHash = await this.rehashIfNeeded(user, input.password, permit, context);
    // Hashing is over: the place goes to the next sign-in while codes are sent and the session starts.
    permit.release();
    const outcome = await this.afterFirstFactor(user, context, accessTtl, isTrusted);
    if (outcome.grant !== undefined) {
      await this.assertPasswordUnchanged(user.id, checkedHash, outcome.grant.tokens.sessionId);
      this.events.emit('login.succeeded', { userId: user.id, sessionId: outcome.grant.tokens.sessionId, method: 'password', context });
    } else this.events.emit('mfa.required', { userId: user.id, context });
    return outcome;
  }

  /**
   * A password reset or change that landed between this login's password check and its new session
   * revoked every session but this one, which did not exist yet: the hash is read again once the
   * session exists, and a changed one revokes it (`INVALID_CREDENTIALS`, as for the old password).
   */
  private async assertPasswordUnchanged(userId: string, checkedHash: string, sessionId: string): Promise<void> {
    const current = await this.users.findById(userId);
    if (current !== null && current.passwordHash === checkedHash) return;
    await this.sessions.revoke(sessionId);
    throw new AuthException('INVALID_CREDENTIALS');
  }

  /**
   * Sign-in by e-mail code (`loginCode.enabled`): checks the code sent by
   * {@link AccountService.sendLoginCode} (guess-limited; a wrong, expired or unknown one is
   * `INVALID_CREDENTIALS`), then answers like a password login: tokens, or the second step for a user
   * with a second factor other than e-mail codes (the code already proved the mailbox).
   */
  @Traced('gatekeeper.login_code')
  async loginWithCode(
    input: { email: string; code: string; expiresInMins?: number; trustToken?: string },
    context: SessionContext,
  ): Promise<LoginOutcome> {
    const accessTtl = this.accessTtl(input.expiresInMins);
    const user = await this.account.verifyLoginCode(input.email, input.code, context.ip);
    const challenge = await this.mfa.challengeFor(user);
    if (challenge !== null && !(await this.trustedDevices.isTrusted(user, input.trustToken))) {
      // The code proved the mailbox: an e-mail code would prove it again, so it is no second factor here.
      const primary = (await this.mfa.usableMethods(user)).filter((method) => method !== 'email');
      const defaultMethod = primary[0];
      if (defaultMethod !== undefined) {
        const methods = challenge.methods.filter((method) => method !== 'email');
        const pending = await this.mfa.beginPending(user, { methods, defaultMethod }, context, accessTtl, ['email']);
        this.events.emit('mfa.required', { userId: user.id, context });
        return { pending };
      }
      if (this.options.mfa.required) throw new AuthException('MFA_ENROLLMENT_REQUIRED');
    }
    const tokens = await this.sessions.start(user, context, accessTtl);
    this.events.emit('login.succeeded', { userId: user.id, sessionId: tokens.sessionId, method: 'login_code', context });
    return { grant: { tokens, user: toPublicUser(user), message: this.options.responses.messages.login } };
  }

  /**
   * Ends a sign-in whose first factor was proven elsewhere (a provider account, see `OAuthService`)
   * like a password login: `EMAIL_NOT_VERIFIED` when verification is required, then the second
   * step for a user with a second factor (and no trusted device), else a session. `method` names
   * the first factor in the events (e.g. `oauth:google`).
   */
  async signInAfterFirstFactor(
    user: AuthUser,
    method: string,
    context: SessionContext,
    input: { expiresInMins?: number; accessTtlSeconds?: number; trustToken?: string },
  ): Promise<LoginOutcome> {
    const accessTtl = input.accessTtlSeconds ?? this.accessTtl(input.expiresInMins);
    if (user.disabled) throw new AuthException('INVALID_CREDENTIALS');
    if (this.options.account.emailVerification.required && user.emailVerified !== true) {
      this.events.emit('login.failed', { userId: user.id, reason: 'email_not_verified', context });
      throw new AuthException('EMAIL_NOT_VERIFIED');
    }
    const outcome = await this.afterFirstFactor(user, context, accessTtl, () => this.trustedDevices.isTrusted(user, input.trustToken));
    if (outcome.grant !== undefined) {
      this.events.emit('login.succeeded', { userId: user.id, sessionId: outcome.grant.tokens.sessionId, method, context });
    } else this.events.emit('mfa.required', { userId: user.id, context });
    return outcome;
  }

  /** After a first factor: the second step when the user has one (and no trusted device), else a session. */
  private async afterFirstFactor(
    user: AuthUser,
    context: SessionContext,
    accessTtl: number | undefined,
    isTrusted: () => Promise<boolean>,
  ): Promise<LoginOutcome> {
    const challenge = await this.mfa.challengeFor(user);
    if (challenge !== null && !(await isTrusted())) {
      return { pending: await this.mfa.beginPending(user, challenge, context, accessTtl) };
    }
    const tokens = await this.sessions.start(user, context, accessTtl);
    return { grant: { tokens, user: toPublicUser(user), message: this.options.responses.messages.login } };
  }

  /**
   * Completes a pending login with its second factor (see {@link MfaService.verify}) and starts the
   * session; with `trustDevice`, also remembers the device.
   */
  @Traced('gatekeeper.mfa.verify')
  async verifyMfa(input: VerifyMfaInput, context: SessionContext): Promise<MfaLoginResult> {
    const { user, accessTtlSeconds } = await this.mfa.verify(input.mfaToken, input.method, input.code, context);
    const tokens = await this.sessions.start(user, context, accessTtlSeconds);
    this.events.emit('login.succeeded', { userId: user.id, sessionId: tokens.sessionId, method: input.method, context });
    const grant: TokenGrant = { tokens, user: toPublicUser(user), message: this.options.responses.messages.login };
    if (input.trustDevice !== true) return { grant };
    const trust = await this.trustedDevices.trust(user.id, context.userAgent);
    this.events.emit('trusted_device.added', { userId: user.id, sessionId: tokens.sessionId, context });
    return { grant, trust };
  }

  /** Starts a TOTP setup for the caller. */
  @Traced('gatekeeper.mfa.setup')
  async setupTotp(principal: AuthPrincipal): Promise<{ secret: string; otpauthUrl: string }> {
    return this.mfaEnrolment.setupTotp(await this.requireUser(principal.id));
  }

  /** Confirms the caller's TOTP setup; returns the new recovery codes. `client`: the request's {@link ClientContext} (or its address). */
  @Traced('gatekeeper.mfa.enable')
  async enableTotp(principal: AuthPrincipal, code: string, client?: ClientContext | string): Promise<{ recoveryCodes: string[] }> {
    const context = toClientContext(client);
    const result = await this.mfaEnrolment.enableTotp(await this.requireUser(principal.id), code, context.ip);
    this.events.emit('mfa.enabled', { userId: principal.id, sessionId: principal.sessionId, method: 'totp', context });
    return result;
  }

  /**
   * Turns one of the caller's second factors off after checking the password (rate-limited like
   * login); revokes every trusted device.
   */
  @Traced('gatekeeper.mfa.disable')
  async disableMfa(principal: AuthPrincipal, method: MfaMethod, password: string, client?: ClientContext | string): Promise<void> {
    const context = toClientContext(client);
    this.passwords.assertLength(password);
    const permit = this.passwords.reserve();
    try {
      const user = await this.requireUser(principal.id);
      await this.passwords.checkPassword(user, password, context.ip, permit, 'The current password is wrong.');
      await this.mfaEnrolment.disable(user, method);
    } finally {
      permit.release();
    }
    this.events.emit('mfa.disabled', { userId: principal.id, sessionId: principal.sessionId, method, context });
  }

  /** The caller's trusted devices. */
  async listTrustedDevices(principal: AuthPrincipal): Promise<TrustedDeviceView[]> {
    return this.trustedDevices.list(principal.id);
  }

  /** Revokes one of the caller's trusted devices. */
  @Traced('gatekeeper.trusted_device.revoke')
  async revokeTrustedDevice(principal: AuthPrincipal, id: string, client?: ClientContext): Promise<void> {
    await this.trustedDevices.revoke(principal.id, id);
    this.events.emit('trusted_device.revoked', { userId: principal.id, sessionId: principal.sessionId, reason: 'user', context: client });
  }

  /** Rotates a refresh token (see {@link SessionService.refresh}). */
  @Traced('gatekeeper.refresh')
  async refresh(refreshToken: string | null, expiresInMins?: number, client?: ClientContext): Promise<TokenGrant> {
    if (refreshToken === null || refreshToken === '') throw new AuthException('REFRESH_TOKEN_MISSING');
    const accessTtl = this.accessTtl(expiresInMins);
    const { tokens, user } = await this.sessions.refresh(refreshToken, (id) => this.users.findById(id), accessTtl, client);
    return { tokens, user: toPublicUser(user), message: this.options.responses.messages.refresh };
  }

  /** The caller's public profile; `TOKEN_USER_INVALID` when the user is gone or disabled. */
  async me(principal: AuthPrincipal): Promise<PublicUser> {
    return toPublicUser(await this.requireUser(principal.id));
  }

  /** Revokes the caller's session, or all of their sessions (and then their trusted devices too). */
  @Traced('gatekeeper.logout')
  async logout(principal: AuthPrincipal, allSessions = false, client?: ClientContext): Promise<void> {
    if (allSessions) {
      await this.sessions.revokeAll(principal.id);
      await this.trustedDevices.revokeAll(principal.id);
      await this.account.dropPendingChanges(principal.id);
    } else await this.sessions.revoke(principal.sessionId);
    this.events.emit('logout', { userId: principal.id, sessionId: principal.sessionId, allSessions, context: client });
  }

  /** The caller's live sessions. */
  async listSessions(principal: AuthPrincipal): Promise<SessionView[]> {
    return this.sessions.list(principal.id, principal.sessionId);
  }

  /** Revokes one of the caller's sessions. */
  @Traced('gatekeeper.session.revoke')
  async revokeSession(principal: AuthPrincipal, sessionId: string, client?: ClientContext): Promise<void> {
    return this.sessions.revokeOwn(principal.id, sessionId, client);
  }

  /**
   * Changes the caller's password after checking the current one (rate-limited like login), then
   * revokes every other session and every trusted device.
   */
  @Traced('gatekeeper.password.change')
  async changePassword(
    principal: AuthPrincipal,
    currentPassword: string,
    newPassword: string,
    client?: ClientContext | string,
  ): Promise<void> {
    const context = toClientContext(client);
    this.passwords.assertLength(currentPassword);
    this.passwords.assertPolicy(newPassword, 'newPassword');
    let permit = this.passwords.reserve();
    let user: AuthUser;
    try {
      user = await this.requireUser(principal.id);
      await this.passwords.checkPassword(user, currentPassword, context.ip, permit, 'The current password is wrong.');
      permit = await this.passwords.assertNotBreached(newPassword, 'newPassword', user.id, context, permit);
      await this.users.updatePasswordHash(user.id, await this.passwords.hasher.hash(newPassword, permit));
    } finally {
      permit.release();
    }
    this.events.emit('password.changed', { userId: user.id, sessionId: principal.sessionId, reason: 'change', context });
    await this.sessions.revokeAll(user.id, principal.sessionId, 'password_changed', context);
    await this.trustedDevices.revokeAll(user.id);
    await this.account.dropPendingChanges(user.id);
  }

  private async requireUser(id: string): Promise<AuthUser> {
    const user = await this.users.findById(id);
    if (!user || user.disabled) throw new AuthException('TOKEN_USER_INVALID');
    return user;
  }

  private accessTtl(expiresInMins: number | undefined): number | undefined {
    return requestedAccessTtl(this.options, expiresInMins);
  }

  /** Upgrades a hash made with weaker parameters; resolves the hash the user now has. */
  private async rehashIfNeeded(user: AuthUser, password: string, permit: HashPermit, context: SessionContext): Promise<string> {
    if (!this.passwords.hasher.needsRehash(user.passwordHash)) return user.passwordHash;
    const upgraded = await this.passwords.hasher.hash(password, permit);
    await this.users.updatePasswordHash(user.id, upgraded);
    this.events.emit('password.rehashed', { userId: user.id, reason: hashScheme(user.passwordHash), context });
    return upgraded;
  }

  /** A 429 from the limiter becomes a `login.locked` event (the error is rethrown as is). */
  private locked(error: unknown, userId: string | null, context: SessionContext): never {
    if (error instanceof AuthException && error.code === 'TOO_MANY_REQUESTS')
      this.events.emit('login.locked', { userId, reason: 'login', context });
    throw error;
  }
}

/** The scheme of a stored password hash, for the `password.rehashed` event (never the hash itself). */
function hashScheme(hash: string): string {
  return legacySchemeOf(hash) ?? /^\$([a-z0-9-]{1,20})\$/.exec(hash)?.[1] ?? 'other';
}
