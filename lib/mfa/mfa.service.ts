import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { AuthTelemetry } from '../telemetry/auth-telemetry.js';
import { Traced } from '../telemetry/traced.decorator.js';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { MFA_CHALLENGE_STORE, type MfaChallengeStore } from '../stores/mfa-challenge.store.js';
import { MFA_ENROLMENT_STORE, type MfaEnrolmentStore } from '../stores/mfa-enrolment.store.js';
import { MemoryMfaStore } from '../stores/memory/memory-mfa.store.js';
import { MemoryRateLimitStore } from '../stores/memory/memory-rate-limit.store.js';
import { RATE_LIMIT_STORE, type RateLimitStore } from '../stores/rate-limit.store.js';
import { USER_STORE, type AuthUser, type UserStore } from '../stores/user.store.js';
import { MfaTokenService, type PendingMfaLogin } from '../tokens/mfa-token.service.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { AuthEvents } from '../events/auth-events.js';
import { toClientContext, type ClientContext } from '../transport/client-address.js';
import type { MfaFactor } from './factors/mfa-factor.js';
import { MfaFactorRegistry } from './mfa-factor.registry.js';
import type { MfaMethod, MfaVerifyMethod } from './mfa-methods.js';
import { assertCodeFormat, tooMany, unavailable } from './mfa-problems.js';

export type { MfaVerifyMethod };

/** The body of a login that needs a second factor (CONTRACT §4). */
export interface PendingMfaBody {
  isRequiresMfa: true;
  mfaMethods: MfaVerifyMethod[];
  defaultMfaMethod: MfaMethod;
  mfaToken: string;
  message: string;
}

/** What the user must do at login: which methods, and the default one. */
export interface MfaChallenge {
  methods: MfaVerifyMethod[];
  defaultMethod: MfaMethod;
}

/** A second factor that checked out: the user, and what the login asked for. */
export interface VerifiedMfa {
  user: AuthUser;
  accessTtlSeconds?: number;
}

/** The answer of `POST /mfa/send`. */
export interface MfaSendResult {
  message: string;
  /** The method that sent the code (`'email'`, `'sms'` or a custom factor's name). */
  method: MfaMethod;
  /** Seconds the code stays valid. */
  expiresIn: number;
}

/**
 * The pending login of multi-factor authentication and what every factor shares; the factors
 * themselves (`MfaFactorRegistry`: TOTP, e-mail and SMS codes, recovery codes, custom ones) only
 * say who can use them, send and check a code.
 *
 * - Attempts are counted per user (`mfa:fail:<user>`), over every pending login and every factor,
 *   before the code is checked (so parallel guesses cannot overshoot): the wrong code that reaches
 *   `mfa.maxAttempts` kills the pending login in use and locks the user's second factor (429) for
 *   `mfa.lockout` from then, doubling with each lock in 24 hours. A success clears the count.
 *   Attempts per client address are capped by `rateLimit.address`.
 * - Sends are counted per user and per address (`mfa.sendLimit`) before the factor sends.
 * - A pending login finishes once: after a success (or the attempt cap) its `mfaToken` is dead.
 */
