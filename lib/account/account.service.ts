import { randomUUID } from 'node:crypto';
import { ActivityFeed } from '../events/activity-feed.js';
import { AuthEvents } from '../events/auth-events.js';
import { toClientContext, type ClientContext } from '../transport/client-address.js';
import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { AuthTelemetry } from '../telemetry/auth-telemetry.js';
import { Traced } from '../telemetry/traced.decorator.js';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { constantTimeEqual, randomToken } from '../crypto/secrets.js';
import { AuthConfigError } from '../errors/auth-config.error.js';
import { AuthException } from '../errors/auth.exception.js';
import { DuplicateUserError } from '../errors/store.errors.js';
import { MfaService } from '../mfa/mfa.service.js';
import { tooMany } from '../mfa/mfa-problems.js';
import { TrustedDeviceService } from '../mfa/trusted-device.service.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { SessionService } from '../sessions/session.service.js';
import { ACCOUNT_TOKEN_STORE, type AccountTokenPurpose, type AccountTokenStore } from '../stores/account-token.store.js';
import { MFA_ENROLMENT_STORE, type MfaEnrolmentStore } from '../stores/mfa-enrolment.store.js';
import { PASSKEY_STORE, type PasskeyStore } from '../stores/passkey.store.js';
import { IDENTITY_STORE, type IdentityStore } from '../stores/identity.store.js';
import { RATE_LIMIT_STORE, type RateLimitStore } from '../stores/rate-limit.store.js';
import { USER_STORE, type AuthUser, type UserStore } from '../stores/user.store.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { parseIdentifier } from '../users/identifiers.js';
import { PasswordChecks } from '../users/password-checks.js';
import { toPublicUser } from '../users/public-user.js';
import { AccountMailer } from './account-mailer.js';
import { accountLink, renderAccountMessage, type AccountMessagePurpose } from './account-messages.js';
import { AccountTokens } from './account-tokens.js';

/** How an account is named in a request: by e-mail or by username. */
export interface AccountIdentifier {
  email?: string;
  username?: string;
}

/** `POST /password/reset` input. */
export interface ResetPasswordInput {
  /** With a reset code: the account's e-mail address. */
  email?: string;
  /** The link token, or the code (`passwordReset.method: 'code'`, with `email` or `username`). */
  token: string;
  newPassword: string;
  /** A TOTP or recovery code: required for users with an authenticator app. */
  mfaCode?: string;
}

/**
 * The account lifecycle: forgot / reset password, e-mail verification, change of e-mail, account
 * deletion and sign-in codes. Every answer that could tell whether an account exists (forgot, change
 * e-mail, login code) is the same for an unknown one, after the same store work; messages go out
 * after the response ({@link AccountMailer}), so the sender's speed tells nothing either.
 *
 * - One-time tokens live in the {@link AccountTokenStore}, hashed; a newer one of the same purpose
 *   replaces the older; using one is a single atomic `consume` (of N concurrent uses one wins).
 * - Sends are counted per account and purpose (the address or username asked for, existing or not)
 *   and per client address before anything is looked up: 429 with `Retry-After` beyond
 *   `accountEmails.sendLimit`.
 * - Short codes are guess-limited per account and purpose (`accountEmails.maxAttempts`): the wrong
 *   code that reaches the cap deletes the code, and tries are refused (429) until `accountEmails.lockout`.
 */
