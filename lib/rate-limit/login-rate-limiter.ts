import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { RATE_LIMIT_STORE } from '../stores/store.tokens.js';
import type { RateLimitStore } from '../stores/rate-limit.store.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';

/**
 * Brute-force protection for password checks. Only failures count (an office behind one address can
 * still log in); a success clears the account's count. Per account: after `maxFailures` failures a
 * lock of `lockout`, doubling with each further failure up to `maxLockout`. Per client address: at
 * most `address.max` failures per window. A locked request is refused with 429 before the password
 * is looked at, so the right password gets the same answer as a wrong one.
 */
@Injectable()
export class LoginRateLimiter {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  /** Throws 429 when the address or the account is locked. `accountKey` need not be a real user. */
  async assertAllowed(accountKey: string, address: string | undefined): Promise<void> {
    const { enabled, account, address: perAddress } = this.options.rateLimit;
    if (!enabled) return;
    const now = this.clock.now();
    const [byAccount, byAddress] = await Promise.all([
      this.store.peek(`login:acct:${accountKey}`, now),
      address ? this.store.peek(`login:addr:${address}`, now) : undefined,
    ]);
    if (byAddress && byAddress.count >= perAddress.max) throw tooMany(byAddress.resetAt - now);
    if (byAccount.count >= account.maxFailures) {
      const doublings = Math.min(byAccount.count - account.maxFailures, 30);
      const lockMs = Math.min(account.lockoutMs * 2 ** doublings, account.maxLockoutMs);
      const until = byAccount.lastAt + lockMs;
      if (now < until) throw tooMany(until - now);
    }
  }

  /** Counts a failed password check against the account and the address. */
  async recordFailure(accountKey: string, address: string | undefined): Promise<void> {
    const { enabled, account, address: perAddress } = this.options.rateLimit;
    if (!enabled) return;
    const now = this.clock.now();
    await Promise.all([
      this.store.increment(`login:acct:${accountKey}`, account.windowMs, now),
      address ? this.store.increment(`login:addr:${address}`, perAddress.windowMs, now) : undefined,
    ]);
  }

  /** Clears the account's failures after a correct password. */
  async recordSuccess(accountKey: string): Promise<void> {
    if (this.options.rateLimit.enabled) await this.store.reset(`login:acct:${accountKey}`);
  }
}

function tooMany(ms: number): AuthException {
  return new AuthException('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) });
}
