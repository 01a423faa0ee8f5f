import type { AccountTokenPurpose, AccountTokenStore, StoredAccountToken } from '../account-token.store.js';

/** Expired tokens are swept at most this often (by the `now` callers pass), to bound memory. */
const SWEEP_INTERVAL_MS = 60_000;
/** ... and at least every this many `put`s, measured against the latest `now` seen. */
const SWEEP_EVERY = 1000;

/**
 * An {@link AccountTokenStore} in this process's memory (tests, development, one instance). Every
 * method completes synchronously inside its call, so `consume` is trivially atomic: exactly one of
 * concurrent calls gets the record.
 *
 * Memory stays bounded: at most one token per user and purpose, an expired token met by a look-up
 * is dropped, and every expired token is swept at most a minute (of the `now` callers pass) or a
 * thousand `put`s after it expired. Returned records are copies.
 */
export class MemoryAccountTokenStore implements AccountTokenStore {
  /** Tokens by purpose and user. */
  private readonly byUser = new Map<string, StoredAccountToken>();
  /** The `byUser` key of each token, by purpose and hash. */
  private readonly byHash = new Map<string, string>();
  /** The latest time a caller passed in: what "expired" is measured against when sweeping on `put`. */
  private latestNow = 0;
  private nextSweep = 0;
  private putsSinceSweep = 0;

  /** Stores a copy of the token, replacing (and so invalidating) the user's earlier one of the purpose. */
  put(token: StoredAccountToken): Promise<void> {
    const userKey = key(token.purpose, token.userId);
    this.remove(userKey);
    this.byUser.set(userKey, { ...token });
    this.byHash.set(key(token.purpose, token.tokenHash), userKey);
    if (++this.putsSinceSweep >= SWEEP_EVERY) this.sweep(this.latestNow, true);
    return Promise.resolve();
  }

  /** The unexpired token with this hash (a copy), or `null`. */
  findByHash(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<StoredAccountToken | null> {
    this.sweep(now);
    const userKey = this.byHash.get(key(purpose, tokenHash));
    return Promise.resolve(userKey === undefined ? null : this.live(userKey, now));
  }

  /** The user's unexpired token of the purpose (a copy), or `null`. */
  findForUser(userId: string, purpose: AccountTokenPurpose, now: number): Promise<StoredAccountToken | null> {
    this.sweep(now);
    return Promise.resolve(this.live(key(purpose, userId), now));
  }

  /** Deletes and returns the unexpired token with this hash, synchronously: exactly one concurrent caller gets it. */
  consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<StoredAccountToken | null> {
    this.sweep(now);
    const userKey = this.byHash.get(key(purpose, tokenHash));
    const token = userKey === undefined ? null : this.live(userKey, now);
    if (userKey !== undefined && token) this.remove(userKey);
    return Promise.resolve(token);
  }

  /** Deletes the user's token of `purpose`, or all of the user's tokens. */
  deleteForUser(userId: string, purpose?: AccountTokenPurpose): Promise<void> {
    if (purpose !== undefined) this.remove(key(purpose, userId));
    else for (const [userKey, token] of this.byUser) if (token.userId === userId) this.remove(userKey);
    return Promise.resolve();
  }

  /** Deletes every token expired at `now`. */
  deleteExpired(now: number): Promise<void> {
    this.sweep(now, true);
    return Promise.resolve();
  }

  /** A copy of the token under `userKey` when it has not expired at `now`; an expired one is dropped. */
  private live(userKey: string, now: number): StoredAccountToken | null {
    this.latestNow = Math.max(this.latestNow, now);
    const token = this.byUser.get(userKey);
    if (!token) return null;
    if (token.expiresAt <= now) {
      this.remove(userKey);
      return null;
    }
    return { ...token };
  }

  private remove(userKey: string): void {
    const token = this.byUser.get(userKey);
    if (!token) return;
    this.byUser.delete(userKey);
    const hashKey = key(token.purpose, token.tokenHash);
    if (this.byHash.get(hashKey) === userKey) this.byHash.delete(hashKey);
  }

  private sweep(now: number, force = false): void {
    this.latestNow = Math.max(this.latestNow, now);
    if (!force && now < this.nextSweep) return;
    this.nextSweep = now + SWEEP_INTERVAL_MS;
    this.putsSinceSweep = 0;
    for (const [userKey, token] of this.byUser) if (token.expiresAt <= now) this.remove(userKey);
  }
}

/** A map key of a purpose and a user id or hash (the purposes contain no NUL). */
function key(purpose: AccountTokenPurpose, value: string): string {
  return `${purpose}\u0000${value}`;
}
