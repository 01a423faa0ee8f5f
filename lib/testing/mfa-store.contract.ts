import { randomUUID } from 'node:crypto';
import { describe, expect, it } from './test-api.js';
import type { MfaStore, StoredOneTimeCode, StoredTrustedDevice } from '../stores/mfa.store.js';
import { settle, useFixture, type StoreFixture } from './store-fixture.js';

/** Builds a fresh, empty {@link MfaStore}. */
export type MfaStoreFactory = () => Promise<StoreFixture<MfaStore>>;

/** Realistic epoch milliseconds, beyond 2^32 (so 32-bit integer columns would fail). */
const T0 = 1_750_000_000_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** The TOTP time step (30 s) at T0. */
const STEP = Math.floor(T0 / 30_000);
const PARALLEL = 50;

/** A hash-like string (SHA-256 base64url length). */
function hash(): string {
  return randomUUID().replaceAll('-', '').padEnd(43, 'x');
}

/** An encrypted-secret-like string (longer than any varchar(255)). */
function secret(): string {
  return `v1.${randomUUID()}.${'A'.repeat(400)}`;
}

function code(overrides: Partial<StoredOneTimeCode> = {}): StoredOneTimeCode {
  return { pendingId: randomUUID(), method: 'email', codeHash: hash(), expiresAt: T0 + 10 * MINUTE, ...overrides };
}

function device(overrides: Partial<StoredTrustedDevice> = {}): StoredTrustedDevice {
  return {
    id: randomUUID(),
    userId: randomUUID(),
    tokenHash: hash(),
    label: 'Firefox on Linux',
    createdAt: T0,
    lastUsedAt: T0,
    expiresAt: T0 + 30 * DAY,
    ...overrides,
  };
}

/** Settles the calls and expects no rejection; resolves the results in call order. */
async function allResolved<T>(calls: readonly Promise<T>[]): Promise<T[]> {
  const { values, errors } = await settle(calls);
  expect(errors).toEqual([]);
  return values;
}

function countTrue(results: readonly boolean[]): number {
  return results.filter((ok) => ok).length;
}

/**
 * The {@link MfaStore} contract. Every implementation must pass it; the memory store is the
 * reference.
 */
