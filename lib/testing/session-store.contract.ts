import { randomUUID } from 'node:crypto';
import { describe, expect, it } from './test-api.js';
import type { SessionRevocation, SessionRotation, SessionStore, StoredSession } from '../stores/session.store.js';
import { useFixture, type StoreFixture } from './store-fixture.js';

/** Builds a fresh, empty {@link SessionStore}. */
export type SessionStoreFactory = () => Promise<StoreFixture<SessionStore>>;

/** Realistic epoch milliseconds, beyond 2^32 (so 32-bit integer columns would fail). */
const T0 = 1_750_000_000_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A hash-like string (SHA-256 base64url length). */
function hash(): string {
  return randomUUID().replaceAll('-', '').padEnd(43, 'x');
}

function session(overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    id: randomUUID(),
    userId: randomUUID(),
    refreshTokenHash: hash(),
    previousTokenHash: null,
    previousSuccessor: null,
    rotatedAt: null,
    createdAt: T0,
    lastUsedAt: T0,
    expiresAt: T0 + 30 * MINUTE,
    absoluteExpiresAt: T0 + 30 * DAY,
    revokedAt: null,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) contract-test',
    ip: '203.0.113.7',
    ...overrides,
  };
}

function rotation(overrides: Partial<SessionRotation> = {}): SessionRotation {
  return {
    refreshTokenHash: hash(),
    previousSuccessor: `enc:${randomUUID()}`,
    rotatedAt: T0 + MINUTE,
    lastUsedAt: T0 + MINUTE,
    expiresAt: T0 + 31 * MINUTE,
    ...overrides,
  };
}

/** Resolves once `condition` holds (checked every 5 ms); rejects after `ms`. */
async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The {@link SessionStore} contract. Every implementation must pass it; the memory store is the
 * reference.
 */
