import { randomUUID } from 'node:crypto';
import { describe, expect, it } from './test-api.js';
import type { MfaChallengeStore } from '../stores/mfa-challenge.store.js';
import { useFixture, type StoreFixture } from './store-fixture.js';
import { allResolved, code, countTrue, DAY, device, hash, MINUTE, PARALLEL, T0 } from './mfa-contract-helpers.js';

/** Builds a fresh, empty {@link MfaChallengeStore}. */
export type MfaChallengeStoreFactory = () => Promise<StoreFixture<MfaChallengeStore>>;

/**
 * The {@link MfaChallengeStore} contract (one-time codes, finished pending logins, trusted devices).
 * Every implementation must pass it; the memory store is the reference.
 */
export function runMfaChallengeStoreContract(name: string, factory: MfaChallengeStoreFactory): void {
  describe(`MfaChallengeStore contract: ${name}`, () => {
    const fixture = useFixture(factory);
    const store = (): MfaChallengeStore => fixture.store();

    describe('one-time codes: putCode / consumeCode / deleteCode', () => {
      it('uses up a matching, unexpired code once', async () => {
        const userId = randomUUID();
        const c = code();
        await store().putCode(userId, c);
        expect(await store().consumeCode(userId, c.pendingId, c.method, c.codeHash, T0)).toBe(true);
        expect(await store().consumeCode(userId, c.pendingId, c.method, c.codeHash, T0)).toBe(false);
      });

      it('resolves false and keeps the code on a wrong hash, pending login, method or user', async () => {
        const userId = randomUUID();
        const c = code({ method: 'sms' });
        await store().putCode(userId, c);
        expect(await store().consumeCode(userId, c.pendingId, c.method, hash(), T0)).toBe(false);
        expect(await store().consumeCode(userId, randomUUID(), c.method, c.codeHash, T0)).toBe(false);
        expect(await store().consumeCode(userId, c.pendingId, 'email', c.codeHash, T0)).toBe(false);
        expect(await store().consumeCode(randomUUID(), c.pendingId, c.method, c.codeHash, T0)).toBe(false);
        expect(await store().consumeCode(userId, c.pendingId, c.method, c.codeHash, T0)).toBe(true);
      });

      it('resolves false for an expired code, which stays until deleted', async () => {
        const userId = randomUUID();
        const c = code({ expiresAt: T0 + MINUTE });
        await store().putCode(userId, c);
        expect(await store().consumeCode(userId, c.pendingId, c.method, c.codeHash, T0 + MINUTE)).toBe(false);
        expect(await store().consumeCode(userId, c.pendingId, c.method, c.codeHash, T0 + 2 * MINUTE)).toBe(false);
        // Still there: at an earlier `now` it is valid.
        expect(await store().consumeCode(userId, c.pendingId, c.method, c.codeHash, T0 + MINUTE - 1)).toBe(true);
      });

      it('replaces (and so invalidates) an earlier code of the user', async () => {
        const userId = randomUUID();
        const first = code();
        const second = code({ pendingId: first.pendingId, method: 'sms', expiresAt: T0 + 20 * MINUTE });
        await store().putCode(userId, first);
        await store().putCode(userId, second);
        expect(await store().consumeCode(userId, first.pendingId, first.method, first.codeHash, T0)).toBe(false);
        expect(await store().consumeCode(userId, second.pendingId, 'sms', first.codeHash, T0)).toBe(false);
        // The new expiry applies.
        expect(await store().consumeCode(userId, second.pendingId, 'sms', second.codeHash, T0 + 15 * MINUTE)).toBe(true);
      });

      it('keeps one code per user, apart from other users', async () => {
        const [a, b] = [randomUUID(), randomUUID()];
        const ca = code();
        const cb = code({ pendingId: ca.pendingId, codeHash: ca.codeHash });
        await store().putCode(a, ca);
        await store().putCode(b, cb);
        expect(await store().consumeCode(a, ca.pendingId, ca.method, ca.codeHash, T0)).toBe(true);
        expect(await store().consumeCode(b, cb.pendingId, cb.method, cb.codeHash, T0)).toBe(true);
      });

      it('deletes the user’s code only; deleting a missing code is fine', async () => {
        const [a, b] = [randomUUID(), randomUUID()];
        const ca = code();
        const cb = code();
        await store().putCode(a, ca);
        await store().putCode(b, cb);
        await store().deleteCode(a);
        expect(await store().consumeCode(a, ca.pendingId, ca.method, ca.codeHash, T0)).toBe(false);
        await expect(store().deleteCode(a)).resolves.toBeUndefined();
        expect(await store().consumeCode(b, cb.pendingId, cb.method, cb.codeHash, T0)).toBe(true);
      });

      it(`lets exactly one of ${PARALLEL} parallel matching calls succeed`, async () => {
        const userId = randomUUID();
        const c = code();
        await store().putCode(userId, c);
        const results = await allResolved(
          Array.from({ length: PARALLEL }, () => store().consumeCode(userId, c.pendingId, c.method, c.codeHash, T0)),
        );
        expect(countTrue(results)).toBe(1);
      });

      it('lets exactly one matching call succeed when it races with wrong guesses', async () => {
        const userId = randomUUID();
        const c = code();
        await store().putCode(userId, c);
        const calls = Array.from({ length: PARALLEL }, (_, i) =>
          store().consumeCode(userId, c.pendingId, c.method, i % 2 === 0 ? hash() : c.codeHash, T0),
        );
        const results = await allResolved(calls);
        expect(countTrue(results)).toBe(1);
        expect(results.indexOf(true) % 2).toBe(1);
      });

      it(`keeps exactly one of ${PARALLEL} parallel putCode calls for a new user, without errors`, async () => {
        const userId = randomUUID();
        const codes = Array.from({ length: PARALLEL }, () => code());
        await allResolved(codes.map((c) => store().putCode(userId, c)));
        const used = await allResolved(codes.map((c) => store().consumeCode(userId, c.pendingId, c.method, c.codeHash, T0)));
        expect(countTrue(used)).toBe(1);
      });
    });

    describe('finishPending / isPendingFinished', () => {
      it('finishes a pending login once and remembers it until it expires', async () => {
        const id = randomUUID();
        expect(await store().isPendingFinished(id, T0)).toBe(false);
        expect(await store().finishPending(id, T0 + 5 * MINUTE)).toBe(true);
        expect(await store().finishPending(id, T0 + 5 * MINUTE)).toBe(false);
        expect(await store().isPendingFinished(id, T0)).toBe(true);
        expect(await store().isPendingFinished(id, T0 + 5 * MINUTE - 1)).toBe(true);
        expect(await store().isPendingFinished(id, T0 + 5 * MINUTE)).toBe(false);
        expect(await store().isPendingFinished(randomUUID(), T0)).toBe(false);
      });

      it('keeps ids apart', async () => {
        const [a, b] = [randomUUID(), randomUUID()];
        expect(await store().finishPending(a, T0 + MINUTE)).toBe(true);
        expect(await store().isPendingFinished(b, T0)).toBe(false);
        expect(await store().finishPending(b, T0 + MINUTE)).toBe(true);
      });

      it(`lets exactly one of ${PARALLEL} parallel calls with the same id succeed`, async () => {
        const id = randomUUID();
        const results = await allResolved(Array.from({ length: PARALLEL }, () => store().finishPending(id, T0 + MINUTE)));
        expect(countTrue(results)).toBe(1);
        expect(await store().isPendingFinished(id, T0)).toBe(true);
      });
    });

    describe('trusted devices', () => {
      it('round-trips every field (label null or set, times staying numbers)', async () => {
        const withLabel = device({ label: 'ü'.repeat(300), expiresAt: 8_640_000_000_000_000 });
        const withoutLabel = device({ label: null });
        await store().addTrustedDevice(withLabel);
        await store().addTrustedDevice(withoutLabel);
        const found = await store().findTrustedDevice(withLabel.id);
        expect(found).toStrictEqual(withLabel);
        for (const key of ['createdAt', 'lastUsedAt', 'expiresAt'] as const) expect(typeof found?.[key]).toBe('number');
        expect(await store().findTrustedDevice(withoutLabel.id)).toStrictEqual(withoutLabel);
        expect(await store().findTrustedDevice(randomUUID())).toBeNull();
      });

      it('finds an expired device too', async () => {
        const d = device({ expiresAt: T0 - 1 });
        await store().addTrustedDevice(d);
        expect(await store().findTrustedDevice(d.id)).toStrictEqual(d);
      });

      it('returns copies: changing the input or a returned device never changes the stored one', async () => {
        const d = device();
        const original = { ...d };
        await store().addTrustedDevice(d);
        d.tokenHash = 'tampered-input';
        const found = await store().findTrustedDevice(d.id);
        expect(found).toStrictEqual(original);
        if (found) found.expiresAt = 1;
        expect(await store().findTrustedDevice(d.id)).toStrictEqual(original);
        const [listed] = await store().listTrustedDevices(d.userId, T0);
        listed.userId = 'someone-else';
        expect(await store().findTrustedDevice(d.id)).toStrictEqual(original);
      });

      it('touches lastUsedAt only; touching an unknown device is fine', async () => {
        const d = device();
        const other = device({ userId: d.userId });
        await store().addTrustedDevice(d);
        await store().addTrustedDevice(other);
        await store().touchTrustedDevice(d.id, T0 + DAY);
        expect(await store().findTrustedDevice(d.id)).toStrictEqual({ ...d, lastUsedAt: T0 + DAY });
        expect(await store().findTrustedDevice(other.id)).toStrictEqual(other);
        await expect(store().touchTrustedDevice(randomUUID(), T0)).resolves.toBeUndefined();
      });

      it('lists the user’s unexpired devices only, newest first', async () => {
        const now = T0 + DAY;
        const userId = randomUUID();
        const oldest = device({ userId, createdAt: T0 + 1 });
        const newest = device({ userId, createdAt: T0 + 3 });
        const middle = device({ userId, createdAt: T0 + 2 });
        const expired = device({ userId, createdAt: T0 + 4, expiresAt: now - 1 });
        const expiresNow = device({ userId, createdAt: T0 + 5, expiresAt: now });
        const otherUser = device({ createdAt: T0 + 6 });
        for (const d of [middle, oldest, expired, newest, expiresNow, otherUser]) await store().addTrustedDevice(d);

        const listed = await store().listTrustedDevices(userId, now);
        expect(listed.map((d) => d.id)).toEqual([newest.id, middle.id, oldest.id]);
        expect(listed[0]).toStrictEqual(newest);
        expect(await store().listTrustedDevices(otherUser.userId, now)).toStrictEqual([otherUser]);
        expect(await store().listTrustedDevices(randomUUID(), now)).toEqual([]);
      });

      it('deletes one of the user’s devices; another user’s device or an unknown id resolves false', async () => {
        const mine = device();
        const theirs = device();
        await store().addTrustedDevice(mine);
        await store().addTrustedDevice(theirs);

        expect(await store().deleteTrustedDevice(mine.userId, theirs.id)).toBe(false);
        expect(await store().findTrustedDevice(theirs.id)).toStrictEqual(theirs);
        expect(await store().deleteTrustedDevice(mine.userId, randomUUID())).toBe(false);

        expect(await store().deleteTrustedDevice(mine.userId, mine.id)).toBe(true);
        expect(await store().findTrustedDevice(mine.id)).toBeNull();
        expect(await store().deleteTrustedDevice(mine.userId, mine.id)).toBe(false);
      });

      it('deletes all of the user’s devices (expired ones too) and resolves how many', async () => {
        const userId = randomUUID();
        const devices = [device({ userId }), device({ userId }), device({ userId, expiresAt: T0 - 1 })];
        const other = device();
        for (const d of [...devices, other]) await store().addTrustedDevice(d);

        expect(await store().deleteTrustedDevices(userId)).toBe(3);
        for (const d of devices) expect(await store().findTrustedDevice(d.id)).toBeNull();
        expect(await store().findTrustedDevice(other.id)).toStrictEqual(other);
        expect(await store().deleteTrustedDevices(userId)).toBe(0);
        expect(await store().deleteTrustedDevices(randomUUID())).toBe(0);
      });
    });

    describe('deleteExpired', () => {
      it('deletes codes, pending marks and devices expired at `now`, keeping live ones', async () => {
        const deleteExpired = store().deleteExpired?.bind(store());
        if (!deleteExpired) return; // optional housekeeping
        const now = T0 + DAY;
        const [expiredUser, liveUser] = [randomUUID(), randomUUID()];
        const expiredCode = code({ expiresAt: now });
        const liveCode = code({ expiresAt: now + 1 });
        await store().putCode(expiredUser, expiredCode);
        await store().putCode(liveUser, liveCode);
        const [expiredPending, livePending] = [randomUUID(), randomUUID()];
        await store().finishPending(expiredPending, now);
        await store().finishPending(livePending, now + 1);
        const expiredDevice = device({ expiresAt: now - 1 });
        const liveDevice = device({ userId: expiredDevice.userId, expiresAt: now + 1 });
        await store().addTrustedDevice(expiredDevice);
        await store().addTrustedDevice(liveDevice);
        await deleteExpired(now);

        // The expired code is gone even for an earlier `now`.
        expect(await store().consumeCode(expiredUser, expiredCode.pendingId, expiredCode.method, expiredCode.codeHash, T0)).toBe(false);
        expect(await store().consumeCode(liveUser, liveCode.pendingId, liveCode.method, liveCode.codeHash, now)).toBe(true);
        // The expired mark is gone: the id could be finished again.
        expect(await store().isPendingFinished(expiredPending, T0)).toBe(false);
        expect(await store().finishPending(expiredPending, now + MINUTE)).toBe(true);
        expect(await store().isPendingFinished(livePending, now)).toBe(true);
        expect(await store().finishPending(livePending, now + 1)).toBe(false);
        expect(await store().findTrustedDevice(expiredDevice.id)).toBeNull();
        expect(await store().findTrustedDevice(liveDevice.id)).toStrictEqual(liveDevice);
        await expect(deleteExpired(now)).resolves.toBeUndefined();
      });
    });
  });
}
