import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { sha256 } from '../crypto/secrets.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { RATE_LIMIT_STORE, type CounterState, type RateLimitStore } from '../stores/rate-limit.store.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';

/** One password check about to happen. */
export interface LoginAttempt {
  /**
   * What the client named the account by, normalised (the typed username or e-mail). Re-checks of a
   * signed-in user's password pass a value of their own (see {@link LoginRateLimiter.forUser}).
   */
  identifier: string;
  /** The account the identifier names, when it exists. */
  userId?: string;
  /** The client address (`undefined` outside HTTP: one shared bucket). */
  address?: string;
  /**
   * Whether the client proves itself for this account otherwise than by its address (a valid trust
   * token of the user). Asked only while the account-wide ceiling is reached.
   */
  provesAccount?: () => Promise<boolean>;
}

/** The outcome of {@link LoginRateLimiter.begin}: check the password, or refuse it unchecked. */
export interface LoginTicket {
  /**
   * `false`: the attempt must be answered exactly like a wrong password (same work, same 401) without
   * checking it. This is the answer of a lock the client cannot see through the identifier it typed
   * (one set through another identifier of the same account, or the account-wide ceiling), so the
   * answer reveals neither whether the account exists nor which identifiers belong together.
   */
  readonly check: boolean;
  /** @internal the counters this attempt reserved. */
  readonly keys: LoginKeys | null;
  /** @internal the windows (`resetAt`) of its reservations on the ceiling and the address. */
  readonly windows?: { readonly ceiling: number; readonly address: number };
}

interface LoginKeys {
  identifier: string;
  account: string;
  ceiling: string;
  address: string;
  proven: string;
}

const UNCHECKED: LoginTicket = Object.freeze({ check: true, keys: null });
const DENIED: LoginTicket = Object.freeze({ check: false, keys: null });

/**
 * Brute-force protection for password checks, after OWASP's authentication guidance: a tight limit
 * per (account, client address), a much higher account-wide ceiling against distributed guessing,
 * and clients that prove themselves pass the ceiling — so nobody can lock an owner out from afar.
 *
 * Counters (in the {@link RateLimitStore}; identifiers enter keys only as SHA-256 digests):
 * - **identifier × address** (`rateLimit.account`): after `maxFailures` failures a lock of `lockout`,
 *   doubling with each further failure up to `maxLockout`, answered 429 with `Retry-After`. Keyed by
 *   the identifier the client typed, whether or not the account exists, so `{username: N}` and
 *   `{email: N}` share it and the answer is the same for real and unknown accounts.
 * - **account × address**: the same schedule, keyed by the account (its user id), so a guesser gets
 *   no more checks by alternating the username and the e-mail. A lock seen only here is answered like
 *   a wrong password (401 after the same work, password unchecked): a 429 would link the identifiers.
 * - **account** (`rateLimit.ceiling`): failures from every address; at `max` within `window`, clients
 *   that do not prove themselves are answered like a wrong password until the window ends. A client
 *   proves itself with a valid trust token of the user, or by calling from an address where the
 *   account signed in successfully within `rateLimit.provenFor`.
 * - **address** (`rateLimit.address`): failures of all accounts from one address; 429 beyond `max`.
 *
 * Each attempt is reserved on every counter BEFORE its password is checked (atomic increments):
 * of concurrent attempts only those within each cap are checked, even spread over instances sharing
 * the store. A success clears the identifier and account counters and releases its reservation on
 * the ceiling and the address (decrement), so successful logins never count against an office behind
 * one address. Locked attempts are refused before any reservation.
 */
@Injectable()
export class LoginRateLimiter {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  /** The attempt of a signed-in user re-entering their password (password change, MFA disable). */
  static forUser(userId: string, address: string | undefined): LoginAttempt {
    // A live session already proves the client: the account-wide ceiling does not bind it.
    return { identifier: `\u0000user:${userId}`, userId, address, provesAccount: () => Promise.resolve(true) };
  }

