/** Options every Redis store accepts. */
export interface RedisStoreOptions {
  /**
   * Prepended to every key the store reads or writes, so that several apps or environments can share
   * one Redis (stores with different prefixes never see each other's data). End it with a separator.
   * A `keyPrefix` of the ioredis client itself comes first (`<client prefix><this prefix>…`).
   * @default 'gk:'
   */
  keyPrefix?: string;
}

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions extends RedisStoreOptions {
  /**
   * How long a session stays in Redis after it ended (idle or absolute expiry, or revocation) before
   * its keys expire. Matches the session janitor's retention: until then a reused token of an ended
   * session is recognised as belonging to it. Also the shortest TTL a session key gets, and how long
   * a revocation stays in the revocation index (`<p>revocations`) that instances read to catch up:
   * keep it at least `jwt.maxAccessTokenTtl` plus the clock tolerance.
   * @default 86_400_000 (24 hours)
   */
  retentionMs?: number;
}

/** Options of {@link RedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions extends RedisStoreOptions {
  /**
   * How long a counter's key outlives its window (covers clock differences between instances; the
   * window itself is decided by the stored `resetAt`, never by the key's TTL).
   * @default 60_000
   */
  expirySlackMs?: number;
}

/** Options of {@link RedisMfaStore}. */
export interface RedisMfaStoreOptions extends RedisStoreOptions {
  /**
   * TTL of a one-time code's key. `putCode` receives no current time, so the key's TTL cannot be
   * derived from the code's `expiresAt`; it must be at least `mfa.codeTtl` (at most 10 minutes).
   * Whether a code has expired is still decided by its `expiresAt`.
   * @default 1_800_000 (30 minutes)
   */
  codeTtlMs?: number;
  /**
   * The least TTL of a finished-pending-login mark (and of the other single-use marks: a used passkey
   * challenge, a social sign-in's state, exchange code or native ID token). A mark lives this long,
   * or until the expiry of what it guards when that is later: a mark never vanishes before the
   * thing it makes single-use. Keep it above the clock difference between instances.
   * @default 3_600_000 (1 hour)
   */
  pendingTtlMs?: number;
  /**
   * TTL of a user's TOTP state and recovery codes, renewed by every operation on them (reads
   * included). A user who does nothing with MFA for this long loses the enrolment (and cannot pass
   * TOTP until re-enrolled: it fails closed). Prefer a SQL store as `mfaEnrolmentStore`, with
   * this one as `mfaChallengeStore` only.
   * @default 34_560_000_000 (400 days)
   */
  enrolmentTtlMs?: number;
  /**
   * How long a trusted device's key outlives its `expiresAt` (clock differences between instances).
   * @default 60_000
   */
  expirySlackMs?: number;
}

/** Options of {@link RedisAccountTokenStore}. */
export interface RedisAccountTokenStoreOptions extends RedisStoreOptions {
  /**
   * How long a token's keys outlive its `expiresAt`, measured on this process's clock: covers clock
   * differences between instances and an app clock that runs ahead of the real time (tests). Whether
   * a token has expired is still decided by its `expiresAt` and the `now` passed, never by the TTL.
   * @default 60_000
   */
  expirySlackMs?: number;
}

/** Options of {@link RedisActivityStore}. */
export interface RedisActivityStoreOptions extends RedisStoreOptions {
  /** Entries kept per account (the oldest go first). @default 50 */
  maxPerUser?: number;
  /**
   * How long an account's entries stay after its last write (the key's TTL). Keep it at least
   * `activity.retention`, which the janitor applies entry by entry. @default 7_776_000_000 (90 days)
   */
  retentionMs?: number;
}
