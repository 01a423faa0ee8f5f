import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from './test-api.js';
import type { AccountTokenStore, StoredAccountToken } from '../stores/account-token.store.js';
import { settle, useFixture, type StoreFixture } from './store-fixture.js';

/** Builds a fresh, empty {@link AccountTokenStore}. */
export type AccountTokenStoreFactory = () => Promise<StoreFixture<AccountTokenStore>>;

const MINUTE = 60_000;
/** Parallel callers in the single-use test. */
const PARALLEL = 100;

/** A hash-like string (SHA-256 base64url length). */
function hash(): string {
  return randomUUID().replaceAll('-', '').padEnd(43, 'x');
}

/**
 * The {@link AccountTokenStore} contract (one-time tokens of the account lifecycle). Every
 * implementation must pass it; the memory store is the reference.
 *
 * Times are taken near the real clock at the start of each test (a store may derive the lifetime of
 * what it keeps, e.g. a Redis key's TTL, from `expiresAt`); logical expiry is always decided by the
 * `now` the suite passes.
 */
export function runAccountTokenStoreContract(name: string, factory: AccountTokenStoreFactory): void {
  describe(`AccountTokenStore contract: ${name}`, () => {
    const fixture = useFixture(factory);
    const store = (): AccountTokenStore => fixture.store();
    /** "Now" of the current test: the real time when it started (beyond 2^32, as any epoch-ms time). */
    let t0 = 0;
    beforeEach(() => {
      t0 = Date.now();
    });

    /** A token of a new user, valid for 10 minutes from `t0`. */
    const token = (overrides: Partial<StoredAccountToken> = {}): StoredAccountToken => ({
      userId: randomUUID(),
      purpose: 'password-reset',
      tokenHash: hash(),
      email: null,
      expiresAt: t0 + 10 * MINUTE,
      ...overrides,
    });

    describe('put / findByHash / findForUser', () => {
      it('round-trips every field (email null or set, expiresAt a number)', async () => {
        const reset = token();
        const verification = token({ purpose: 'email-verification', email: 'ada@example.test', expiresAt: t0 + 3 * 24 * 60 * MINUTE });
        await store().put(reset);
        await store().put(verification);

        const found = await store().findByHash('password-reset', reset.tokenHash, t0);
        expect(found).toStrictEqual(reset);
        expect(typeof found?.expiresAt).toBe('number');
        expect(await store().findForUser(reset.userId, 'password-reset', t0)).toStrictEqual(reset);
        expect(await store().findByHash('email-verification', verification.tokenHash, t0)).toStrictEqual(verification);
        expect(await store().findForUser(verification.userId, 'email-verification', t0)).toStrictEqual(verification);
      });

      it('keeps a far-future expiry exact', async () => {
        const t = token({ purpose: 'email-change', email: 'new@example.test', expiresAt: 8_640_000_000_000_000 });
        await store().put(t);
        expect(await store().findByHash('email-change', t.tokenHash, t0)).toStrictEqual(t);
      });

      it('resolves null for an unknown hash or user, and for the right hash under another purpose', async () => {
        const t = token();
        await store().put(t);
        expect(await store().findByHash('password-reset', hash(), t0)).toBeNull();
        expect(await store().findByHash('login-code', t.tokenHash, t0)).toBeNull();
        expect(await store().findForUser(randomUUID(), 'password-reset', t0)).toBeNull();
        expect(await store().findForUser(t.userId, 'email-verification', t0)).toBeNull();
        // Look-ups are exact: no prefix, pattern or case-insensitive matching.
        expect(await store().findByHash('password-reset', t.tokenHash.slice(0, -1), t0)).toBeNull();
        expect(await store().findByHash('password-reset', t.tokenHash.toUpperCase(), t0)).toBeNull();
        expect(await store().findByHash('password-reset', '%', t0)).toBeNull();
      });

      it('reads only: finding a token leaves it usable', async () => {
        const t = token();
        await store().put(t);
        await store().findByHash('password-reset', t.tokenHash, t0);
        await store().findForUser(t.userId, 'password-reset', t0);
        expect(await store().consume('password-reset', t.tokenHash, t0)).toStrictEqual(t);
      });

      it('returns copies: changing the input or a returned record never changes the stored one', async () => {
        const t = token({ email: 'copy@example.test' });
        const original = { ...t };
        await store().put(t);
        t.expiresAt = 1;
        t.email = 'tampered@example.test';
        const found = await store().findByHash('password-reset', original.tokenHash, t0);
        expect(found).toStrictEqual(original);
        if (found) found.userId = 'someone-else';
        expect(await store().findForUser(original.userId, 'password-reset', t0)).toStrictEqual(original);
      });
    });

    describe('one token per user and purpose', () => {
      it('replaces (and so invalidates) the user’s older token of the same purpose', async () => {
        const older = token({ email: 'old@example.test' });
        const newer = token({ userId: older.userId, email: 'new@example.test', expiresAt: t0 + 20 * MINUTE });
        await store().put(older);
        await store().put(newer);

        expect(await store().findByHash('password-reset', older.tokenHash, t0)).toBeNull();
        expect(await store().consume('password-reset', older.tokenHash, t0)).toBeNull();
        expect(await store().findForUser(older.userId, 'password-reset', t0)).toStrictEqual(newer);
        expect(await store().findByHash('password-reset', newer.tokenHash, t0)).toStrictEqual(newer);
        // The newer expiry applies.
        expect(await store().consume('password-reset', newer.tokenHash, t0 + 15 * MINUTE)).toStrictEqual(newer);
      });

      it('keeps the purposes of one user apart', async () => {
        const userId = randomUUID();
        const reset = token({ userId });
        const verification = token({ userId, purpose: 'email-verification', email: 'me@example.test' });
        const code = token({ userId, purpose: 'login-code' });
        for (const t of [reset, verification, code]) await store().put(t);

        expect(await store().consume('email-verification', verification.tokenHash, t0)).toStrictEqual(verification);
        expect(await store().findForUser(userId, 'password-reset', t0)).toStrictEqual(reset);
        expect(await store().findByHash('login-code', code.tokenHash, t0)).toStrictEqual(code);
        expect(await store().findForUser(userId, 'email-verification', t0)).toBeNull();
      });

      it('keeps users apart, also when two purposes use the same hash', async () => {
        const a = token();
        const b = token();
        const sameHash = token({ purpose: 'login-code', tokenHash: a.tokenHash });
        for (const t of [a, b, sameHash]) await store().put(t);

        expect(await store().consume('password-reset', a.tokenHash, t0)).toStrictEqual(a);
        expect(await store().findForUser(b.userId, 'password-reset', t0)).toStrictEqual(b);
        expect(await store().findByHash('login-code', a.tokenHash, t0)).toStrictEqual(sameHash);
        expect(await store().consume('password-reset', b.tokenHash, t0)).toStrictEqual(b);
      });

      it(`keeps exactly one of ${PARALLEL} parallel puts for a new user and purpose, without errors`, async () => {
        const userId = randomUUID();
        const tokens = Array.from({ length: PARALLEL }, () => token({ userId }));
        const { errors } = await settle(tokens.map((t) => store().put(t)));
        expect(errors).toEqual([]);
        const kept = await store().findForUser(userId, 'password-reset', t0);
        expect(tokens.some((t) => t.tokenHash === kept?.tokenHash)).toBe(true);
        const found = await Promise.all(tokens.map((t) => store().findByHash('password-reset', t.tokenHash, t0)));
        expect(found.filter((f) => f !== null)).toHaveLength(1);
      });
    });

    describe('expiry', () => {
      it('treats a token as gone at and after its expiresAt (findByHash, findForUser, consume)', async () => {
        const t = token({ expiresAt: t0 + MINUTE });
        await store().put(t);
        expect(await store().findByHash('password-reset', t.tokenHash, t0 + MINUTE - 1)).toStrictEqual(t);
        for (const now of [t0 + MINUTE, t0 + 2 * MINUTE]) {
          expect(await store().findByHash('password-reset', t.tokenHash, now)).toBeNull();
          expect(await store().findForUser(t.userId, 'password-reset', now)).toBeNull();
          expect(await store().consume('password-reset', t.tokenHash, now)).toBeNull();
        }
      });

      it('lets a newer token replace an expired one', async () => {
        const expired = token({ expiresAt: t0 - 1 });
        const fresh = token({ userId: expired.userId });
        await store().put(expired);
        await store().put(fresh);
        expect(await store().consume('password-reset', expired.tokenHash, t0 - 2)).toBeNull();
        expect(await store().consume('password-reset', fresh.tokenHash, t0)).toStrictEqual(fresh);
      });
    });

    describe('consume', () => {
      it('resolves the record once; a second consume (and any later look-up) resolves null', async () => {
        const t = token({ purpose: 'email-change', email: 'next@example.test' });
        await store().put(t);
        expect(await store().consume('email-change', t.tokenHash, t0)).toStrictEqual(t);
        expect(await store().consume('email-change', t.tokenHash, t0)).toBeNull();
        expect(await store().findByHash('email-change', t.tokenHash, t0)).toBeNull();
        expect(await store().findForUser(t.userId, 'email-change', t0)).toBeNull();
      });

      it('resolves null for an unknown hash or another purpose, leaving the token usable', async () => {
        const t = token();
        await store().put(t);
        expect(await store().consume('password-reset', hash(), t0)).toBeNull();
        expect(await store().consume('email-verification', t.tokenHash, t0)).toBeNull();
        expect(await store().consume('password-reset', t.tokenHash, t0)).toStrictEqual(t);
      });

      it(`gives the record to exactly one of ${PARALLEL} parallel consumers of one token`, async () => {
        const t = token({ purpose: 'login-code' });
        await store().put(t);
        const { values, errors } = await settle(Array.from({ length: PARALLEL }, () => store().consume('login-code', t.tokenHash, t0)));
        expect(errors).toEqual([]);
        const winners = values.filter((v) => v !== null);
        expect(winners).toHaveLength(1);
        expect(winners[0]).toStrictEqual(t);
        expect(await store().findByHash('login-code', t.tokenHash, t0)).toBeNull();
      });

      it('lets at most one consumer win when consumes race with a replacing put, and none after it', async () => {
        const older = token();
        const newer = token({ userId: older.userId });
        await store().put(older);
        const consume = (): Promise<StoredAccountToken | null> => store().consume('password-reset', older.tokenHash, t0);
        const before = Array.from({ length: PARALLEL / 2 }, consume);
        const put = store().put(newer);
        const after = Array.from({ length: PARALLEL / 2 }, consume);
        const { errors } = await settle<unknown>([...before, put, ...after]);
        expect(errors).toEqual([]);
        const winners = (await Promise.all([...before, ...after])).filter((r) => r !== null);
        expect(winners.length).toBeLessThanOrEqual(1);
        for (const w of winners) expect(w).toStrictEqual(older);
        expect(await store().consume('password-reset', older.tokenHash, t0)).toBeNull();
        expect(await store().findForUser(older.userId, 'password-reset', t0)).toStrictEqual(newer);
      });
    });

    describe('deleteForUser', () => {
      it('deletes the user’s token of one purpose only', async () => {
        const userId = randomUUID();
        const reset = token({ userId });
        const verification = token({ userId, purpose: 'email-verification', email: 'me@example.test' });
        const other = token();
        for (const t of [reset, verification, other]) await store().put(t);

        await store().deleteForUser(userId, 'password-reset');
        expect(await store().findByHash('password-reset', reset.tokenHash, t0)).toBeNull();
        expect(await store().consume('password-reset', reset.tokenHash, t0)).toBeNull();
        expect(await store().findForUser(userId, 'email-verification', t0)).toStrictEqual(verification);
        expect(await store().findForUser(other.userId, 'password-reset', t0)).toStrictEqual(other);
        await expect(store().deleteForUser(userId, 'password-reset')).resolves.toBeUndefined();
      });

      it('deletes every token of the user without a purpose, other users’ tokens staying', async () => {
        const userId = randomUUID();
        const mine = [
          token({ userId }),
          token({ userId, purpose: 'email-verification', email: 'me@example.test' }),
          token({ userId, purpose: 'email-change', email: 'new@example.test' }),
          token({ userId, purpose: 'login-code', expiresAt: t0 - 1 }),
        ];
        const other = token({ purpose: 'login-code' });
        for (const t of [...mine, other]) await store().put(t);

        await store().deleteForUser(userId);
        for (const t of mine) {
          expect(await store().findByHash(t.purpose, t.tokenHash, t0 - 2)).toBeNull();
          expect(await store().findForUser(userId, t.purpose, t0 - 2)).toBeNull();
        }
        expect(await store().consume('login-code', other.tokenHash, t0)).toStrictEqual(other);
        await expect(store().deleteForUser(userId)).resolves.toBeUndefined();
        await expect(store().deleteForUser(randomUUID())).resolves.toBeUndefined();
      });

      it('lets the user get a new token of the purpose afterwards', async () => {
        const first = token();
        await store().put(first);
        await store().deleteForUser(first.userId, 'password-reset');
        const second = token({ userId: first.userId });
        await store().put(second);
        expect(await store().consume('password-reset', second.tokenHash, t0)).toStrictEqual(second);
      });
    });

    describe('deleteExpired', () => {
      it('deletes tokens expired at `now`, keeping live ones', async () => {
        const deleteExpired = store().deleteExpired?.bind(store());
        if (!deleteExpired) return; // optional housekeeping
        const now = t0 + MINUTE;
        const expired = token({ expiresAt: now });
        const alsoExpired = token({ purpose: 'login-code', expiresAt: now - MINUTE });
        const live = token({ purpose: 'email-verification', email: 'live@example.test', expiresAt: now + 1 });
        for (const t of [expired, alsoExpired, live]) await store().put(t);

        await deleteExpired(now);
        // Gone even for an earlier `now`.
        for (const t of [expired, alsoExpired]) {
          expect(await store().findByHash(t.purpose, t.tokenHash, t0 - 2 * MINUTE)).toBeNull();
          expect(await store().findForUser(t.userId, t.purpose, t0 - 2 * MINUTE)).toBeNull();
        }
        expect(await store().findForUser(live.userId, 'email-verification', now)).toStrictEqual(live);
        expect(await store().consume('email-verification', live.tokenHash, now)).toStrictEqual(live);
        await expect(deleteExpired(now)).resolves.toBeUndefined();
      });
    });
  });
}
