import { randomUUID } from 'node:crypto';
import { describe, expect, it } from './test-api.js';
import type { MfaEnrolmentStore } from '../stores/mfa-enrolment.store.js';
import { useFixture, type StoreFixture } from './store-fixture.js';
import { allResolved, countTrue, hash, PARALLEL, secret, STEP } from './mfa-contract-helpers.js';

/** Builds a fresh, empty {@link MfaEnrolmentStore}. */
export type MfaEnrolmentStoreFactory = () => Promise<StoreFixture<MfaEnrolmentStore>>;

/**
 * The {@link MfaEnrolmentStore} contract (TOTP state and recovery codes). Every implementation must
 * pass it; the memory store is the reference.
 */
export function runMfaEnrolmentStoreContract(name: string, factory: MfaEnrolmentStoreFactory): void {
  describe(`MfaEnrolmentStore contract: ${name}`, () => {
    const fixture = useFixture(factory);
    const store = (): MfaEnrolmentStore => fixture.store();

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
  });
}
