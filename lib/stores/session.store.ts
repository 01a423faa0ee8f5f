import { Inject } from '@nestjs/common';
import { assertImplements, type MethodList } from './assert-implements.js';

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

/** A session revocation, as the revocation feed sees it. */
export interface SessionRevocation {
  /** The revoked session's id. */
  id: string;
  /** When it was revoked (epoch milliseconds, the revoking instance's clock). */
  revokedAt: number;
}

/** What {@link SessionStore.watchRevocations} calls. */
export interface RevocationWatcher {
  /** Sessions just revoked (through any store instance sharing the backend), one or more per call. */
  revoked(revocations: readonly SessionRevocation[]): void;
  /**
   * The watch may have missed revocations (it reconnected): the caller re-reads the recent ones with
   * {@link SessionStore.listRevokedSince}.
   */
  resync(): void;
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

  /**
   * Optional (the revocation feed): sessions revoked at or after `since` (by their `revokedAt`),
   * ordered by `revokedAt` ascending, at most `limit`. Must be cheap for a recent `since` (an index
   * on `revoked_at`, a sorted set): instances call it every `revocation.pollInterval` when the store
   * has no {@link watchRevocations}, and at start-up for the last access-token lifetime. Revocations
   * must stay listable for at least `jwt.maxAccessTokenTtl` (+ clock tolerance) after they happen.
   *
   * Without this method and {@link watchRevocations}, a revoked session's access tokens keep opening
   * host routes until they expire (unless `sessionCheck` is on).
   */
  listRevokedSince?(since: number, limit: number): Promise<SessionRevocation[]>;

  /**
   * Optional (the revocation feed): calls `watcher.revoked` for every revocation made through any
   * store instance sharing this backend (in this process at once, elsewhere within about a second),
   * until the returned function is called. Best effort: when it may have missed some (a
   * reconnection) it calls `watcher.resync()`. A store offering it must offer
   * {@link listRevokedSince} too.
   */
  watchRevocations?(watcher: RevocationWatcher): Promise<() => Promise<void>>;
}

/** The required methods of {@link SessionStore}; the compiler keeps this list equal to the interface. */
const SESSION_STORE_METHODS = {
  create: 1,
  findById: 1,
  rotate: 1,
  listActiveByUser: 1,
  revoke: 1,
  revokeAllForUser: 1,
  deleteExpired: 1,
} satisfies MethodList<SessionStore>;

/** Checks at start-up that `store` has every required {@link SessionStore} method (one `AuthConfigError` otherwise). */
export function assertSessionStore(store: unknown): SessionStore {
  return assertImplements<SessionStore>('sessionStore', 'SessionStore', store, SESSION_STORE_METHODS);
}
/** Injection token of the {@link SessionStore} (option `sessionStore`). */
export const SESSION_STORE = Symbol('nest-gatekeeper:SessionStore');

/** Injects the configured {@link SessionStore}. */
export const InjectSessionStore = (): PropertyDecorator & ParameterDecorator => Inject(SESSION_STORE);