  /**
   * Throws 429 (`Retry-After`) when the identifier at this address, or the address itself, is
   * locked; resolves `{ check: false }` for a lock the client must not see (see {@link LoginTicket});
   * else reserves the attempt on every counter and resolves `{ check: true }`. Settle the ticket with
   * {@link settle} once the password was checked.
   */
  async begin(attempt: LoginAttempt): Promise<LoginTicket> {
    const { enabled, account, ceiling, address: perAddress } = this.options.rateLimit;
    if (!enabled) return UNCHECKED;
    const now = this.clock.now();
    const keys = loginKeys(attempt);
    const [ident, acct, ceil, byAddress] = await Promise.all([
      this.store.peek(keys.identifier, now),
      this.store.peek(keys.account, now),
      this.store.peek(keys.ceiling, now),
      this.store.peek(keys.address, now),
    ]);
    if (byAddress.count >= perAddress.max) throw tooMany(byAddress.resetAt - now);
    const identUntil = this.lockedUntil(ident);
    if (now < identUntil) throw tooMany(identUntil - now);
    // The ceiling binds only clients that cannot prove themselves for the account (asked once, only
    // while the ceiling is reached: the same work for known and unknown accounts).
    let proof: Promise<boolean> | undefined;
    const proves = (): Promise<boolean> => (proof ??= this.proves(keys, attempt, now));
    if (now < this.lockedUntil(acct) || (ceil.count >= ceiling.max && !(await proves()))) {
      // Answered like a failure, so it counts as one: on the address (silent refusals cost a dummy
      // hash each, and must not come in unlimited numbers) and on the identifier typed (so that its
      // visible lock comes exactly as it would for an identifier of another account: no link).
      const [identNow, addressNow] = await Promise.all([
        this.store.increment(keys.identifier, account.windowMs, now),
        this.store.increment(keys.address, perAddress.windowMs, now),
      ]);
      if (addressNow.count > perAddress.max) throw tooMany(addressNow.resetAt - now);
      if (this.beyondCap(identNow, ident)) throw tooMany(Math.max(this.lockedUntil(identNow), now + 1000) - now);
      return DENIED;
    }

    const [identNow, acctNow, ceilNow, addressNow] = await Promise.all([
      this.store.increment(keys.identifier, account.windowMs, now),
      this.store.increment(keys.account, account.windowMs, now),
      this.store.increment(keys.ceiling, ceiling.windowMs, now),
      this.store.increment(keys.address, perAddress.windowMs, now),
    ]);
    // Below a cap, attempts up to the cap are checked; at or above it (a lock that just ended),
    // exactly one more. Concurrent attempts beyond that are refused unchecked (and stay counted).
    if (addressNow.count > perAddress.max) throw tooMany(addressNow.resetAt - now);
    if (this.beyondCap(identNow, ident)) throw tooMany(Math.max(this.lockedUntil(identNow), now + 1000) - now);
    if (this.beyondCap(acctNow, acct)) return DENIED;
    if (ceilNow.count > ceiling.max && !(await proves())) return DENIED;
    return { check: true, keys, windows: { ceiling: ceilNow.resetAt, address: addressNow.resetAt } };
  }

  /** Whether the client proves itself for the account: an address with a recent success, or a trust token. */
  private async proves(keys: LoginKeys, attempt: LoginAttempt, now: number): Promise<boolean> {
    if ((await this.store.peek(keys.proven, now)).count > 0) return true;
    return (await attempt.provesAccount?.()) === true;
  }

  /**
   * Ends a checked attempt. A failure stays counted (it was reserved at {@link begin}). A success
   * clears the identifier and account counters, releases its reservation on the ceiling and the
   * address, and marks the address as proven for the account.
   */
  async settle(ticket: LoginTicket, success: boolean): Promise<void> {
    const keys = ticket.keys;
    if (keys === null || !success) return;
    const now = this.clock.now();
    await Promise.all([
      this.store.reset(keys.identifier),
      this.store.reset(keys.account),
      this.store.decrement(keys.ceiling, now, ticket.windows?.ceiling),
      this.store.decrement(keys.address, now, ticket.windows?.address),
      this.renewProven(keys.proven, now),
    ]);
  }

  /** Marks the address as proven for `provenFor` from this success (a fresh window, not the first one's). */
  private async renewProven(key: string, now: number): Promise<void> {
    await this.store.reset(key);
    await this.store.increment(key, this.options.rateLimit.provenForMs, now);
  }

  /**
   * Reserves one sign-up for the client address (before its password is hashed); 429 with
   * `Retry-After` beyond `registration.rateLimit`. Every sign-up counts, refused ones included.
   */
  async reserveRegistration(address: string | undefined): Promise<void> {
    if (!this.options.rateLimit.enabled) return;
    const { max, windowMs } = this.options.registration.rateLimit;
    const now = this.clock.now();
    const state = await this.store.increment(`register:addr:${address ?? '-'}`, windowMs, now);
    if (state.count > max) throw tooMany(state.resetAt - now);
  }

  /** When the counter's lock ends (0: not locked). */
  private lockedUntil(state: CounterState): number {
    const { maxFailures, lockoutMs, maxLockoutMs } = this.options.rateLimit.account;
    if (state.count < maxFailures) return 0;
    const doublings = Math.min(state.count - maxFailures, 30);
    return state.lastAt + Math.min(lockoutMs * 2 ** doublings, maxLockoutMs);
  }

  /** Whether a reservation overshot the cap (a concurrent burst), given the state seen before it. */
  private beyondCap(reserved: CounterState, before: CounterState): boolean {
    return reserved.count > Math.max(this.options.rateLimit.account.maxFailures, before.count + 1);
  }
}

/** The counter keys of an attempt; identifiers and unknown accounts only as digests. */
function loginKeys(attempt: LoginAttempt): LoginKeys {
  const address = attempt.address ?? '-';
  const identifier = sha256(attempt.identifier).slice(0, 27);
  // An unknown account is named by its identifier's digest (in its own namespace, so the account
  // counter is a separate key with the same history: every attempt costs the same store work).
  const account = attempt.userId === undefined ? `~${identifier}` : `id:${attempt.userId}`;
  return {
    identifier: `login:ident:${identifier}|${address}`,
    account: `login:acct:${account}|${address}`,
    ceiling: `login:ceiling:${account}`,
    address: `login:addr:${address}`,
    proven: `login:ok:${account}|${address}`,
  };
}

function tooMany(ms: number): AuthException {
  return new AuthException('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) });
}
