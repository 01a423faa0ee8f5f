import type { IdentityStore, StoredIdentity } from '../identity.store.js';

/**
 * An {@link IdentityStore} in this process's memory (tests, development, one instance): links are
 * lost at restart. Every method completes synchronously inside its call, so `link` is trivially
 * atomic. Returned records are copies.
 */
export class MemoryIdentityStore implements IdentityStore {
  /** Identities by provider and subject, in the order they were linked. */
  private readonly byKey = new Map<string, StoredIdentity>();

  link(identity: StoredIdentity): Promise<'linked' | 'taken'> {
    const k = key(identity.provider, identity.subject);
    if (this.byKey.has(k)) return Promise.resolve('taken');
    this.byKey.set(k, { ...identity });
    return Promise.resolve('linked');
  }

  find(provider: string, subject: string): Promise<StoredIdentity | null> {
    const identity = this.byKey.get(key(provider, subject));
    return Promise.resolve(identity === undefined ? null : { ...identity });
  }

  listByUser(userId: string): Promise<StoredIdentity[]> {
    return Promise.resolve([...this.byKey.values()].filter((i) => i.userId === userId).map((i) => ({ ...i })));
  }

  recordUse(provider: string, subject: string, email: string | null, emailVerified: boolean, now: number): Promise<boolean> {
    const identity = this.byKey.get(key(provider, subject));
    if (identity === undefined) return Promise.resolve(false);
    Object.assign(identity, { email, emailVerified, lastUsedAt: now });
    return Promise.resolve(true);
  }

  unlink(userId: string, provider: string, subject: string): Promise<boolean> {
    const k = key(provider, subject);
    if (this.byKey.get(k)?.userId !== userId) return Promise.resolve(false);
    this.byKey.delete(k);
    return Promise.resolve(true);
  }

  deleteForUser(userId: string): Promise<void> {
    for (const [k, identity] of this.byKey) if (identity.userId === userId) this.byKey.delete(k);
    return Promise.resolve();
  }
}

/** One key per (provider, subject); the NUL cannot occur in either (the module refuses it). */
function key(provider: string, subject: string): string {
  return `${provider}\0${subject}`;
}