export function runSessionStoreContract(name: string, factory: SessionStoreFactory): void {
  describe(`SessionStore contract: ${name}`, () => {
    const fixture = useFixture(factory);
    const store = (): SessionStore => fixture.store();

    describe('create / findById', () => {
      it('round-trips every field with null optionals, times staying numbers', async () => {
        const s = session({ userAgent: null, ip: null });
        await store().create(s);
        const found = await store().findById(s.id);
        expect(found).toEqual(s);
        expect(found).toStrictEqual(s);
        for (const key of ['createdAt', 'lastUsedAt', 'expiresAt', 'absoluteExpiresAt'] as const) {
          expect(typeof found?.[key]).toBe('number');
        }
      });

      it('round-trips every field when all optionals are set', async () => {
        const s = session({
          previousTokenHash: hash(),
          previousSuccessor: 'x'.repeat(2000),
          rotatedAt: T0 + 1,
          revokedAt: T0 + 2,
          lastUsedAt: T0 + 3,
          // Large but safe integers survive the round trip.
          absoluteExpiresAt: 8_640_000_000_000_000,
          userAgent: 'ü'.repeat(600),
          ip: '2001:db8:85a3::8a2e:370:7334',
        });
        await store().create(s);
        const found = await store().findById(s.id);
        expect(found).toStrictEqual(s);
        for (const key of ['rotatedAt', 'revokedAt', 'absoluteExpiresAt'] as const) {
          expect(typeof found?.[key]).toBe('number');
        }
      });

      it('resolves null for an unknown id', async () => {
        await store().create(session());
        expect(await store().findById(randomUUID())).toBeNull();
      });

      it('finds revoked and expired sessions too', async () => {
        const revoked = session({ revokedAt: T0 });
        const expired = session({ expiresAt: T0 - 1, absoluteExpiresAt: T0 - 1 });
        await store().create(revoked);
        await store().create(expired);
        expect(await store().findById(revoked.id)).toStrictEqual(revoked);
        expect(await store().findById(expired.id)).toStrictEqual(expired);
      });

      it('returns copies: changing the input or a returned session never changes the stored one', async () => {
        const s = session();
        const original = { ...s };
        await store().create(s);
        s.refreshTokenHash = 'tampered-input';
        const found = await store().findById(original.id);
        expect(found).toStrictEqual(original);
        if (found) {
          found.revokedAt = 1;
          found.refreshTokenHash = 'tampered-output';
        }
        expect(await store().findById(original.id)).toStrictEqual(original);
      });
    });

    describe('rotate', () => {
      it('moves the expected hash to previousTokenHash and writes the rotation', async () => {
        const s = session();
        await store().create(s);
        const r = rotation();

        expect(await store().rotate(s.id, s.refreshTokenHash, r)).toBe(true);

        expect(await store().findById(s.id)).toStrictEqual({
          ...s,
          refreshTokenHash: r.refreshTokenHash,
          previousTokenHash: s.refreshTokenHash,
          previousSuccessor: r.previousSuccessor,
          rotatedAt: r.rotatedAt,
          lastUsedAt: r.lastUsedAt,
          expiresAt: r.expiresAt,
        });
      });

      it('keeps only the current and the previous hash across successive rotations', async () => {
        const s = session();
        await store().create(s);
        const r1 = rotation();
        const r2 = rotation({ rotatedAt: T0 + 2 * MINUTE, lastUsedAt: T0 + 2 * MINUTE, expiresAt: T0 + 32 * MINUTE });

        expect(await store().rotate(s.id, s.refreshTokenHash, r1)).toBe(true);
        expect(await store().rotate(s.id, r1.refreshTokenHash, r2)).toBe(true);
        // The first hash is no longer current: reusing it fails.
        expect(await store().rotate(s.id, s.refreshTokenHash, rotation())).toBe(false);

        const found = await store().findById(s.id);
        expect(found?.refreshTokenHash).toBe(r2.refreshTokenHash);
        expect(found?.previousTokenHash).toBe(r1.refreshTokenHash);
        expect(found?.previousSuccessor).toBe(r2.previousSuccessor);
        expect(found?.expiresAt).toBe(r2.expiresAt);
      });

      it('rotates one session 1,000 times without its stored size growing (no rotation history)', async () => {
        const s = session();
        await store().create(s);
        const step = async (current: string, i: number): Promise<string> => {
          // Same-length values every time, so a constant footprint means nothing accumulates.
          const r = rotation({ rotatedAt: T0 + MINUTE + i, lastUsedAt: T0 + MINUTE + i, expiresAt: T0 + 31 * MINUTE + i });
          expect(await store().rotate(s.id, current, r)).toBe(true);
          return r.refreshTokenHash;
        };
        let current = s.refreshTokenHash;
        for (let i = 0; i < 10; i++) current = await step(current, i);
        const before = await fixture.footprint();
        for (let i = 10; i < 1000; i++) current = await step(current, i);
        const after = await fixture.footprint();

        if (before !== undefined) expect(after).toBe(before);
        const found = await store().findById(s.id);
        expect(found?.refreshTokenHash).toBe(current);
        expect(found?.lastUsedAt).toBe(T0 + MINUTE + 999);
      });

      it('keeps sessions apart', async () => {
        const a = session();
        const b = session({ userId: a.userId });
        await store().create(a);
        await store().create(b);
        expect(await store().rotate(a.id, a.refreshTokenHash, rotation())).toBe(true);
        expect(await store().rotate(b.id, a.refreshTokenHash, rotation())).toBe(false);
        expect(await store().findById(b.id)).toStrictEqual(b);
      });

      it('resolves false and changes nothing when the expected hash is wrong', async () => {
        const s = session();
        await store().create(s);
        const wrong = hash();
        expect(await store().rotate(s.id, wrong, rotation())).toBe(false);
        expect(await store().findById(s.id)).toStrictEqual(s);
      });

      it('resolves false and changes nothing on a revoked session', async () => {
        const s = session();
        await store().create(s);
        expect(await store().revoke(s.id, T0 + 5)).toBe(true);
        const revoked = await store().findById(s.id);

        expect(await store().rotate(s.id, s.refreshTokenHash, rotation())).toBe(false);
        expect(await store().findById(s.id)).toStrictEqual(revoked);
      });

      it('resolves false for an unknown session', async () => {
        expect(await store().rotate(randomUUID(), hash(), rotation())).toBe(false);
      });

      it('lets exactly one of 100 parallel rotations with the same expected hash succeed', async () => {
        const s = session();
        await store().create(s);
        const rotations = Array.from({ length: 100 }, (_, i) => rotation({ rotatedAt: T0 + MINUTE + i, lastUsedAt: T0 + MINUTE + i }));

        const results = await Promise.all(rotations.map((r) => store().rotate(s.id, s.refreshTokenHash, r)));

        expect(results.filter((ok) => ok)).toHaveLength(1);
        const winner = rotations[results.indexOf(true)];
        expect(await store().findById(s.id)).toStrictEqual({
          ...s,
          refreshTokenHash: winner.refreshTokenHash,
          previousTokenHash: s.refreshTokenHash,
          previousSuccessor: winner.previousSuccessor,
          rotatedAt: winner.rotatedAt,
          lastUsedAt: winner.lastUsedAt,
          expiresAt: winner.expiresAt,
        });
        // The winner's token rotates normally afterwards.
        expect(await store().rotate(s.id, winner.refreshTokenHash, rotation())).toBe(true);
      });
    });

    describe('listActiveByUser', () => {
      it('lists only the user’s sessions that are neither revoked nor expired, newest first', async () => {
        const now = T0 + 10 * MINUTE;
        const userId = randomUUID();
        const oldest = session({ userId, createdAt: T0 + 1 });
        const newest = session({ userId, createdAt: T0 + 3 });
        const middle = session({ userId, createdAt: T0 + 2 });
        const revoked = session({ userId, createdAt: T0 + 4, revokedAt: T0 + 5 });
        const idleExpired = session({ userId, createdAt: T0 + 5, expiresAt: now - 1 });
        const idleExpiresNow = session({ userId, createdAt: T0 + 6, expiresAt: now });
        const absoluteExpired = session({ userId, createdAt: T0 + 7, absoluteExpiresAt: now });
        const otherUser = session({ createdAt: T0 + 8 });
        for (const s of [oldest, newest, revoked, middle, idleExpired, idleExpiresNow, absoluteExpired, otherUser]) {
          await store().create(s);
        }

        const active = await store().listActiveByUser(userId, now);
        expect(active.map((s) => s.id)).toEqual([newest.id, middle.id, oldest.id]);
        expect(active[0]).toStrictEqual(newest);
        expect(await store().listActiveByUser(otherUser.userId, now)).toStrictEqual([otherUser]);
        expect(await store().listActiveByUser(randomUUID(), now)).toEqual([]);
      });

      it('drops a session once it is revoked', async () => {
        const s = session();
        await store().create(s);
        expect(await store().listActiveByUser(s.userId, T0)).toHaveLength(1);
        await store().revoke(s.id, T0 + 1);
        expect(await store().listActiveByUser(s.userId, T0 + 2)).toEqual([]);
      });
    });

    describe('revoke / revokeAllForUser', () => {
      it('revokes once: true, then false, keeping the first revocation time', async () => {
        const s = session();
        await store().create(s);
        expect(await store().revoke(s.id, T0 + 5)).toBe(true);
        expect(await store().revoke(s.id, T0 + 9)).toBe(false);
        expect(await store().findById(s.id)).toStrictEqual({ ...s, revokedAt: T0 + 5 });
      });

      it('resolves false when revoking an unknown session', async () => {
        expect(await store().revoke(randomUUID(), T0)).toBe(false);
      });

      it('revokes all the user’s live sessions except one and returns how many', async () => {
        const userId = randomUUID();
        const keep = session({ userId });
        const a = session({ userId });
        const b = session({ userId });
        const alreadyRevoked = session({ userId, revokedAt: T0 + 1 });
        const otherUser = session();
        for (const s of [keep, a, b, alreadyRevoked, otherUser]) await store().create(s);

        expect(await store().revokeAllForUser(userId, T0 + 50, keep.id)).toBe(2);

        expect((await store().findById(a.id))?.revokedAt).toBe(T0 + 50);
        expect((await store().findById(b.id))?.revokedAt).toBe(T0 + 50);
        expect(await store().findById(keep.id)).toStrictEqual(keep);
        expect((await store().findById(alreadyRevoked.id))?.revokedAt).toBe(T0 + 1);
        expect(await store().findById(otherUser.id)).toStrictEqual(otherUser);

        expect(await store().revokeAllForUser(userId, T0 + 60)).toBe(1);
        expect((await store().findById(keep.id))?.revokedAt).toBe(T0 + 60);
        expect(await store().revokeAllForUser(userId, T0 + 70)).toBe(0);
        expect(await store().revokeAllForUser(randomUUID(), T0 + 70)).toBe(0);
      });
    });

    describe('listRevokedSince / watchRevocations (optional: the revocation feed)', () => {
      it('lists the sessions revoked at or after `since`, oldest first, at most `limit`', async () => {
        const list = store().listRevokedSince?.bind(store());
        if (!list) return; // optional method
        const userId = randomUUID();
        const early = session();
        const mine = [session({ userId }), session({ userId })];
        const live = session();
        const late = session();
        for (const s of [early, ...mine, live, late]) await store().create(s);
        await store().revoke(early.id, T0 + 10);
        expect(await store().revokeAllForUser(userId, T0 + 20)).toBe(2);
        await store().revoke(late.id, T0 + 30);
        await store().revoke(late.id, T0 + 40); // already revoked: keeps T0 + 30

        const all = await list(T0, 100);
        expect(all.map((r) => r.revokedAt)).toEqual([T0 + 10, T0 + 20, T0 + 20, T0 + 30]);
        expect(all[0]).toStrictEqual({ id: early.id, revokedAt: T0 + 10 });
        expect(
          all
            .slice(1, 3)
            .map((r) => r.id)
            .sort(),
        ).toEqual(mine.map((s) => s.id).sort());
        expect(all[3]).toStrictEqual({ id: late.id, revokedAt: T0 + 30 });
        expect(await list(T0 + 20, 100)).toHaveLength(3);
        expect(await list(T0 + 21, 100)).toStrictEqual([{ id: late.id, revokedAt: T0 + 30 }]);
        expect(await list(T0 + 31, 100)).toEqual([]);
        expect((await list(T0, 2)).map((r) => r.revokedAt)).toEqual([T0 + 10, T0 + 20]);
      });

      it('tells a watcher of every revocation (revoke and revokeAllForUser) until it unsubscribes', async () => {
        const watch = store().watchRevocations?.bind(store());
        if (!watch) return; // optional method
        expect(typeof store().listRevokedSince).toBe('function');
        const seen: SessionRevocation[] = [];
        const unsubscribe = await watch({ revoked: (batch) => seen.push(...batch), resync: () => undefined });
        const userId = randomUUID();
        const one = session();
        const all = [session({ userId }), session({ userId }), session({ userId })];
        for (const s of [one, ...all]) await store().create(s);
        try {
          await store().revoke(one.id, T0 + 1);
          await store().revoke(one.id, T0 + 2); // no second announcement
          await store().revokeAllForUser(userId, T0 + 3, all[0].id);
          await until(() => seen.length >= 3);
          expect(seen.find((r) => r.id === one.id)).toStrictEqual({ id: one.id, revokedAt: T0 + 1 });
          expect(
            seen
              .filter((r) => r.revokedAt === T0 + 3)
              .map((r) => r.id)
              .sort(),
          ).toEqual([all[1].id, all[2].id].sort());
        } finally {
          await unsubscribe();
        }
        const count = seen.length;
        // A second watcher hears the next revocation; by then the first would have heard it too.
        const second: SessionRevocation[] = [];
        const unsubscribeSecond = await watch({ revoked: (batch) => second.push(...batch), resync: () => undefined });
        try {
          await store().revoke(all[0].id, T0 + 4);
          await until(() => second.length >= 1);
        } finally {
          await unsubscribeSecond();
        }
        expect(second).toStrictEqual([{ id: all[0].id, revokedAt: T0 + 4 }]);
        expect(seen).toHaveLength(count);
      });
    });

    describe('deleteExpired', () => {
      it('deletes sessions that ended before the cut-off and returns how many', async () => {
        const before = T0 + DAY;
        const idleExpired = session({ expiresAt: before - 1 });
        const absoluteExpired = session({ expiresAt: before + DAY, absoluteExpiresAt: before - 1 });
        const revokedBefore = session({ expiresAt: before + DAY, revokedAt: before - 1 });
        const revokedAfter = session({ expiresAt: before + DAY, revokedAt: before + 1 });
        const endsAtCutoff = session({ expiresAt: before });
        const live = session({ expiresAt: before + DAY });
        for (const s of [idleExpired, absoluteExpired, revokedBefore, revokedAfter, endsAtCutoff, live]) {
          await store().create(s);
        }
        // A rotated session is deleted all the same.
        expect(await store().rotate(idleExpired.id, idleExpired.refreshTokenHash, rotation({ expiresAt: before - 1 }))).toBe(true);

        expect(await store().deleteExpired(before)).toBe(3);

        for (const gone of [idleExpired, absoluteExpired, revokedBefore]) {
          expect(await store().findById(gone.id)).toBeNull();
        }
        for (const kept of [revokedAfter, endsAtCutoff, live]) {
          expect(await store().findById(kept.id)).toStrictEqual(kept);
        }
        expect(await store().deleteExpired(before)).toBe(0);
      });

      it('keeps rotated sessions that remain, with their previous hash', async () => {
        const s = session();
        await store().create(s);
        const r = rotation();
        await store().rotate(s.id, s.refreshTokenHash, r);
        expect(await store().deleteExpired(T0)).toBe(0);
        expect((await store().findById(s.id))?.previousTokenHash).toBe(s.refreshTokenHash);
        expect((await store().findById(s.id))?.refreshTokenHash).toBe(r.refreshTokenHash);
      });
    });
  });
}
