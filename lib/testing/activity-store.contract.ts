import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from './test-api.js';
import type { AuthEvent } from '../events/auth-event.js';
import type { ActivityStore } from '../stores/activity.store.js';
import { useFixture, type StoreFixture } from './store-fixture.js';

/** Builds a fresh, empty {@link ActivityStore}; `maxPerUser` is the per-account bound it must keep (the suite passes 5). */
export type ActivityStoreFactory = (maxPerUser: number) => Promise<StoreFixture<ActivityStore>>;

const MAX_PER_USER = 5;

/** A 22-character id like the module's, sortable by `n` when given. */
function eventId(n?: number): string {
  if (n !== undefined) return `id${String(n).padStart(20, '0')}`;
  return randomUUID().replaceAll('-', '').slice(0, 22);
}

/**
 * The {@link ActivityStore} contract (the per-user activity feed). Every implementation must pass it;
 * the memory store is the reference. Times are near the real clock (a store may derive the lifetime
 * of an entry, e.g. a Redis key's TTL, from it).
 */
export function runActivityStoreContract(name: string, factory: ActivityStoreFactory): void {
  describe(`ActivityStore contract: ${name}`, () => {
    const fixture = useFixture(factory, MAX_PER_USER);
    const store = (): ActivityStore => fixture.store();
    let t0 = 0;
    beforeEach(() => {
      t0 = Date.now();
    });

    const event = (userId: string | null, atOffset: number, overrides: Partial<AuthEvent> = {}): AuthEvent =>
      ({
        type: 'login.succeeded',
        method: 'password',
        id: eventId(),
        at: new Date(t0 + atOffset).toISOString(),
        userId,
        sessionId: 's'.repeat(22),
        ip: '203.0.113.7',
        userAgent: 'Contract/1.0',
        requestId: 'req-1',
        reason: null,
        ...overrides,
      }) as AuthEvent;

    it('keeps the feed fields of each event, and lists a user’s entries newest first', async () => {
      const user = randomUUID();
      const a = event(user, 0, { type: 'login.failed', sessionId: null, ip: null, userAgent: null });
      const b = event(user, 1_000);
      const c = event(user, 2_000, { type: 'logout', allSessions: true });
      await store().record([a, b]);
      await store().record([c]);
      const entries = await store().listByUser(user, 10);
      expect(entries).toStrictEqual([
        { id: c.id, type: 'logout', at: t0 + 2_000, userId: user, sessionId: c.sessionId, ip: '203.0.113.7', userAgent: 'Contract/1.0' },
        {
          id: b.id,
          type: 'login.succeeded',
          at: t0 + 1_000,
          userId: user,
          sessionId: b.sessionId,
          ip: '203.0.113.7',
          userAgent: 'Contract/1.0',
        },
        { id: a.id, type: 'login.failed', at: t0, userId: user, sessionId: null, ip: null, userAgent: null },
      ]);
    });

    it('lists only the user’s own entries', async () => {
      const [me, other] = [randomUUID(), randomUUID()];
      await store().record([event(me, 0), event(other, 1), event(other, 2)]);
      expect((await store().listByUser(me, 10)).map((e) => e.userId)).toStrictEqual([me]);
      expect(await store().listByUser(randomUUID(), 10)).toStrictEqual([]);
    });

    it('pages with limit and a cursor (at, then id), without gaps or repeats, entries of the same millisecond included', async () => {
      const user = randomUUID();
      const events = [0, 0, 0, 1, 2].map((offset, i) => event(user, offset, { id: eventId(i) }));
      await store().record(events);
      const first = await store().listByUser(user, 2);
      expect(first.map((e) => e.id)).toStrictEqual([eventId(4), eventId(3)]);
      const last = first[1];
      const second = await store().listByUser(user, 2, { at: last?.at ?? 0, id: last?.id ?? '' });
      expect(second.map((e) => e.id)).toStrictEqual([eventId(2), eventId(1)]);
      const tail = second[1];
      const third = await store().listByUser(user, 2, { at: tail?.at ?? 0, id: tail?.id ?? '' });
      expect(third.map((e) => e.id)).toStrictEqual([eventId(0)]);
    });

    it('is idempotent per event id (a batch delivered twice is kept once)', async () => {
      const user = randomUUID();
      const e = event(user, 0);
      await store().record([e]);
      await store().record([e]);
      expect(await store().listByUser(user, 10)).toHaveLength(1);
    });

    it('feed flooding: keeps at most maxPerUser entries per account, the newest', async () => {
      const user = randomUUID();
      for (let i = 0; i < MAX_PER_USER * 3; i++) await store().record([event(user, i, { id: eventId(i) })]);
      const entries = await store().listByUser(user, 100);
      expect(entries.map((e) => e.id)).toStrictEqual(Array.from({ length: MAX_PER_USER }, (_, i) => eventId(MAX_PER_USER * 3 - 1 - i)));
    });

    it('deleteOlderThan removes what the retention no longer covers, and says how many', async () => {
      const user = randomUUID();
      await store().record([event(user, -3_000), event(user, -2_000), event(user, 0)]);
      expect(await store().deleteOlderThan(t0 - 1_000)).toBe(2);
      expect((await store().listByUser(user, 10)).map((e) => e.at)).toStrictEqual([t0]);
      expect(await store().deleteOlderThan(t0 - 1_000)).toBe(0);
    });

    it('deleteForUser removes every entry of that user only', async () => {
      const [gone, kept] = [randomUUID(), randomUUID()];
      await store().record([event(gone, 0), event(gone, 1), event(kept, 2)]);
      await store().deleteForUser(gone);
      expect(await store().listByUser(gone, 10)).toStrictEqual([]);
      expect(await store().listByUser(kept, 10)).toHaveLength(1);
    });

    it('ignores events without a user', async () => {
      await store().record([event(null, 0)]);
      expect(await store().deleteOlderThan(t0 + 1_000)).toBe(0);
    });
  });
}
