/**
 * A login session: one refresh-token family. Times are epoch milliseconds.
 * Refresh tokens are never stored: only their SHA-256 hashes (base64url).
 */
export interface StoredSession {
  id: string;
  userId: string;
  /** Hash of the refresh token that is valid now. */
  refreshTokenHash: string;
  /** Hash of the token this one replaced (for the reuse grace window), or `null`. */
  previousTokenHash: string | null;
  /**
   * The successor pair issued when `previousTokenHash` was rotated, encrypted under a key derived
   * from that previous token (so only a holder of it can read it), or `null`.
   */
  previousSuccessor: string | null;
  /** When `previousTokenHash` was rotated out, or `null`. */
  rotatedAt: number | null;
  createdAt: number;
  lastUsedAt: number;
  /** Idle expiry: moves forward at every refresh, never past `absoluteExpiresAt`. */
  expiresAt: number;
  /** Absolute expiry: fixed at login. */
  absoluteExpiresAt: number;
  /** When the session was revoked, or `null`. */
  revokedAt: number | null;
  userAgent: string | null;
  ip: string | null;
}

/** The fields {@link SessionStore.rotate} writes. */
export interface SessionRotation {
  /** Hash of the new current refresh token. */
  refreshTokenHash: string;
  /** The encrypted successor pair for the grace window (see {@link StoredSession.previousSuccessor}). */
  previousSuccessor: string;
  rotatedAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

/**
 * Where sessions (refresh-token families) live. The default is {@link MemorySessionStore}.
 * Implementations must pass the session-store contract suite (`test/contracts/`).
 */
export interface SessionStore {
  /** Stores a new session. */
  create(session: StoredSession): Promise<void>;
  /** The session with this id (revoked and expired ones included), or `null`. */
  findById(id: string): Promise<StoredSession | null>;
  /**
   * Rotates the session's refresh token, atomically: succeeds only when the session is not revoked
   * and its current hash equals `expectedHash`; then `expectedHash` becomes `previousTokenHash` and
   * the fields of `rotation` are written. Nothing else is kept: no history of rotated hashes (older
   * generations are recognised by the token's MAC), so a session's size does not grow with rotations.
   * Guarantee: of any number of concurrent calls with the same `expectedHash`, exactly one resolves
   * `true`; the others resolve `false` and change nothing.
   */
  rotate(id: string, expectedHash: string, rotation: SessionRotation): Promise<boolean>;
  /** The user's sessions that are neither revoked nor expired at `now`, newest first. */
  listActiveByUser(userId: string, now: number): Promise<StoredSession[]>;
  /** Revokes one session. Resolves `true` when it existed and was not yet revoked. Idempotent. */
  revoke(id: string, at: number): Promise<boolean>;
  /**
   * Revokes every non-revoked session of the user except `exceptId`; resolves how many were revoked.
   */
  revokeAllForUser(userId: string, at: number, exceptId?: string): Promise<number>;
  /** Deletes sessions that expired (or were revoked) before `before`; resolves how many. */
  deleteExpired(before: number): Promise<number>;
}