@Injectable()
export class AccountService implements OnModuleInit {
  private readonly tokens: AccountTokens;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(USER_STORE) private readonly users: UserStore,
    @Inject(ACCOUNT_TOKEN_STORE) private readonly store: AccountTokenStore,
    @Inject(RATE_LIMIT_STORE) private readonly counters: RateLimitStore,
    @Inject(MFA_ENROLMENT_STORE) private readonly enrolment: MfaEnrolmentStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    private readonly passwords: PasswordChecks,
    private readonly sessions: SessionService,
    private readonly trustedDevices: TrustedDeviceService,
    private readonly mfa: MfaService,
    private readonly mailer: AccountMailer,
    private readonly events: AuthEvents,
    private readonly activity: ActivityFeed,
    /** The module's OpenTelemetry (spans of the use cases); optional for subclasses written before it. */
    @Optional() readonly telemetry?: AuthTelemetry,
    /** The account's passkeys, deleted with it; optional for subclasses written before passkeys. */
    @Optional() @Inject(PASSKEY_STORE) private readonly passkeys?: PasskeyStore,
    /** The account's linked provider accounts, unlinked with it (optional, as above). */
    @Optional() @Inject(IDENTITY_STORE) private readonly identities?: IdentityStore,
  ) {
    this.tokens = new AccountTokens(options.secretKeys, options.account.codeLength);
  }

  /** `emailVerification.required` needs a user store that records verification: checked at start-up. */
  onModuleInit(): void {
    if (this.options.account.emailVerification.required && typeof this.users.setEmailVerified !== 'function') {
      throw new AuthConfigError([
        'emailVerification.required: the user store has no setEmailVerified(), so no address could ever be verified',
      ]);
    }
  }

  // ---------------------------------------------------------------- forgot / reset password

  /**
   * `POST /password/forgot`: sends a reset link (or code) to an existing, enabled account. Resolves
   * alike for an unknown one (same store work, nothing sent). 429 beyond the send limits.
   */
  @Traced('gatekeeper.password.forgot')
  async forgotPassword(input: AccountIdentifier, client: ClientContext | string | undefined): Promise<void> {
    const context = toClientContext(client);
    const { ip } = context;
    const { key, lookup } = this.identify(input);
    await this.reserveSend('password-reset', key, ip);
    const user = await lookup();
    const allowed = await this.withinAccountSendLimit('password-reset', user);
    if (user === null || !allowed) return this.dummyWrite('password-reset');
    const { method, tokenTtlMs } = this.options.account.passwordReset;
    if (method === 'code') {
      const code = this.tokens.newCode();
      await this.put(user, 'password-reset', this.tokens.codeHash('password-reset', user.id, code), user.email, tokenTtlMs);
      this.send('password-reset', user, user.email, code, '', tokenTtlMs);
    } else {
      const token = this.tokens.newLinkToken();
      await this.put(user, 'password-reset', this.tokens.linkHash('password-reset', token) as string, user.email, tokenTtlMs);
      this.send('password-reset', user, user.email, token, accountLink(this.options.account.links.passwordReset, token), tokenTtlMs);
    }
    this.events.emit('password.reset_requested', { userId: user.id, context });
  }

  /**
   * `POST /password/reset`. In this order: the new password's policy (a refused one leaves the token
   * valid), the token (read, not used), the second proof of a TOTP user (`mfaCode`), the hashing of
   * the new password, and only then the atomic use of the token: of N concurrent resets exactly one
   * changes the password; the others get `RESET_TOKEN_INVALID`. Then every session and trusted device
   * of the user is revoked, and the address counts as verified (the mailbox was just proved).
   */
  @Traced('gatekeeper.password.reset')
  async resetPassword(input: ResetPasswordInput, client: ClientContext | string | undefined): Promise<void> {
    const context = toClientContext(client);
    const { ip } = context;
    this.passwords.assertPolicy(input.newPassword, 'newPassword');
    const { record, user } = await this.findResetToken(input, ip);
    // Wrong authenticator codes count on a cap of their own; the one that reaches it kills the link.
    await this.mfa.verifyStepUp(user, input.mfaCode, ip, 'password-reset', () => this.store.deleteForUser(user.id, 'password-reset'));
    await this.passwords.assertNotBreached(input.newPassword, 'newPassword', user.id, context);
    const permit = this.passwords.reserve();
    let passwordHash: string;
    try {
      passwordHash = await this.passwords.hasher.hash(input.newPassword, permit);
    } finally {
      permit.release();
    }
    if ((await this.store.consume('password-reset', record.tokenHash, this.clock.now())) === null) {
      throw new AuthException('RESET_TOKEN_INVALID');
    }
    await this.users.updatePasswordHash(user.id, passwordHash);
    await this.counters.reset(attemptKey('password-reset', user.id));
    this.events.emit('password.changed', { userId: user.id, reason: 'reset', context });
    await this.sessions.revokeAll(user.id, undefined, 'password_changed', context);
    await this.trustedDevices.revokeAll(user.id);
    // Whatever was pending (an e-mail change asked by a hijacker, a sign-in code) dies with the old password.
    await this.store.deleteForUser(user.id);
    if (user.emailVerified !== true) await this.users.setEmailVerified?.(user.id, true, user.email);
  }

  /** The reset token named by the input (link token, or code + account), and its live user; `RESET_TOKEN_INVALID` otherwise. */
  private async findResetToken(
    input: ResetPasswordInput,
    ip: string | undefined,
  ): Promise<{ record: { tokenHash: string }; user: AuthUser }> {
    const now = this.clock.now();
    if (this.options.account.passwordReset.method === 'code') {
      // Only the e-mail: one guess counter per account, and no way to link a username to an address.
      if (input.email === undefined) {
        throw new AuthException('VALIDATION_FAILED', {
          errors: [{ field: 'email', message: 'is required with a reset code' }],
        });
      }
      const { key, lookup } = this.identify({ email: input.email });
      const found = await this.checkCode('password-reset', key, lookup, input.token, ip);
      if (found === null) throw new AuthException('RESET_TOKEN_INVALID');
      return { record: { tokenHash: found.tokenHash }, user: found.user };
    }
    const hash = this.tokens.linkHash('password-reset', input.token);
    const record = hash === undefined ? null : await this.store.findByHash('password-reset', hash, now);
    const user = record === null ? null : await this.users.findById(record.userId);
    // A link mailed to an address the account no longer has resets nothing.
    if (record === null || user === null || user.disabled === true || (record.email !== null && record.email !== user.email)) {
      throw new AuthException('RESET_TOKEN_INVALID');
    }
    return { record, user };
  }

  // ---------------------------------------------------------------- e-mail verification and change

  /**
   * Sends a verification link to a new account's address (at registration, when e-mail verification
   * is on and the address is not verified yet). Not rate-limited: registration has its own limit.
   */
  async sendVerification(user: AuthUser, _ip?: string): Promise<void> {
    const { emailEnabled, emailVerification } = this.options.account;
    // A store that cannot record verification gets no link it could never honour.
    if (!emailEnabled || !emailVerification.enabled || user.emailVerified === true || this.users.setEmailVerified === undefined) return;
    const token = this.tokens.newLinkToken();
    await this.put(
      user,
      'email-verification',
      this.tokens.linkHash('email-verification', token) as string,
      user.email,
      emailVerification.tokenTtlMs,
    );
    const link = accountLink(this.options.account.links.emailVerification, token);
    this.send('email-verification', user, user.email, token, link, emailVerification.tokenTtlMs);
  }

  /**
   * The store work of {@link sendVerification} without a token: a sign-up that found its username or
   * e-mail taken (with `registration.revealConflicts: false`) costs what a fresh one costs.
   */
  async sendNoVerification(): Promise<void> {
    const { emailEnabled, emailVerification } = this.options.account;
    if (emailEnabled && emailVerification.enabled && this.users.setEmailVerified !== undefined) await this.dummyWrite('email-verification');
  }

  /** `POST /email/verify/resend`: a new verification link for the caller (send-limited; nothing sent when already verified). */
  @Traced('gatekeeper.email.verify_resend')
  async resendVerification(principal: AuthPrincipal, client: ClientContext | string | undefined): Promise<void> {
    const { ip } = toClientContext(client);
    const user = await this.requireUser(principal.id);
    await this.reserveSend('email-verification', `id:${user.id}`, ip);
    await this.sendVerification(user, ip);
  }

  /**
   * `POST /email/verify`: a verification link marks the address verified (only while the account still
   * has that address); an e-mail change link moves the account to the new address (verified).
   * `VERIFICATION_TOKEN_INVALID` for anything else (unknown, used, expired, superseded, or the new
   * address taken meanwhile).
   */
  @Traced('gatekeeper.email.verify')
  async verifyEmail(token: string, client?: ClientContext): Promise<'verified' | 'changed'> {
    const now = this.clock.now();
    const verifyHash = this.tokens.linkHash('email-verification', token);
    const verification = verifyHash === undefined ? null : await this.store.consume('email-verification', verifyHash, now);
    if (verification !== null) {
      const done = await this.users.setEmailVerified?.(verification.userId, true, verification.email ?? undefined);
      if (done !== true) throw new AuthException('VERIFICATION_TOKEN_INVALID');
      this.events.emit('email.verified', { userId: verification.userId, context: client });
      return 'verified';
    }
    const changeHash = this.tokens.linkHash('email-change', token);
    const change = changeHash === undefined ? null : await this.store.consume('email-change', changeHash, now);
    if (change === null || change.email === null || this.users.updateEmail === undefined)
      throw new AuthException('VERIFICATION_TOKEN_INVALID');
    try {
      if (!(await this.users.updateEmail(change.userId, change.email))) throw new AuthException('VERIFICATION_TOKEN_INVALID');
    } catch (error) {
      throw error instanceof DuplicateUserError ? new AuthException('VERIFICATION_TOKEN_INVALID') : error;
    }
    // Every link and code still out for the old address (verification, reset, sign-in) dies with it.
    await this.store.deleteForUser(change.userId);
    this.events.emit('email.changed', { userId: change.userId, context: client });
    return 'changed';
  }

  /**
   * `POST /email/change`: after the password, a confirmation link goes to the new address and a
   * notice to the current one; the change happens when the link is used. A new address that another
   * account has gets a "you already have an account" message instead, after the same work, and the
   * caller gets the same answer. 501 `NOT_IMPLEMENTED` without `UserStore.updateEmail`.
   */
  @Traced('gatekeeper.email.change')
  async changeEmail(
    principal: AuthPrincipal,
    newEmail: string,
    password: string,
    client: ClientContext | string | undefined,
  ): Promise<void> {
    const { ip } = toClientContext(client);
    const email = parseIdentifier(newEmail, 'newEmail', 'email');
    this.passwords.assertLength(password);
    if (this.users.updateEmail === undefined) {
      throw new AuthException('NOT_IMPLEMENTED', { detail: 'E-mail changes are not supported here: the user store has no updateEmail().' });
    }
    const permit = this.passwords.reserve();
    let user: AuthUser;
    try {
      user = await this.requireUser(principal.id);
      await this.passwords.checkPassword(user, password, ip, permit, 'The current password is wrong.');
    } finally {
      permit.release();
    }
    if (email === user.email) {
      throw new AuthException('VALIDATION_FAILED', { errors: [{ field: 'newEmail', message: 'is already your e-mail address' }] });
    }
    await this.reserveSend('email-change', `id:${user.id}`, ip);
    const ttlMs = this.options.account.emailVerification.tokenTtlMs;
    const owner = await this.users.findByEmail(email);
    if (owner !== null) {
      await this.dummyWrite('email-change');
      this.send('email-change-taken', user, email, '', '', 0);
    } else {
      const token = this.tokens.newLinkToken();
      await this.put(user, 'email-change', this.tokens.linkHash('email-change', token) as string, email, ttlMs);
      this.send('email-change', user, email, token, accountLink(this.options.account.links.emailChange, token), ttlMs);
    }
    this.send('email-change-notice', user, user.email, '', '', 0, email);
  }

  // ---------------------------------------------------------------- deletion

  /**
   * `POST /account/delete`: after the password (and, for a TOTP user, `mfaCode`), calls
   * `accountDeletion.beforeDelete`, revokes every session and trusted device, removes the MFA state,
   * one-time tokens, passkeys and linked provider accounts, and deletes the user. 501 `NOT_IMPLEMENTED` without `UserStore.delete`.
   */
  @Traced('gatekeeper.account.delete')
  async deleteAccount(
    principal: AuthPrincipal,
    password: string,
    mfaCode: string | undefined,
    client: ClientContext | string | undefined,
  ): Promise<void> {
    const context = toClientContext(client);
    const { ip } = context;
    this.passwords.assertLength(password);
    const remove = this.users.delete?.bind(this.users);
    if (remove === undefined) {
      throw new AuthException('NOT_IMPLEMENTED', { detail: 'Accounts cannot be deleted here: the user store has no delete().' });
    }
    const permit = this.passwords.reserve();
    let user: AuthUser;
    try {
      user = await this.requireUser(principal.id);
      await this.passwords.checkPassword(user, password, ip, permit, 'The password is wrong.');
    } finally {
      permit.release();
    }
    await this.mfa.verifyStepUp(user, mfaCode, ip, 'account-delete');
    await this.options.account.beforeDelete?.(toPublicUser(user));
    await this.sessions.revokeAll(user.id);
    await this.trustedDevices.revokeAll(user.id);
    await this.enrolment.clearTotp(user.id);
    await this.enrolment.deleteRecoveryCodes(user.id);
    await this.store.deleteForUser(user.id);
    await this.passkeys?.deleteForUser(user.id);
    await this.identities?.deleteForUser(user.id);
    await remove(user.id);
    await this.activity.forgetUser(user.id);
    this.events.emit('account.deleted', { userId: user.id, context });
  }

  // ---------------------------------------------------------------- sign-in codes

  /** `POST /login/code/send`: a sign-in code to an existing, enabled account; alike for an unknown one. */
  @Traced('gatekeeper.login_code.send')
  async sendLoginCode(email: string, client: ClientContext | string | undefined): Promise<void> {
    const { ip } = toClientContext(client);
    const { key, lookup } = this.identify({ email });
    await this.reserveSend('login-code', key, ip);
    const user = await lookup();
    const allowed = await this.withinAccountSendLimit('login-code', user);
    if (user === null || !allowed) return this.dummyWrite('login-code');
    const ttlMs = this.options.account.loginCode.codeTtlMs;
    const code = this.tokens.newCode();
    await this.put(user, 'login-code', this.tokens.codeHash('login-code', user.id, code), user.email, ttlMs);
    this.send('login-code', user, user.email, code, '', ttlMs);
  }

  /**
   * Checks and uses a sign-in code; resolves the user (whose address now counts as verified).
   * `INVALID_CREDENTIALS` for an unknown account or a wrong, used or expired code (guess-limited).
   */
  async verifyLoginCode(email: string, code: string, client: ClientContext | string | undefined): Promise<AuthUser> {
    const context = toClientContext(client);
    const { ip } = context;
    const { key, lookup } = this.identify({ email });
    if (!this.tokens.isCode(code)) {
      throw new AuthException('VALIDATION_FAILED', {
        errors: [{ field: 'code', message: `must be ${this.options.account.codeLength} digits` }],
      });
    }
    const found = await this.checkCode('login-code', key, lookup, code, ip);
    if (found === null) {
      this.events.emit('login.failed', { reason: 'invalid_code', context });
      throw new AuthException('INVALID_CREDENTIALS');
    }
    const { user } = found;
    // The first proof of the mailbox on an unverified account: whoever registered the address before
    // its owner (account pre-hijacking) loses the password they set and their sessions.
    const firstProof = user.emailVerified !== true && this.users.setEmailVerified !== undefined;
    const unusableHash = firstProof ? await this.unusablePasswordHash() : undefined;
    if ((await this.store.consume('login-code', found.tokenHash, this.clock.now())) === null) {
      throw new AuthException('INVALID_CREDENTIALS');
    }
    await this.counters.reset(attemptKey('login-code', user.id));
    if (unusableHash === undefined) return user;
    await this.users.updatePasswordHash(user.id, unusableHash);
    await this.sessions.revokeAll(user.id);
    await this.trustedDevices.revokeAll(user.id);
    await this.users.setEmailVerified?.(user.id, true, user.email);
    return { ...user, passwordHash: unusableHash, emailVerified: true };
  }

  /**
   * Forgets what an old credential may have left pending: an e-mail change (asked by someone holding
   * the password) and a sign-in code. Called when the password changes and on "log out everywhere".
   */
  async dropPendingChanges(userId: string): Promise<void> {
    await this.store.deleteForUser(userId, 'email-change');
    await this.store.deleteForUser(userId, 'login-code');
  }

  /** The hash of a random password nobody knows (argon2id, on a place of the hashing bound). */
  private async unusablePasswordHash(): Promise<string> {
    const permit = this.passwords.reserve();
    try {
      return await this.passwords.hasher.hash(randomToken(32), permit);
    } finally {
      permit.release();
    }
  }

  // ---------------------------------------------------------------- internals

  /**
   * The counter key of the account a request names (the normalised address or username: the same for
   * an unknown account) and its look-up (an enabled user, or `null`).
   */
  private identify(input: AccountIdentifier): { key: string; lookup: () => Promise<AuthUser | null> } {
    const byEmail = input.email !== undefined;
    if (byEmail === (input.username !== undefined)) {
      throw new AuthException('VALIDATION_FAILED', { errors: [{ field: 'email', message: 'give either email or username' }] });
    }
    if (!byEmail && !this.options.loginIdentifiers.includes('username')) {
      throw new AuthException('VALIDATION_FAILED', { errors: [{ field: 'username', message: 'is not accepted here: give email' }] });
    }
    const value = byEmail
      ? parseIdentifier(input.email as string, 'email', 'email')
      : parseIdentifier(input.username as string, 'username', 'username');
    return {
      key: `${byEmail ? 'email' : 'username'}:${value}`,
      lookup: async () => {
        const user = byEmail ? await this.users.findByEmail(value) : await this.users.findByUsername(value);
        return user === null || user.disabled === true ? null : user;
      },
    };
  }

  /**
   * One guess of a short code of `purpose`, counted before the check (atomic increments) per account and
   * per client address, for unknown accounts alike. Resolves the user and the stored hash when the
   * code is theirs and live (not used yet: the caller consumes it by that hash); `null` when wrong. 429 beyond the caps; the wrong guess
   * that reaches `accountEmails.maxAttempts` deletes the code.
   */
  private async checkCode(
    purpose: AccountTokenPurpose,
    key: string,
    lookup: () => Promise<AuthUser | null>,
    code: string,
    ip: string | undefined,
  ): Promise<{ user: AuthUser; tokenHash: string } | null> {
    const now = this.clock.now();
    if (ip !== undefined && this.options.rateLimit.enabled) {
      const { max, windowMs } = this.options.rateLimit.address;
      const byAddress = await this.counters.increment(`acct:code:addr:${ip}`, windowMs, now);
      if (byAddress.count > max) throw tooMany(byAddress.resetAt - now);
    }
    const user = await lookup();
    const { maxAttempts, lockoutMs } = this.options.account;
    const attempt = await this.counters.increment(attemptKey(purpose, user?.id ?? key), lockoutMs, now);
    if (attempt.count > maxAttempts) throw tooMany(attempt.resetAt - now);
    const record = await this.store.findForUser(user?.id ?? randomUUID(), purpose, now);
    const matches =
      user !== null &&
      record !== null &&
      (record.email === null || record.email === user.email) &&
      this.tokens.isCode(code) &&
      this.tokens.codeHashes(purpose, user.id, code).some((hash) => constantTimeEqual(record.tokenHash, hash));
    if (matches) return { user, tokenHash: record.tokenHash };
    if (attempt.count >= maxAttempts && user !== null) await this.store.deleteForUser(user.id, purpose);
    return null;
  }

  /**
   * Counts a send per account and purpose, and per client address over every purpose, before anything
   * is looked up (429 beyond either).
   */
  private async reserveSend(purpose: AccountTokenPurpose, accountKey: string, ip: string | undefined): Promise<void> {
    const { perAccount, perAddress } = this.options.account.sendLimit;
    const now = this.clock.now();
    // The address first: a client over its limit creates no per-account counters.
    if (ip !== undefined) {
      const byAddress = await this.counters.increment(`acct:send:addr:${ip}`, perAddress.windowMs, now);
      if (byAddress.count > perAddress.max) throw tooMany(byAddress.resetAt - now);
    }
    const byAccount = await this.counters.increment(`acct:send:${purpose}:${accountKey}`, perAccount.windowMs, now);
    if (byAccount.count > perAccount.max) throw tooMany(byAccount.resetAt - now);
  }

  /**
   * The per-account send limit counted on the account itself (the one above counts the identifier
   * asked for: an address and a username of one account are two identifiers). Over it the message is
   * silently not sent, so the answer stays that of any other request. An unknown account counts on a
   * key of its own, for the same store work. Resolves whether to send (never for an unknown account).
   */
  private async withinAccountSendLimit(purpose: AccountTokenPurpose, user: AuthUser | null): Promise<boolean> {
    const { perAccount } = this.options.account.sendLimit;
    const key = `acct:send:${purpose}:id:${user?.id ?? randomUUID()}`;
    const state = await this.counters.increment(key, perAccount.windowMs, this.clock.now());
    return user !== null && state.count <= perAccount.max;
  }

  private async put(user: AuthUser, purpose: AccountTokenPurpose, tokenHash: string, email: string | null, ttlMs: number): Promise<void> {
    await this.store.put({ userId: user.id, purpose, tokenHash, email, expiresAt: this.clock.now() + ttlMs });
  }

  /** The store write an unknown account's request does instead of storing a token (so both take alike). */
  private async dummyWrite(purpose: AccountTokenPurpose): Promise<void> {
    await this.store.deleteForUser(randomUUID(), purpose);
  }

  /** Renders and dispatches one message (after the response). */
  private send(
    purpose: AccountMessagePurpose,
    user: AuthUser,
    to: string,
    code: string,
    link: string,
    ttlMs: number,
    aboutEmail = to,
  ): void {
    const expiresInSeconds = Math.floor(ttlMs / 1000);
    const vars = { username: user.username, code, link, expiresInMinutes: Math.floor(expiresInSeconds / 60), email: aboutEmail };
    const about = { id: user.id, username: user.username };
    // Rendered in the deferred task too: an app template's cost (or failure) is not on the request.
    this.mailer.dispatch(purpose, () => {
      const { subject, text } = renderAccountMessage(purpose, vars, this.options.account.templates);
      return {
        purpose,
        channel: 'email',
        to,
        subject,
        text,
        code,
        link,
        expiresInSeconds,
        user: about,
      };
    });
  }

  private async requireUser(id: string): Promise<AuthUser> {
    const user = await this.users.findById(id);
    if (!user || user.disabled) throw new AuthException('TOKEN_USER_INVALID');
    return user;
  }
}

function attemptKey(purpose: AccountTokenPurpose, subject: string): string {
  return `acct:code:${purpose}:${subject}`;
}