@Injectable()
export class MfaService implements OnModuleInit {
  private readonly logger = new Logger('AuthModule');

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(MFA_ENROLMENT_STORE) private readonly enrolment: MfaEnrolmentStore,
    @Inject(MFA_CHALLENGE_STORE) private readonly challenges: MfaChallengeStore,
    @Inject(USER_STORE) private readonly users: UserStore,
    @Inject(RATE_LIMIT_STORE) private readonly counters: RateLimitStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    private readonly tokens: MfaTokenService,
    private readonly factors: MfaFactorRegistry,
    private readonly events: AuthEvents,
    /** The module's OpenTelemetry (the span of `resend`); optional for subclasses written before it. */
    @Optional() readonly telemetry?: AuthTelemetry,
  ) {}

  /**
   * Warns when MFA state is shared (a non-memory MFA store) but the attempt counters are not: each
   * instance would then count `mfa.maxAttempts` on its own.
   */
  onModuleInit(): void {
    const shared = !(this.enrolment instanceof MemoryMfaStore) || !(this.challenges instanceof MemoryMfaStore);
    if (this.factors.enabled && shared && this.counters instanceof MemoryRateLimitStore) {
      this.logger.warn(
        'the MFA store is shared but rateLimitStore is in memory: with several instances each one counts MFA attempts on its own. Set rateLimitStore to a shared store.',
      );
    }
  }

  // ---------------------------------------------------------------- the pending login

  /**
   * The second factor `user` must complete, or `null` when none is needed. A user who has MFA enabled
   * but none of their methods is offered any more, and (with `mfa.required`) a user without a
   * method, get 403 `MFA_ENROLLMENT_REQUIRED`: never a free pass.
   */
  async challengeFor(user: AuthUser): Promise<MfaChallenge | null> {
    const enabled = user.mfaEnabled || user.mfaMethods.length > 0;
    if (!enabled && !this.options.mfa.required) return null;
    const usable = await this.usableMethods(user);
    const defaultMethod = usable[0];
    if (defaultMethod === undefined) throw new AuthException('MFA_ENROLLMENT_REQUIRED');
    const methods: MfaVerifyMethod[] = [...usable];
    for (const backup of this.factors.backups) if (await backup.isUsableFor(user)) methods.push(backup.method);
    return { methods, defaultMethod };
  }

  /**
   * Starts a pending login: signs its `mfaToken` and, when the default method sends codes, sends one
   * (a refused or failed send does not fail the login: the client can re-send).
   */
  async beginPending(
    user: AuthUser,
    challenge: MfaChallenge,
    client: ClientContext | string | undefined,
    accessTtlSeconds?: number,
    excludedMethods: readonly MfaMethod[] = [],
  ): Promise<PendingMfaBody> {
    const { token, pending } = this.tokens.issue(user.id, accessTtlSeconds, excludedMethods);
    let message = 'Multi-factor authentication required.';
    const method = challenge.defaultMethod;
    const factor = this.factors.get(method);
    if ((await this.counters.peek(lockKey(user.id), this.clock.now())).count > 0) {
      // A locked second factor gets no new code (it could not be used before the lock ends).
      message = 'Multi-factor authentication required. Too many wrong codes: try again later.';
    } else if (factor?.send !== undefined) {
      try {
        const sent = await this.sendWith(factor, user, pending, toClientContext(client));
        message = `Multi-factor authentication required. ${sent.message}`;
      } catch (error) {
        if (!(error instanceof AuthException)) throw error;
        message = 'Multi-factor authentication required. The code could not be sent now; request a new one.';
      }
    }
    return { isRequiresMfa: true, mfaMethods: challenge.methods, defaultMfaMethod: method, mfaToken: token, message };
  }

  /** `POST /mfa/send`: a new code of a sending factor (e-mail, SMS) for the pending login (rate-limited). */
  @Traced('gatekeeper.mfa.send')
  async resend(mfaToken: string, method: MfaVerifyMethod, client: ClientContext | string | undefined): Promise<MfaSendResult> {
    const { pending, user } = await this.openPending(mfaToken);
    const factor = pending.excludedMethods?.includes(method) === true ? undefined : this.factors.get(method);
    if (factor !== undefined && factor.send === undefined) throw unavailable('method', 'this second factor sends no code');
    if (factor === undefined || !(await this.isUsable(user, factor))) throw unavailable('method');
    await this.assertNotLocked(user.id);
    return this.sendWith(factor, user, pending, toClientContext(client));
  }

  /**
   * The pending login of `mfaToken` and its user, when `method` is offered to it and usable, and the
   * user's second factor is not locked (for a factor that prepares its check elsewhere, e.g. the
   * passkey options). Throws `MFA_TOKEN_INVALID`, 400 for an unavailable method, 429 while locked.
   */
  async openFor(mfaToken: string, method: MfaMethod): Promise<{ pending: PendingMfaLogin; user: AuthUser }> {
    const { pending, user } = await this.openPending(mfaToken);
    const factor = pending.excludedMethods?.includes(method) === true ? undefined : this.factors.get(method);
    if (factor === undefined || !(await this.isUsable(user, factor))) throw unavailable('method');
    await this.assertNotLocked(user.id);
    return { pending, user };
  }

  /**
   * `POST /mfa/verify`: checks the second factor of a pending login. Returns the user to start a
   * session for; throws `MFA_TOKEN_INVALID`, `MFA_CODE_INVALID`, 400 for a malformed code or an
   * unavailable method, 429 while the user is locked out.
   */
  async verify(mfaToken: string, method: MfaVerifyMethod, code: string, client: ClientContext | string | undefined): Promise<VerifiedMfa> {
    const context = toClientContext(client);
    const { pending, user } = await this.openPending(mfaToken);
    const factor = pending.excludedMethods?.includes(method) === true ? undefined : this.factors.get(method);
    // A backup factor (recovery codes) is checked whether or not codes are left: a spent one is wrong.
    if (factor === undefined || (factor.role !== 'backup' && !(await this.isUsable(user, factor)))) throw unavailable('method');
    assertCodeFormat(factor, code);
    await this.countedAttempt(user.id, context, pending, () => factor.verify({ user, pending, code, client: context }), method);
    if (!(await this.challenges.finishPending(pending.pendingId, pending.expiresAt * 1000))) {
      throw new AuthException('MFA_TOKEN_INVALID');
    }
    await this.clearAttempts(user.id);
    this.events.emit('mfa.verified', { userId: user.id, method, context });
    if (factor.role === 'backup') this.events.emit('mfa.recovery_code_used', { userId: user.id, context });
    return { user, accessTtlSeconds: pending.accessTtlSeconds };
  }

  /**
   * A second proof for an account operation a mailbox alone must not authorise (password reset,
   * account deletion): a user with an authenticator app (TOTP) must give its code or a recovery code
   * as `mfaCode`; users without TOTP need nothing more. Throws 401 `MFA_CODE_INVALID` for a missing or
   * wrong code. Wrong codes are counted per user and `scope` (`mfa.maxAttempts` in `mfa.lockout`,
   * then 429), on a counter of their own: a mailbox holder guessing here cannot lock the owner's
   * sign-in; the wrong code that reaches the cap runs `onCap` (e.g. kills the reset token).
   * Attempts per client address share the cap of `/mfa/verify` (`rateLimit.address`).
   */
  async verifyStepUp(
    user: AuthUser,
    code: string | undefined,
    ip: string | undefined,
    scope: string,
    onCap?: () => Promise<void>,
  ): Promise<void> {
    const totp = this.factors.get('totp');
    if (totp === undefined || !(await this.isUsable(user, totp))) return;
    if (code === undefined || code === '') {
      throw new AuthException('MFA_CODE_INVALID', {
        detail: 'This account uses an authenticator app: give its current code (or a recovery code) as mfaCode.',
      });
    }
    const backup = this.factors.backups.find((factor) => factor.codeFormatError?.(code) === undefined);
    const factor = totp.codeFormatError?.(code) === undefined ? totp : (backup ?? totp);
    assertCodeFormat(factor, code, 'mfaCode');
    const now = this.clock.now();
    await this.reserveAddressAttempt(ip, now);
    const key = `mfa:step-up:${scope}:${user.id}`;
    const attempt = await this.counters.increment(key, this.options.mfa.lockoutMs, now);
    if (attempt.count > this.options.mfa.maxAttempts) throw tooMany(attempt.resetAt - now);
    const pending: PendingMfaLogin = { userId: user.id, pendingId: `step-up:${scope}:${user.id}`, expiresAt: 0 };
    if (await factor.verify({ user, pending, code })) {
      await this.counters.reset(key);
      return;
    }
    if (attempt.count >= this.options.mfa.maxAttempts) await onCap?.();
    throw new AuthException('MFA_CODE_INVALID');
  }

  /** The user's enabled primary methods that the module offers and the user can use, default first. */
  async usableMethods(user: AuthUser): Promise<MfaMethod[]> {
    const usable: MfaMethod[] = [];
    for (const method of user.mfaMethods) {
      const factor = this.factors.get(method);
      if (factor !== undefined && factor.role !== 'backup' && (await factor.isUsableFor(user))) usable.push(method);
    }
    return usable;
  }

  // ---------------------------------------------------------------- the shared attempt cap

  /**
   * Runs `check` as one counted attempt of the user's second factor, and throws `MFA_CODE_INVALID`
   * when it resolves `false`. The attempt is counted before the check (atomic increments), so
   * parallel guesses cannot get past the limits: refused with 429 unchecked while the user is
   * locked, when the address has made `rateLimit.address.max` attempts in its window, or when the
   * attempt is numbered above `mfa.maxAttempts`. The wrong code that reaches `mfa.maxAttempts` locks
   * the user's second factor for `mfa.lockout` from now (doubling with each lock in the last 24
   * hours, at most 24 hours) and kills `pending` (the pending login in use, if any).
   * Call {@link clearAttempts} after a success.
   */
  async countedAttempt(
    userId: string,
    client: ClientContext | string | undefined,
    pending: PendingMfaLogin | undefined,
    check: () => Promise<boolean>,
    method = 'totp',
  ): Promise<void> {
    const context = toClientContext(client);
    let attempt: number;
    try {
      attempt = await this.reserveAttempt(userId, context.ip);
    } catch (error) {
      if (error instanceof AuthException && error.code === 'TOO_MANY_REQUESTS')
        this.events.emit('mfa.locked', { userId, reason: 'refused', context });
      throw error;
    }
    if (await check()) return;
    this.events.emit('mfa.failed', { userId, method, context });
    if (await this.recordFailure(userId, attempt, pending)) this.events.emit('mfa.locked', { userId, reason: 'max_attempts', context });
    throw new AuthException('MFA_CODE_INVALID');
  }

  /** Clears the user's count of wrong codes (after a success). */
  async clearAttempts(userId: string): Promise<void> {
    await this.counters.reset(failKey(userId));
  }

  // ---------------------------------------------------------------- internals

  private async isUsable(user: AuthUser, factor: MfaFactor): Promise<boolean> {
    return user.mfaMethods.includes(factor.method) && (await factor.isUsableFor(user));
  }

  /** Counts the send against `mfa.sendLimit`, then lets the factor send. */
  private async sendWith(factor: MfaFactor, user: AuthUser, pending: PendingMfaLogin, context: ClientContext): Promise<MfaSendResult> {
    if (factor.send === undefined) throw unavailable('method');
    await this.assertSendAllowed(user.id, context.ip);
    const sent = await factor.send({ user, pending });
    this.events.emit('mfa.challenge_sent', { userId: user.id, method: factor.method, context });
    return { message: sent.message, method: factor.method, expiresIn: sent.expiresIn };
  }

  /** The pending login of a live, unfinished `mfaToken`, and its user. */
  private async openPending(mfaToken: string): Promise<{ pending: PendingMfaLogin; user: AuthUser }> {
    const pending = this.tokens.verify(mfaToken);
    if (await this.challenges.isPendingFinished(pending.pendingId, this.clock.now())) throw new AuthException('MFA_TOKEN_INVALID');
    const user = await this.users.findById(pending.userId);
    if (!user || user.disabled) throw new AuthException('MFA_TOKEN_INVALID');
    return { pending, user };
  }

  /** 429 while the user's second factor is locked (after `mfa.maxAttempts` wrong codes). */
  private async assertNotLocked(userId: string): Promise<void> {
    const now = this.clock.now();
    const lock = await this.counters.peek(lockKey(userId), now);
    if (lock.count > 0) throw tooMany(lock.resetAt - now);
  }

  /** Reserves an attempt (see {@link countedAttempt}); returns its number. */
  private async reserveAttempt(userId: string, ip: string | undefined): Promise<number> {
    await this.assertNotLocked(userId);
    const now = this.clock.now();
    await this.reserveAddressAttempt(ip, now);
    const state = await this.counters.increment(failKey(userId), this.options.mfa.lockoutMs, now);
    if (state.count > this.options.mfa.maxAttempts) throw tooMany(state.resetAt - now);
    return state.count;
  }

  /** Counts a code attempt of the client address (`rateLimit.address`): 429 beyond it. */
  private async reserveAddressAttempt(ip: string | undefined, now: number): Promise<void> {
    if (ip === undefined || !this.options.rateLimit.enabled) return;
    const { max, windowMs } = this.options.rateLimit.address;
    const byAddress = await this.counters.increment(`mfa:addr:${ip}`, windowMs, now);
    if (byAddress.count > max) throw tooMany(byAddress.resetAt - now);
  }

  /** A wrong code: the one that reaches `mfa.maxAttempts` locks and kills (see {@link countedAttempt}); resolves whether it locked. */
  private async recordFailure(userId: string, attempt: number, pending: PendingMfaLogin | undefined): Promise<boolean> {
    if (attempt < this.options.mfa.maxAttempts) return false;
    const now = this.clock.now();
    const strikes = await this.counters.increment(`mfa:strikes:${userId}`, DAY_MS, now);
    const lockMs = Math.min(
      this.options.mfa.lockoutMs * 2 ** Math.min(strikes.count - 1, 20),
      Math.max(DAY_MS, this.options.mfa.lockoutMs),
    );
    await this.counters.increment(lockKey(userId), lockMs, now);
    // The attempt count is NOT reset here: requests already past the lock check must still find it
    // over the cap. It expires with its window (mfa.lockout from the first wrong code), which ends no
    // later than the lock, so counting starts afresh once the lock is over.
    if (pending !== undefined) {
      await this.challenges.finishPending(pending.pendingId, pending.expiresAt * 1000);
      await this.challenges.deleteCode(userId);
    }
    return true;
  }

  private async assertSendAllowed(userId: string, ip: string | undefined): Promise<void> {
    const { perUser, perAddress } = this.options.mfa.sendLimit;
    const now = this.clock.now();
    // Counted before sending (atomic increments), so parallel sends cannot overshoot the limits.
    const [byUser, byAddress] = await Promise.all([
      this.counters.increment(`mfa:send:user:${userId}`, perUser.windowMs, now),
      ip === undefined ? undefined : this.counters.increment(`mfa:send:addr:${ip}`, perAddress.windowMs, now),
    ]);
    if (byUser.count > perUser.max) throw tooMany(byUser.resetAt - now);
    if (byAddress && byAddress.count > perAddress.max) throw tooMany(byAddress.resetAt - now);
  }
}

const DAY_MS = 86_400_000;

function failKey(userId: string): string {
  return `mfa:fail:${userId}`;
}

function lockKey(userId: string): string {
  return `mfa:lock:${userId}`;
}
