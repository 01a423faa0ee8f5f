import { randomUUID } from 'node:crypto';
import { describe, expect, it } from './test-api.js';
import type { MfaStore } from '../stores/mfa.store.js';
import { useFixture, type StoreFixture } from './store-fixture.js';
import { runMfaChallengeStoreContract } from './mfa-challenge-store.contract.js';
import { runMfaEnrolmentStoreContract } from './mfa-enrolment-store.contract.js';
import { code, DAY, device, hash, secret, STEP, T0 } from './mfa-contract-helpers.js';

/** Builds a fresh, empty {@link MfaStore} (both halves). */
export type MfaStoreFactory = () => Promise<StoreFixture<MfaStore>>;

/**
 * The contract of a store implementing both MFA halves: {@link runMfaEnrolmentStoreContract},
 * {@link runMfaChallengeStoreContract}, and that the challenge half's housekeeping and deletions leave
 * the enrolment half alone.
 */
export function runMfaStoreContract(name: string, factory: MfaStoreFactory): void {
  runMfaEnrolmentStoreContract(name, factory);
  runMfaChallengeStoreContract(name, factory);

  describe(`MfaStore contract (both halves in one store): ${name}`, () => {
    const fixture = useFixture(factory);
    const store = (): MfaStore => fixture.store();

    it('keeps the TOTP state and the recovery codes through deleteExpired and the challenge deletions', async () => {
      const userId = randomUUID();
      const s = secret();
      await store().setActiveTotp(userId, s);
      await store().acceptTotpStep(userId, STEP);
      await store().replaceRecoveryCodes(userId, [hash()]);
      const now = T0 + DAY;
      await store().putCode(userId, code({ expiresAt: now }));
      await store().addTrustedDevice(device({ userId, expiresAt: now - 1 }));
      await store().addTrustedDevice(device({ userId }));
      await store().finishPending(randomUUID(), now);

      await store().deleteExpired?.(now);
      await store().deleteCode(userId);
      await store().deleteTrustedDevices(userId);

      expect(await store().getState(userId)).toStrictEqual({
        totpSecret: s,
        totpLastStep: STEP,
        totpPendingSecret: null,
        recoveryCodesLeft: 1,
      });
    });
  });
}
