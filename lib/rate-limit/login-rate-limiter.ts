import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { RATE_LIMIT_STORE } from '../stores/store.tokens.js';
import type { CounterState, RateLimitStore } from '../stores/rate-limit.store.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';

/**
 * Brute-force protection for password checks. Per account: after `maxFailures` failures a lock of
 * `lockout`, doubling with each further failure up to `maxLockout`. Per client address: at most
 * `address.max` failures per window. A locked request is refused with 429 before the password is
 * looked at, so the right password gets the same answer as a wrong one.
 *
 * Each attempt is counted on its account BEFORE its password is checked (one atomic increment), and
 * a success clears the count, so only failures remain counted. Of concurrent attempts, only those
 * within the cap are checked: a burst of parallel guesses, even spread over several instances
 * sharing the store, cannot get more checks than a sequential attacker. Failures per address are
 * counted after the check (a success must not count against an office behind one address).
 */
@Injectable()
export class LoginRateLimiter {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Throws 429 when the address or the account is locked, else counts this attempt on the account
   * (before the password check; see the class comment). `accountKey` need not be a real user.
   */
  async assertAllowed(accountKey: string, address: string | undefined): Promise<void> {
    const { enabled, account, address: perAddress } = this.options.rateLimit;
    if (!enabled) return;
    const now = this.clock.now();
    const key = `login:acct:${accountKey}`;
    const [byAccount, byAddress] = await Promise.all([
      this.store.peek(key, now),
      address ? this.store.peek(`login:addr:${address}`, now) : undefined,
    ]);
    if (byAddress && byAddress.count >= perAddress.max) throw tooMany(byAddress.resetAt - now);
    const lockedUntil = (state: CounterState): number => {
      if (state.count < account.maxFailures) return 0;
      const doublings = Math.min(state.count - account.maxFailures, 30);
      return state.lastAt + Math.min(account.lockoutMs * 2 ** doublings, account.maxLockoutMs);
    };
    const until = lockedUntil(byAccount);
    if (now < until) throw tooMany(until - now);
    // Reserve the attempt. Below the cap, attempts up to the cap are checked; at or above it (a lock
    // that just ended), exactly one more. Concurrent attempts beyond that are refused unchecked.
    const reserved = await this.store.increment(key, account.windowMs, now);
    if (reserved.count > Math.max(account.maxFailures, byAccount.count + 1)) {
      throw tooMany(Math.max(lockedUntil(reserved), now + 1000) - now);
    }
  }

  /** Counts a failed password check against the address (the account counted it at {@link assertAllowed}). */
  async recordFailure(_accountKey: string, address: string | undefined): Promise<void> {
    const { enabled, address: perAddress } = this.options.rateLimit;
    if (!enabled || !address) return;
    await this.store.increment(`login:addr:${address}`, perAddress.windowMs, this.clock.now());
  }

  /** Clears the account's failures after a correct password. */
  async recordSuccess(accountKey: string): Promise<void> {
    if (this.options.rateLimit.enabled) await this.store.reset(`login:acct:${accountKey}`);
  }
}

function tooMany(ms: number): AuthException {
  return new AuthException('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) });
}
