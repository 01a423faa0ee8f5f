import type { RevocationWatcher, SessionRevocation, SessionRotation, SessionStore, StoredSession } from '../session.store.js';
import { isSessionLive } from '../../sessions/session-liveness.js';

/**
 * The default {@link SessionStore}: sessions in this process's memory. Correct for one instance;
 * use a shared store (SQL, Redis) when several instances serve the same users.
 * Every operation completes synchronously inside one call, so rotation is atomic. Revocations reach
 * {@link watchRevocations} watchers synchronously, inside `revoke` / `revokeAllForUser`.
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly watchers = new Set<RevocationWatcher>();

  create(session: StoredSession): Promise<void> {
    this.sessions.set(session.id, { ...session });
    let ids = this.byUser.get(session.userId);
    if (!ids) this.byUser.set(session.userId, (ids = new Set()));
    ids.add(session.id);
    return Promise.resolve();
  }

  findById(id: string): Promise<StoredSession | null> {
    const session = this.sessions.get(id);
    return Promise.resolve(session ? { ...session } : null);
  }

  rotate(id: string, expectedHash: string, rotation: SessionRotation): Promise<boolean> {
    const session = this.sessions.get(id);
    if (!session || session.revokedAt !== null || session.refreshTokenHash !== expectedHash) {
      return Promise.resolve(false);
    }
    session.previousTokenHash = expectedHash;
    session.refreshTokenHash = rotation.refreshTokenHash;
    session.previousSuccessor = rotation.previousSuccessor;
    session.rotatedAt = rotation.rotatedAt;
    session.lastUsedAt = rotation.lastUsedAt;
    session.expiresAt = rotation.expiresAt;
    return Promise.resolve(true);
  }

  listActiveByUser(userId: string, now: number): Promise<StoredSession[]> {
    const result: StoredSession[] = [];
    for (const id of this.byUser.get(userId) ?? []) {
      const s = this.sessions.get(id);
      if (isSessionLive(s, now)) result.push({ ...s });
    }
    return Promise.resolve(result.sort((a, b) => b.createdAt - a.createdAt));
  }

  revoke(id: string, at: number): Promise<boolean> {
    const session = this.sessions.get(id);
    if (!session || session.revokedAt !== null) return Promise.resolve(false);
    session.revokedAt = at;
    this.notify([{ id, revokedAt: at }]);
    return Promise.resolve(true);
  }

  revokeAllForUser(userId: string, at: number, exceptId?: string): Promise<number> {
    const revoked: SessionRevocation[] = [];
    for (const id of this.byUser.get(userId) ?? []) {
      const s = this.sessions.get(id);
      if (s && id !== exceptId && s.revokedAt === null) {
        s.revokedAt = at;
        revoked.push({ id, revokedAt: at });
      }
    }
    if (revoked.length > 0) this.notify(revoked);
    return Promise.resolve(revoked.length);
  }

  /** Sessions revoked at or after `since`, oldest first (a scan: this store is for one process). */
  listRevokedSince(since: number, limit: number): Promise<SessionRevocation[]> {
    const found: SessionRevocation[] = [];
    for (const s of this.sessions.values()) {
      if (s.revokedAt !== null && s.revokedAt >= since) found.push({ id: s.id, revokedAt: s.revokedAt });
    }
    found.sort((a, b) => a.revokedAt - b.revokedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return Promise.resolve(found.slice(0, limit));
  }

  /** Calls `watcher.revoked` synchronously for every revocation of this store, until unsubscribed. */
  watchRevocations(watcher: RevocationWatcher): Promise<() => Promise<void>> {
    this.watchers.add(watcher);
    return Promise.resolve(() => {
      this.watchers.delete(watcher);
      return Promise.resolve();
    });
  }

  private notify(revocations: readonly SessionRevocation[]): void {
    for (const watcher of this.watchers) watcher.revoked(revocations);
  }

  deleteExpired(before: number): Promise<number> {
    let count = 0;
    for (const [id, s] of this.sessions) {
      const endedAt = Math.min(s.expiresAt, s.absoluteExpiresAt, s.revokedAt ?? Infinity);
      if (endedAt < before) {
        this.sessions.delete(id);
        this.byUser.get(s.userId)?.delete(id);
        count++;
      }
    }
    return Promise.resolve(count);
  }
}
