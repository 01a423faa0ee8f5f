import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { AuthEvents, type EventContext } from '../events/auth-events.js';
import { BREACHED_PASSWORD_CHECKER, type BreachedPasswordChecker } from './breached-passwords.js';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { BoundedPasswordHasher, PasswordHashingBusyError, type HashPermit } from '../crypto/bounded-password-hasher.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { LoginRateLimiter } from '../rate-limit/login-rate-limiter.js';
import type { AuthUser } from '../stores/user.store.js';

/** How long a breached-password checker may take when `storeTimeout` is off (then accepted). */
const CHECKER_TIMEOUT_MS = 5_000;

/** The password behind the dummy hash that unknown users' logins are verified against. */
const DUMMY_PASSWORD = 'nest-gatekeeper dummy password for unknown users';

/**
 * The password rules every use case shares: the length bound checked before any hashing, the policy
 * of a new password, a place in the hashing bound (503 `AUTH_BUSY`), the rate-limited re-check of a
 * signed-in user's password, and the dummy hash that unknown accounts are verified against.
 */
@Injectable()
export class PasswordChecks implements OnModuleInit {
  private dummyHash: Promise<string> | undefined;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(BoundedPasswordHasher) readonly hasher: BoundedPasswordHasher,
    private readonly limiter: LoginRateLimiter,
    private readonly events: AuthEvents,
    @Optional() @Inject(BREACHED_PASSWORD_CHECKER) private readonly breached: BreachedPasswordChecker | null = null,
  ) {}

  /** Computes the dummy hash at start-up, so the first unknown-user login costs no more than later ones. */
  onModuleInit(): void {
    void this.getDummyHash().catch(() => undefined);
  }

  /**
   * A place for one password hashing, or 503 `AUTH_BUSY` with `Retry-After` when
   * `passwordHashing.concurrency + queue` places are taken. Called before any store is read, so a
   * refusal costs next to nothing and says nothing about the account.
   */
  reserve(): HashPermit {
    try {
      return this.hasher.reserve();
    } catch (error) {
      if (error instanceof PasswordHashingBusyError) throw new AuthException('AUTH_BUSY', { retryAfterSeconds: error.retryAfterSeconds });
      throw error;
    }
  }

  /** Long inputs are refused before any hashing (argon2 cost must not be attacker-chosen). */
  assertLength(password: string, field = 'password'): void {
    const { maxLength } = this.options.password;
    if (password.length > maxLength || Buffer.byteLength(password, 'utf8') > maxLength * 4) {
      throw new AuthException('VALIDATION_FAILED', { errors: [{ field, message: `must be at most ${maxLength} characters` }] });
    }
  }

  /** The policy of a new password (`password.minLength` to `maxLength`): 400 on `field` otherwise. */
  assertPolicy(password: string, field: string): void {
    const { minLength, maxLength } = this.options.password;
    if (password.length < minLength || password.length > maxLength || Buffer.byteLength(password, 'utf8') > maxLength * 4) {
      throw new AuthException('VALIDATION_FAILED', { errors: [{ field, message: `must be ${minLength} to ${maxLength} characters` }] });
    }
  }

  /**
   * With `password.breachedPasswords`: 400 `VALIDATION_FAILED` on `field` when the new password is
   * known to be breached (`password.breached`). When the checker cannot answer, or has not within
   * `storeTimeout`, the password is accepted (`password.breach_check_unavailable`): an outage never
   * blocks a sign-up or a reset. Given the caller's place in the hashing bound, it gives the place
   * back while it waits on the checker and resolves a new one (503 `AUTH_BUSY` when none is left), so
   * a slow breach service cannot take the places logins need.
   */
  async assertNotBreached(password: string, field: string, userId: string | null, context: EventContext): Promise<undefined>;
  async assertNotBreached(
    password: string,
    field: string,
    userId: string | null,
    context: EventContext,
    permit: HashPermit,
  ): Promise<HashPermit>;
  async assertNotBreached(
    password: string,
    field: string,
    userId: string | null,
    context: EventContext,
    permit?: HashPermit,
  ): Promise<HashPermit | undefined> {
    const checker = this.breached;
    if (checker === null) return permit;
    permit?.release();
    const verdict = await this.askChecker(checker, password);
    if (verdict === 'unavailable') this.events.emit('password.breach_check_unavailable', { userId, context });
    if (verdict !== 'breached') return permit === undefined ? undefined : this.reserve();
    this.events.emit('password.breached', { userId, context });
    throw new AuthException('VALIDATION_FAILED', {
      errors: [{ field, message: 'appears in a known data breach: choose another password' }],
    });
  }

  /** The checker's answer within `storeTimeout`: only an explicit `true` counts as breached. */
  private async askChecker(checker: BreachedPasswordChecker, password: string): Promise<'breached' | 'clean' | 'unavailable'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'unavailable'>((resolve) => {
      timer = setTimeout(() => resolve('unavailable'), this.options.storeTimeoutMs ?? CHECKER_TIMEOUT_MS);
    });
    try {
      const answer = checker.isBreached(password).then(
        (breached): 'breached' | 'clean' => (breached === true ? 'breached' : 'clean'),
        (): 'unavailable' => 'unavailable',
      );
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Re-checks the password of a signed-in user (rate-limited like login): 401 `INVALID_CREDENTIALS` when wrong. */
  async checkPassword(user: AuthUser, password: string, ip: string | undefined, permit: HashPermit, detail?: string): Promise<void> {
    const ticket = await this.limiter.begin(LoginRateLimiter.forUser(user.id, ip));
    if (!ticket.check || !(await this.hasher.verify(user.passwordHash, password, permit))) {
      await this.limiter.settle(ticket, false);
      throw new AuthException('INVALID_CREDENTIALS', detail === undefined ? {} : { detail });
    }
    await this.limiter.settle(ticket, true);
  }

  /** The dummy hash (computed once; on `permit`'s place when the start-up one is not there yet). */
  getDummyHash(permit?: HashPermit): Promise<string> {
    this.dummyHash ??= this.hasher.hash(DUMMY_PASSWORD, permit).catch((error: unknown) => {
      this.dummyHash = undefined; // computed again by the next caller (e.g. after a refusal at start-up)
      throw error;
    });
    return this.dummyHash;
  }
}
