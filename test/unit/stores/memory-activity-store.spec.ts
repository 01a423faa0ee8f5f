import type { AuthEvent } from '../../../lib/events/auth-event.js';
import { MemoryActivityStore } from '../../../lib/stores/memory/memory-activity.store.js';

const event = (userId: string, n: number): AuthEvent => ({
  type: 'logout',
  allSessions: false,
  id: `e-${userId}-${n}`,
  at: new Date(1_700_000_000_000 + n).toISOString(),
  userId,
  sessionId: null,
  ip: null,
  userAgent: null,
  requestId: null,
  reason: null,
});

describe('MemoryActivityStore bounds', () => {
  it('memory flooding by many accounts: keeps at most maxUsers accounts, forgetting the least recently written', async () => {
    const store = new MemoryActivityStore({ maxUsers: 3 });
    for (const [n, user] of ['a', 'b', 'c'].entries()) await store.record([event(user, n)]);
    await store.record([event('a', 10)]); // a written again: now the most recent
    await store.record([event('d', 11)]);
    expect(await store.listByUser('b', 10)).toEqual([]);
    for (const user of ['a', 'c', 'd']) expect((await store.listByUser(user, 10)).length).toBeGreaterThan(0);
    for (let i = 0; i < 100; i++) await store.record([event(`x${i}`, 100 + i)]);
    const kept = await Promise.all(['x97', 'x98', 'x99', 'x96'].map(async (u) => (await store.listByUser(u, 10)).length));
    expect(kept).toEqual([1, 1, 1, 0]);
  });
});
