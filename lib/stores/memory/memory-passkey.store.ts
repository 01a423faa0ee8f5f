import type { PasskeyStore, StoredPasskey } from '../passkey.store.js';

/**
 * A {@link PasskeyStore} in this process's memory (tests, development, one instance): passkeys are
 * lost at restart, and so is the way their users signed in with them. Every method completes
 * synchronously inside its call, so `add` and `recordUse` are trivially atomic.
 *
 * Bounded by the callers: `add` keeps at most `maxPerUser` per user, and only signed-in users add.
 * Returned records are copies.
 */
export class MemoryPasskeyStore implements PasskeyStore {
  private readonly byId = new Map<string, StoredPasskey>();
  /** Each user's passkey ids, oldest first. */
  private readonly byUser = new Map<string, string[]>();

  add(passkey: StoredPasskey, maxPerUser: number): Promise<'added' | 'duplicate' | 'limit'> {
    if (this.byId.has(passkey.id)) return Promise.resolve('duplicate');
    const ids = this.byUser.get(passkey.userId) ?? [];
    if (ids.length >= maxPerUser) return Promise.resolve('limit');
    this.byId.set(passkey.id, copy(passkey));
    this.byUser.set(passkey.userId, [...ids, passkey.id]);
    return Promise.resolve('added');
  }

  findById(id: string): Promise<StoredPasskey | null> {
    const passkey = this.byId.get(id);
    return Promise.resolve(passkey === undefined ? null : copy(passkey));
  }

  listByUser(userId: string): Promise<StoredPasskey[]> {
    const ids = this.byUser.get(userId) ?? [];
    return Promise.resolve(ids.flatMap((id) => this.byId.get(id) ?? []).map(copy));
  }

  recordUse(id: string, expectedCounter: number, counter: number, now: number): Promise<boolean> {
    const passkey = this.byId.get(id);
    if (passkey === undefined || passkey.counter !== expectedCounter) return Promise.resolve(false);
    passkey.counter = counter;
    passkey.lastUsedAt = now;
    return Promise.resolve(true);
  }

  rename(userId: string, id: string, name: string): Promise<boolean> {
    const passkey = this.byId.get(id);
    if (passkey === undefined || passkey.userId !== userId) return Promise.resolve(false);
    passkey.name = name;
    return Promise.resolve(true);
  }

  delete(userId: string, id: string): Promise<boolean> {
    const passkey = this.byId.get(id);
    if (passkey === undefined || passkey.userId !== userId) return Promise.resolve(false);
    this.byId.delete(id);
    const rest = (this.byUser.get(userId) ?? []).filter((other) => other !== id);
    if (rest.length === 0) this.byUser.delete(userId);
    else this.byUser.set(userId, rest);
    return Promise.resolve(true);
  }

  deleteForUser(userId: string): Promise<void> {
    for (const id of this.byUser.get(userId) ?? []) this.byId.delete(id);
    this.byUser.delete(userId);
    return Promise.resolve();
  }
}

function copy(passkey: StoredPasskey): StoredPasskey {
  return { ...passkey, transports: [...passkey.transports] };
}
