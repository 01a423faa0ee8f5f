import type { SessionRotation, SessionStore, StoredSession } from '../session.store.js';

/**
 * The default {@link SessionStore}: sessions in this process's memory. Correct for one instance;
 * use a shared store (SQL, Redis) when several instances serve the same users.
 * Every operation completes synchronously inside one call, so rotation is atomic.
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly byUser = new Map<string, Set<string>>();

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
      if (s && s.revokedAt === null && s.expiresAt > now && s.absoluteExpiresAt > now) result.push({ ...s });
    }
    return Promise.resolve(result.sort((a, b) => b.createdAt - a.createdAt));
  }

  revoke(id: string, at: number): Promise<boolean> {
    const session = this.sessions.get(id);
    if (!session || session.revokedAt !== null) return Promise.resolve(false);
    session.revokedAt = at;
    return Promise.resolve(true);
  }

  revokeAllForUser(userId: string, at: number, exceptId?: string): Promise<number> {
    let count = 0;
    for (const id of this.byUser.get(userId) ?? []) {
      const s = this.sessions.get(id);
      if (s && id !== exceptId && s.revokedAt === null) {
        s.revokedAt = at;
        count++;
      }
    }
    return Promise.resolve(count);
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
