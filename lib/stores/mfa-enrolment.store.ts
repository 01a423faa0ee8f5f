import { Inject } from '@nestjs/common';
import { assertImplements, type MethodList } from './assert-implements.js';

/** A user's TOTP and recovery-code state, as {@link MfaEnrolmentStore.getState} reads it. */
export interface MfaUserState {
  /** The encrypted secret of the enabled authenticator, or `null` when TOTP is not enabled. */
  totpSecret: string | null;
  /** The last accepted TOTP time step (a step is accepted once only); `-1` when none. */
  totpLastStep: number;
  /** The encrypted secret of a TOTP setup not yet confirmed by a code, or `null`. */
  totpPendingSecret: string | null;
  /** How many unused recovery codes the user has. */
  recoveryCodesLeft: number;
}

/**
 * The durable half of the MFA state: a user's TOTP secret (active and pending), the last accepted
 * TOTP step, and the recovery codes. These are long-lived credentials: keep them where they survive
 * restarts and are never evicted (SQL), since losing them locks the user out of TOTP until an
 * administrator re-enrols them (the module fails closed). Which methods a user has enabled lives with
 * the user (`UserStore.setMfaMethods`); the short-lived half is the {@link MfaChallengeStore}.
 *
 * Every operation that must be atomic is one method whose JSDoc states the guarantee; an adapter
 * shared by several instances must keep these guarantees across processes. Secrets arrive already
 * encrypted or hashed: a store never sees a TOTP secret or a recovery code in clear text.
 * Stores never throw HTTP errors; an unreachable backend rejects with `StoreUnavailableError`.
 */
export interface MfaEnrolmentStore {
  /** The user's state; a user without any state reads as `{ null, -1, null, 0 }`. */
  getState(userId: string): Promise<MfaUserState>;

  /** Saves the encrypted secret of a new TOTP setup, replacing any earlier unconfirmed one. */
  setPendingTotp(userId: string, encryptedSecret: string): Promise<void>;

  /**
   * Makes the pending secret the active one, with `step` as its last accepted step, and clears the
   * pending secret. Guarantee: succeeds (resolves `true`) only while the pending secret still equals
   * `encryptedSecret`, so of concurrent activations exactly one succeeds, and a setup started in the
   * meantime is never activated by a code for another secret.
   */
  activateTotp(userId: string, encryptedSecret: string, step: number): Promise<boolean>;

  /**
   * Sets the active secret directly (seeding, administration), with no step accepted yet.
   */
  setActiveTotp(userId: string, encryptedSecret: string): Promise<void>;

  /** Removes the active and the pending TOTP secret. */
  clearTotp(userId: string): Promise<void>;

  /**
   * Records `step` as the last accepted TOTP step. Guarantee: succeeds (resolves `true`) only when TOTP
   * is active and `step` is greater than the last accepted step, atomically, so a code (or an older
   * one) is accepted once only, even by concurrent requests on several instances.
   */
  acceptTotpStep(userId: string, step: number): Promise<boolean>;

  /** Replaces all of the user's recovery codes by these hashes. */
  replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void>;

  /**
   * Uses up one recovery code. Guarantee: resolves `true` for exactly one of any number of concurrent
   * calls with the same hash, and `false` for an unknown or already used code.
   */
  consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean>;

  /** Deletes all of the user's recovery codes. */
  deleteRecoveryCodes(userId: string): Promise<void>;
}

/** Injection token of the {@link MfaEnrolmentStore} (option `mfaEnrolmentStore`, else `mfaStore`). */
export const MFA_ENROLMENT_STORE = Symbol('nest-gatekeeper:MfaEnrolmentStore');

/** Injects the configured {@link MfaEnrolmentStore}. */
export const InjectMfaEnrolmentStore = (): PropertyDecorator & ParameterDecorator => Inject(MFA_ENROLMENT_STORE);

/** The methods of {@link MfaEnrolmentStore}; the compiler keeps this list equal to the interface. */
const MFA_ENROLMENT_STORE_METHODS = {
  getState: 1,
  setPendingTotp: 1,
  activateTotp: 1,
  setActiveTotp: 1,
  clearTotp: 1,
  acceptTotpStep: 1,
  replaceRecoveryCodes: 1,
  consumeRecoveryCode: 1,
  deleteRecoveryCodes: 1,
} satisfies MethodList<MfaEnrolmentStore>;

/** Checks at start-up that `store` has every {@link MfaEnrolmentStore} method (one `AuthConfigError` otherwise). */
export function assertMfaEnrolmentStore(store: unknown, option = 'mfaEnrolmentStore'): MfaEnrolmentStore {
  return assertImplements<MfaEnrolmentStore>(option, 'MfaEnrolmentStore', store, MFA_ENROLMENT_STORE_METHODS);
}
