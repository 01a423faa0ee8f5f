import type { StoredSession } from '../stores/session.store.js';

/** What an instance remembers of a session it started, read or rotated. */
export interface KnownSession {
  /** Never changes for a session id. */
  readonly userId: string;
  /** Never changes for a session id. */
  readonly absoluteExpiresAt: number;
  /**
   * The idle expiry this instance last saw or wrote. A rotation only ever moves it later (up to the
   * clock skew between instances), so the stored one is at least this.
   */
  readonly expiresAt: number;
}

/** How many sessions an instance remembers (about 150 bytes each: ~1.5 MB at most). */
export const KNOWN_SESSIONS_MAX = 10_000;

/**
 * A bounded, per-instance memory of sessions (id → user, absolute expiry, last seen idle expiry),
 * which lets a refresh of a session this instance has seen skip the store read: the user is loaded
 * from the remembered id, the successor pair is issued, and the store's atomic `rotate` (current hash
 * and not revoked) is the only store call. Nothing in it is secret, and nothing in it can go stale
 * in a way that matters: the user and the absolute expiry never change, the idle expiry only moves
 * later, and whether the token is current and the session unrevoked is decided by `rotate` itself.
 * When `rotate` says no, the refresh goes the full way (read, grace window, reuse detection).
 *
 * Bounded at {@link KNOWN_SESSIONS_MAX} entries: the least recently used is forgotten first.
 */
export class KnownSessions {
  private readonly entries = new Map<string, KnownSession>();

  constructor(private readonly max = KNOWN_SESSIONS_MAX) {}

  /** The remembered session, if it may still be live at `now` (else `undefined`: read it). */
  live(id: string, now: number): KnownSession | undefined {
    const known = this.entries.get(id);
    return known !== undefined && known.expiresAt > now && known.absoluteExpiresAt > now ? known : undefined;
  }

  /** Remembers (or refreshes the memory of) a session, as the most recently used. */
  remember(session: Pick<StoredSession, 'id' | 'userId' | 'absoluteExpiresAt' | 'expiresAt'>): void {
    this.entries.delete(session.id);
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(session.id, { userId: session.userId, absoluteExpiresAt: session.absoluteExpiresAt, expiresAt: session.expiresAt });
  }

  /** Forgets a session (revoked, or its user can no longer refresh). */
  forget(id: string): void {
    this.entries.delete(id);
  }

  /** How many sessions are remembered. */
  get size(): number {
    return this.entries.size;
  }
}
