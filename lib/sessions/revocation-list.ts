/**
 * The revoked session ids of the last `windowMs` (the longest an access token lives, plus the clock
 * tolerance), in memory: what {@link RevocationFeed} fills and `AccessTokenGuard` reads on every
 * request. Bounded:
 *
 * - Entries older than the window are pruned (every access token of such a session has expired).
 * - At most `maxEntries`. Beyond it the oldest entry is evicted, and the list stops vouching for the
 *   tokens that could belong to an evicted session: every token expiring before `evicted revokedAt +
 *   windowMs` is reported by {@link needsStoreCheck}, and the guard reads the store for those (fail
 *   safe, slower) until they have all expired.
 *
 * Lookups allocate nothing: one `Map.has`, one number comparison.
 */
export class RevocationList {
  /** Session id → revokedAt (epoch ms), in insertion order (roughly by revokedAt). */
  private readonly entries = new Map<string, number>();
  /** Access tokens expiring before this (epoch seconds) may belong to an evicted revocation. */
  private uncertainBeforeSeconds = Number.NEGATIVE_INFINITY;
  private evictions = 0;

  /**
   * @param windowMs how long a revocation matters: `jwt.maxAccessTokenTtl` + clock tolerance.
   * @param maxEntries the cap (see the class comment).
   */
  constructor(
    readonly windowMs: number,
    readonly maxEntries: number,
  ) {}

  /** Whether the session was revoked within the window (hot path: one `Map.has`). */
  has(sessionId: string): boolean {
    return this.entries.has(sessionId);
  }

  /**
   * Whether an access token expiring at `expiresAtSeconds` may belong to a revocation evicted at the
   * cap, so that only the store can tell (always `false` until the cap is first reached).
   */
  needsStoreCheck(expiresAtSeconds: number): boolean {
    return expiresAtSeconds < this.uncertainBeforeSeconds;
  }

  /** Records a revocation (the first `revokedAt` of a session wins). Returns whether it was new. */
  add(sessionId: string, revokedAt: number, now: number): boolean {
    if (revokedAt < now - this.windowMs || this.entries.has(sessionId)) return false;
    if (this.entries.size >= this.maxEntries) this.evictOldest();
    this.entries.set(sessionId, revokedAt);
    return true;
  }

  /**
   * Drops the entries that fell out of the window, from the oldest inserted on, stopping at the first
   * one still inside it (an entry inserted out of order stays a little longer; harmless). Returns how
   * many were dropped.
   */
  prune(now: number): number {
    const cutoff = now - this.windowMs;
    let dropped = 0;
    for (const [id, revokedAt] of this.entries) {
      if (revokedAt >= cutoff) break;
      this.entries.delete(id);
      dropped++;
    }
    if (this.uncertainBeforeSeconds * 1000 <= now) this.uncertainBeforeSeconds = Number.NEGATIVE_INFINITY;
    return dropped;
  }

  /** How many revocations are held. */
  get size(): number {
    return this.entries.size;
  }

  /** How many entries were evicted at the cap since start-up. */
  get evicted(): number {
    return this.evictions;
  }

  private evictOldest(): void {
    const oldest = this.entries.entries().next();
    if (oldest.done === true) return;
    const [id, revokedAt] = oldest.value;
    this.entries.delete(id);
    this.evictions++;
    this.uncertainBeforeSeconds = Math.max(this.uncertainBeforeSeconds, Math.ceil((revokedAt + this.windowMs) / 1000));
  }
}