export function runMfaStoreContract(name: string, factory: MfaStoreFactory): void {
  describe(`MfaStore contract: ${name}`, () => {
    const fixture = useFixture(factory);
    const store = (): MfaStore => fixture.store();

    describe('getState', () => {
      it('reads a user without any state as { null, -1, null, 0 }', async () => {
        expect(await store().getState(randomUUID())).toStrictEqual({
          totpSecret: null,
          totpLastStep: -1,
          totpPendingSecret: null,
          recoveryCodesLeft: 0,
        });
      });

      it('keeps each user’s state apart', async () => {
        const [a, b] = [randomUUID(), randomUUID()];
        const s = secret();
        await store().setActiveTotp(a, s);
        await store().replaceRecoveryCodes(a, [hash(), hash()]);
        expect(await store().getState(a)).toStrictEqual({
          totpSecret: s,
          totpLastStep: -1,
          totpPendingSecret: null,
          recoveryCodesLeft: 2,
        });
        expect(await store().getState(b)).toStrictEqual({
          totpSecret: null,
          totpLastStep: -1,
          totpPendingSecret: null,
          recoveryCodesLeft: 0,
        });
      });
    });

    describe('TOTP setup: setPendingTotp / activateTotp', () => {
      it('saves a pending secret and replaces an earlier unconfirmed one', async () => {
        const userId = randomUUID();
        const first = secret();
        const second = secret();
        await store().setPendingTotp(userId, first);
        expect(await store().getState(userId)).toMatchObject({ totpSecret: null, totpPendingSecret: first });
        await store().setPendingTotp(userId, second);
        expect(await store().getState(userId)).toMatchObject({ totpSecret: null, totpPendingSecret: second });
      });

      it('keeps the active secret and its last step while a new setup is pending', async () => {
        const userId = randomUUID();
        const active = secret();
        await store().setActiveTotp(userId, active);
        expect(await store().acceptTotpStep(userId, STEP)).toBe(true);
        const pending = secret();
        await store().setPendingTotp(userId, pending);
        expect(await store().getState(userId)).toMatchObject({
          totpSecret: active,
          totpLastStep: STEP,
          totpPendingSecret: pending,
        });
        // The active secret still works meanwhile.
        expect(await store().acceptTotpStep(userId, STEP + 1)).toBe(true);
      });

      it('activates the pending secret with its step and clears the pending secret', async () => {
        const userId = randomUUID();
        const s = secret();
        await store().setPendingTotp(userId, s);
        expect(await store().activateTotp(userId, s, STEP)).toBe(true);
        expect(await store().getState(userId)).toStrictEqual({
          totpSecret: s,
          totpLastStep: STEP,
          totpPendingSecret: null,
          recoveryCodesLeft: 0,
        });
        // The step of the activating code is used up; later steps are accepted.
        expect(await store().acceptTotpStep(userId, STEP)).toBe(false);
        expect(await store().acceptTotpStep(userId, STEP + 1)).toBe(true);
        // A second activation with the same secret finds nothing pending.
        expect(await store().activateTotp(userId, s, STEP + 5)).toBe(false);
        expect((await store().getState(userId)).totpLastStep).toBe(STEP + 1);
      });

      it('replaces an earlier active secret on activation', async () => {
        const userId = randomUUID();
        await store().setActiveTotp(userId, secret());
        expect(await store().acceptTotpStep(userId, STEP + 10)).toBe(true);
        const next = secret();
        await store().setPendingTotp(userId, next);
        expect(await store().activateTotp(userId, next, STEP)).toBe(true);
        expect(await store().getState(userId)).toMatchObject({ totpSecret: next, totpLastStep: STEP, totpPendingSecret: null });
      });

      it('never activates a secret that is no longer the pending one, changing nothing', async () => {
        const userId = randomUUID();
        const old = secret();
        const current = secret();
        await store().setPendingTotp(userId, old);
        await store().setPendingTotp(userId, current);
        expect(await store().activateTotp(userId, old, STEP)).toBe(false);
        expect(await store().getState(userId)).toMatchObject({ totpSecret: null, totpLastStep: -1, totpPendingSecret: current });
        expect(await store().activateTotp(userId, current, STEP)).toBe(true);
      });

      it('resolves false without a pending secret or for an unknown user', async () => {
        const userId = randomUUID();
        const s = secret();
        expect(await store().activateTotp(randomUUID(), s, STEP)).toBe(false);
        await store().setActiveTotp(userId, s);
        // The active secret is not a pending one.
        expect(await store().activateTotp(userId, s, STEP)).toBe(false);
        expect(await store().getState(userId)).toMatchObject({ totpSecret: s, totpLastStep: -1, totpPendingSecret: null });
      });

      it(`lets exactly one of ${PARALLEL} parallel activations of the same secret succeed`, async () => {
        const userId = randomUUID();
        const s = secret();
        await store().setPendingTotp(userId, s);
        const results = await allResolved(Array.from({ length: PARALLEL }, (_, i) => store().activateTotp(userId, s, STEP + i)));
        expect(countTrue(results)).toBe(1);
        const winner = results.indexOf(true);
        expect(await store().getState(userId)).toMatchObject({ totpSecret: s, totpLastStep: STEP + winner, totpPendingSecret: null });
      });

      it('lets only activations of the current pending secret succeed when they race with stale ones', async () => {
        const userId = randomUUID();
        const stale = secret();
        const current = secret();
        await store().setPendingTotp(userId, current);
        const calls = Array.from({ length: PARALLEL }, (_, i) => store().activateTotp(userId, i % 2 === 0 ? stale : current, STEP));
        const results = await allResolved(calls);
        expect(countTrue(results)).toBe(1);
        expect(results.indexOf(true) % 2).toBe(1);
        expect((await store().getState(userId)).totpSecret).toBe(current);
      });

      it(`keeps one of ${PARALLEL} parallel setPendingTotp calls for a new user, without errors`, async () => {
        const userId = randomUUID();
        const secrets = Array.from({ length: PARALLEL }, () => secret());
        await allResolved(secrets.map((s) => store().setPendingTotp(userId, s)));
        const state = await store().getState(userId);
        expect(secrets).toContain(state.totpPendingSecret);
        expect(state).toMatchObject({ totpSecret: null, totpLastStep: -1, recoveryCodesLeft: 0 });
      });
    });

    describe('setActiveTotp / clearTotp', () => {
      it('sets the active secret directly with no step accepted yet', async () => {
        const userId = randomUUID();
        const first = secret();
        await store().setActiveTotp(userId, first);
        expect(await store().getState(userId)).toMatchObject({ totpSecret: first, totpLastStep: -1 });
        expect(await store().acceptTotpStep(userId, STEP)).toBe(true);

        const second = secret();
        await store().setActiveTotp(userId, second);
        expect(await store().getState(userId)).toMatchObject({ totpSecret: second, totpLastStep: -1 });
        expect(await store().acceptTotpStep(userId, STEP - 100)).toBe(true);
      });

      it(`survives ${PARALLEL} parallel setActiveTotp calls for a new user, keeping one of them`, async () => {
        const userId = randomUUID();
        const secrets = Array.from({ length: PARALLEL }, () => secret());
        await allResolved(secrets.map((s) => store().setActiveTotp(userId, s)));
        const state = await store().getState(userId);
        expect(secrets).toContain(state.totpSecret);
        expect(state.totpLastStep).toBe(-1);
      });

      it('removes the active and the pending secret; no step is accepted afterwards', async () => {
        const userId = randomUUID();
        await store().setActiveTotp(userId, secret());
        await store().setPendingTotp(userId, secret());
        await store().clearTotp(userId);
        expect(await store().getState(userId)).toMatchObject({ totpSecret: null, totpPendingSecret: null });
        expect(await store().acceptTotpStep(userId, STEP)).toBe(false);
      });

      it('clears an unknown user without error and leaves other users alone', async () => {
        const other = randomUUID();
        const s = secret();
        await store().setActiveTotp(other, s);
        await expect(store().clearTotp(randomUUID())).resolves.toBeUndefined();
        expect((await store().getState(other)).totpSecret).toBe(s);
      });
    });

    describe('acceptTotpStep', () => {
      it('accepts only steps greater than the last accepted one', async () => {
        const userId = randomUUID();
        await store().setActiveTotp(userId, secret());
        expect(await store().acceptTotpStep(userId, 0)).toBe(true);
        expect(await store().acceptTotpStep(userId, STEP)).toBe(true);
        expect((await store().getState(userId)).totpLastStep).toBe(STEP);
        expect(await store().acceptTotpStep(userId, STEP)).toBe(false);
        expect(await store().acceptTotpStep(userId, STEP - 1)).toBe(false);
        expect((await store().getState(userId)).totpLastStep).toBe(STEP);
        expect(await store().acceptTotpStep(userId, STEP + 2)).toBe(true);
        expect(await store().acceptTotpStep(userId, STEP + 1)).toBe(false);
        expect((await store().getState(userId)).totpLastStep).toBe(STEP + 2);
      });

      it('resolves false when TOTP is not active (unknown user, pending setup only)', async () => {
        expect(await store().acceptTotpStep(randomUUID(), STEP)).toBe(false);
        const userId = randomUUID();
        await store().setPendingTotp(userId, secret());
        expect(await store().acceptTotpStep(userId, STEP)).toBe(false);
        expect((await store().getState(userId)).totpLastStep).toBe(-1);
      });

      it('keeps the last step per user', async () => {
        const [a, b] = [randomUUID(), randomUUID()];
        await store().setActiveTotp(a, secret());
        await store().setActiveTotp(b, secret());
        expect(await store().acceptTotpStep(a, STEP)).toBe(true);
        expect(await store().acceptTotpStep(b, STEP)).toBe(true);
        expect((await store().getState(b)).totpLastStep).toBe(STEP);
      });

      it(`lets exactly one of ${PARALLEL} parallel calls with the same step succeed`, async () => {
        const userId = randomUUID();
        await store().setActiveTotp(userId, secret());
        const results = await allResolved(Array.from({ length: PARALLEL }, () => store().acceptTotpStep(userId, STEP)));
        expect(countTrue(results)).toBe(1);
        expect((await store().getState(userId)).totpLastStep).toBe(STEP);
      });

      it('never moves the last step backwards under parallel calls with different steps', async () => {
        const userId = randomUUID();
        await store().setActiveTotp(userId, secret());
        const steps = Array.from({ length: PARALLEL }, (_, i) => STEP + ((i * 7) % PARALLEL));
        const results = await allResolved(steps.map((s) => store().acceptTotpStep(userId, s)));
        const newest = Math.max(...steps);
        expect(results[steps.indexOf(newest)]).toBe(true);
        expect(countTrue(results)).toBeGreaterThanOrEqual(1);
        expect((await store().getState(userId)).totpLastStep).toBe(newest);
      });
    });

    describe('recovery codes', () => {
      it('uses up each code once and counts the unused ones', async () => {
        const userId = randomUUID();
        const hashes = Array.from({ length: 10 }, () => hash());
        await store().replaceRecoveryCodes(userId, hashes);
        expect((await store().getState(userId)).recoveryCodesLeft).toBe(10);

        expect(await store().consumeRecoveryCode(userId, hashes[3])).toBe(true);
        expect(await store().consumeRecoveryCode(userId, hashes[3])).toBe(false);
        expect((await store().getState(userId)).recoveryCodesLeft).toBe(9);
        expect(await store().consumeRecoveryCode(userId, hash())).toBe(false);
        expect(await store().consumeRecoveryCode(randomUUID(), hashes[4])).toBe(false);
        expect((await store().getState(userId)).recoveryCodesLeft).toBe(9);
      });

      it('keeps codes per user', async () => {
        const [a, b] = [randomUUID(), randomUUID()];
        const shared = hash();
        await store().replaceRecoveryCodes(a, [shared, hash()]);
        await store().replaceRecoveryCodes(b, [shared]);
        expect(await store().consumeRecoveryCode(a, shared)).toBe(true);
        expect((await store().getState(b)).recoveryCodesLeft).toBe(1);
        expect(await store().consumeRecoveryCode(b, shared)).toBe(true);
        expect((await store().getState(a)).recoveryCodesLeft).toBe(1);
      });

      it('replaces all earlier codes, used or not', async () => {
        const userId = randomUUID();
        const old = [hash(), hash(), hash()];
        await store().replaceRecoveryCodes(userId, old);
        await store().consumeRecoveryCode(userId, old[0]);
        const fresh = [hash(), hash()];
        await store().replaceRecoveryCodes(userId, fresh);
        expect((await store().getState(userId)).recoveryCodesLeft).toBe(2);
        for (const h of old) expect(await store().consumeRecoveryCode(userId, h)).toBe(false);
        for (const h of fresh) expect(await store().consumeRecoveryCode(userId, h)).toBe(true);
        expect((await store().getState(userId)).recoveryCodesLeft).toBe(0);

        await store().replaceRecoveryCodes(userId, [hash()]);
        await store().replaceRecoveryCodes(userId, []);
        expect((await store().getState(userId)).recoveryCodesLeft).toBe(0);
      });

      it('does not touch the TOTP state', async () => {
        const userId = randomUUID();
        const s = secret();
        await store().setActiveTotp(userId, s);
        await store().acceptTotpStep(userId, STEP);
        await store().replaceRecoveryCodes(userId, [hash()]);
        expect(await store().getState(userId)).toStrictEqual({
          totpSecret: s,
          totpLastStep: STEP,
          totpPendingSecret: null,
          recoveryCodesLeft: 1,
        });
      });

      it('deletes all of a user’s codes only', async () => {
        const [a, b] = [randomUUID(), randomUUID()];
        const codes = [hash(), hash()];
        await store().replaceRecoveryCodes(a, codes);
        await store().replaceRecoveryCodes(b, [hash()]);
        await store().deleteRecoveryCodes(a);
        expect((await store().getState(a)).recoveryCodesLeft).toBe(0);
        expect(await store().consumeRecoveryCode(a, codes[0])).toBe(false);
        expect((await store().getState(b)).recoveryCodesLeft).toBe(1);
        await expect(store().deleteRecoveryCodes(randomUUID())).resolves.toBeUndefined();
      });

      it(`lets exactly one of ${PARALLEL} parallel calls with the same hash succeed`, async () => {
        const userId = randomUUID();
        const hashes = Array.from({ length: 10 }, () => hash());
        await store().replaceRecoveryCodes(userId, hashes);
        const results = await allResolved(Array.from({ length: PARALLEL }, () => store().consumeRecoveryCode(userId, hashes[0])));
        expect(countTrue(results)).toBe(1);
        expect((await store().getState(userId)).recoveryCodesLeft).toBe(9);
      });

      it('uses up different codes in parallel, each once', async () => {
        const userId = randomUUID();
        const hashes = Array.from({ length: 10 }, () => hash());
        await store().replaceRecoveryCodes(userId, hashes);
        const calls = [...hashes, ...hashes].map((h) => store().consumeRecoveryCode(userId, h));
        const results = await allResolved(calls);
        expect(countTrue(results)).toBe(10);
        expect((await store().getState(userId)).recoveryCodesLeft).toBe(0);
      });

      it('applies parallel replacements one after the other (never a mix of two sets)', async () => {
        const userId = randomUUID();
        const sets = Array.from({ length: 10 }, () => Array.from({ length: 10 }, () => hash()));
        await allResolved(sets.map((set) => store().replaceRecoveryCodes(userId, set)));
        expect((await store().getState(userId)).recoveryCodesLeft).toBe(10);
        const survivors: boolean[][] = [];
        for (const set of sets) {
          const used = await Promise.all(set.map((h) => store().consumeRecoveryCode(userId, h)));
          if (used.some((ok) => ok)) survivors.push(used);
        }
        expect(survivors).toHaveLength(1);
        expect(survivors[0].every((ok) => ok)).toBe(true);
      });
    });

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
      it('deletes codes, pending marks and devices expired at `now`, keeping live ones and the TOTP state', async () => {
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
        const s = secret();
        await store().setActiveTotp(expiredUser, s);
        await store().acceptTotpStep(expiredUser, STEP);
        await store().replaceRecoveryCodes(expiredUser, [hash()]);

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
        expect(await store().getState(expiredUser)).toStrictEqual({
          totpSecret: s,
          totpLastStep: STEP,
          totpPendingSecret: null,
          recoveryCodesLeft: 1,
        });
        await expect(deleteExpired(now)).resolves.toBeUndefined();
      });
    });
  });
}
