import type { AuthEvent } from '../../events/auth-event.js';
import { toStoredActivity, type ActivityCursor, type ActivityStore, type StoredActivity } from '../activity.store.js';

/** The bounds of a {@link MemoryActivityStore}. */
export interface MemoryActivityStoreOptions {
  /** Entries kept per account (the oldest go first). @default 50 */
  maxPerUser?: number;
  /** Accounts kept (the one whose latest entry is oldest goes first). @default 2000 */
  maxUsers?: number;
}

/** Whether entry `a` comes after `b` in time order (by `at`, then `id`). */
function after(a: { at: number; id: string }, b: { at: number; id: string }): boolean {
  return a.at > b.at || (a.at === b.at && a.id > b.id);
}

/**
 * An {@link ActivityStore} in this process's memory (tests, development, one instance): the feed is
 * lost at restart and not shared between instances.
 *
 * Bounded: at most `maxPerUser` entries per account and `maxUsers` accounts (about 40 MB at the
 * defaults with long user agents). Returned entries are copies.
 */
export class MemoryActivityStore implements ActivityStore {
  /** Each account's entries, oldest first; the map's order is the accounts' recency (last written last). */
  private readonly byUser = new Map<string, StoredActivity[]>();
  private readonly ids = new Set<string>();
  private readonly maxPerUser: number;
  private readonly maxUsers: number;

  constructor(options: MemoryActivityStoreOptions = {}) {
    this.maxPerUser = Math.max(1, Math.floor(options.maxPerUser ?? 50));
    this.maxUsers = Math.max(1, Math.floor(options.maxUsers ?? 2000));
  }

  record(events: readonly AuthEvent[]): Promise<void> {
    for (const event of events) {
      if (event.userId === null || this.ids.has(event.id)) continue;
      const entry = toStoredActivity({ ...event, userId: event.userId });
      const list = this.byUser.get(entry.userId) ?? [];
      this.byUser.delete(entry.userId);
      let i = list.length;
      while (i > 0 && after(list[i - 1], entry)) i--;
      list.splice(i, 0, entry);
      this.ids.add(entry.id);
      while (list.length > this.maxPerUser) this.ids.delete((list.shift() as StoredActivity).id);
      this.byUser.set(entry.userId, list);
      if (this.byUser.size > this.maxUsers) this.dropOldestUser();
    }
    return Promise.resolve();
  }

  listByUser(userId: string, limit: number, before?: ActivityCursor): Promise<StoredActivity[]> {
    const list = this.byUser.get(userId) ?? [];
    const page: StoredActivity[] = [];
    for (let i = list.length - 1; i >= 0 && page.length < limit; i--) {
      if (before === undefined || after(before, list[i])) page.push({ ...list[i] });
    }
    return Promise.resolve(page);
  }

  deleteOlderThan(before: number, limit = Infinity): Promise<number> {
    let deleted = 0;
    for (const [userId, list] of this.byUser) {
      while (list.length > 0 && list[0].at < before && deleted < limit) {
        this.ids.delete((list.shift() as StoredActivity).id);
        deleted++;
      }
      if (list.length === 0) this.byUser.delete(userId);
      if (deleted >= limit) break;
    }
    return Promise.resolve(deleted);
  }

  deleteForUser(userId: string): Promise<void> {
    for (const entry of this.byUser.get(userId) ?? []) this.ids.delete(entry.id);
    this.byUser.delete(userId);
    return Promise.resolve();
  }

  private dropOldestUser(): void {
    const oldest = this.byUser.keys().next();
    if (oldest.done === true) return;
    for (const entry of this.byUser.get(oldest.value) ?? []) this.ids.delete(entry.id);
    this.byUser.delete(oldest.value);
  }
}
