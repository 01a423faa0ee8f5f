import type { DeliveredMfaMethod, MfaStore, MfaUserState, StoredOneTimeCode, StoredTrustedDevice } from './mfa.store.js';

/**
 * An {@link MfaStore} that keeps each kind of MFA state where it belongs:
 * - `enrolment` (a durable store, e.g. `TypeOrmMfaStore` on SQL) holds the TOTP state (active and
 *   pending secret, last accepted step) and the recovery codes: `getState`, `setPendingTotp`,
 *   `activateTotp`, `setActiveTotp`, `clearTotp`, `acceptTotpStep`, `replaceRecoveryCodes`,
 *   `consumeRecoveryCode`, `deleteRecoveryCodes`;
 * - `ephemeral` (a fast shared store with expiry, e.g. `RedisMfaStore`) holds the one-time e-mail/SMS
 *   codes, the finished-pending-login marks and the trusted devices, and does the housekeeping
 *   (`deleteExpired`).
 *
 * Why: TOTP secrets and recovery codes are long-lived credentials. A Redis without persistence loses
 * them at a restart, and one with an eviction policy may drop them under memory pressure; either way
 * the user is locked out of TOTP (the module fails closed) until an administrator re-enrols them. A
 * lost one-time code, mark or trusted device only costs a new code or a second-factor prompt (a
 * finished pending login forgotten at a restart still needs a new valid second factor), while these
 * records are written at every MFA login and expire within minutes or days, which suits Redis's TTLs
 * better than SQL rows that need purging.
 *
 * Guarantees: every method delegates to exactly one of the two stores, so each keeps the atomicity
 * guarantee that store gives (no operation spans both).
 */
export class SplitMfaStore implements MfaStore {
  private readonly enrolment: MfaStore;
  private readonly ephemeral: MfaStore;

  /**
   * @param stores.enrolment the durable store for TOTP state and recovery codes.
   * @param stores.ephemeral the store for one-time codes, finished pending logins and trusted devices.
   */
  constructor({ enrolment, ephemeral }: { enrolment: MfaStore; ephemeral: MfaStore }) {
    this.enrolment = enrolment;
    this.ephemeral = ephemeral;
  }

  /** The enrolment store's state (TOTP and recovery codes). */
  getState(userId: string): Promise<MfaUserState> {
    return this.enrolment.getState(userId);
  }

  /** Enrolment store. */
  setPendingTotp(userId: string, encryptedSecret: string): Promise<void> {
    return this.enrolment.setPendingTotp(userId, encryptedSecret);
  }

  /** Enrolment store (its guarantee: exactly one of concurrent activations succeeds). */
  activateTotp(userId: string, encryptedSecret: string, step: number): Promise<boolean> {
    return this.enrolment.activateTotp(userId, encryptedSecret, step);
  }

  /** Enrolment store. */
  setActiveTotp(userId: string, encryptedSecret: string): Promise<void> {
    return this.enrolment.setActiveTotp(userId, encryptedSecret);
  }

  /** Enrolment store. */
  clearTotp(userId: string): Promise<void> {
    return this.enrolment.clearTotp(userId);
  }

  /** Enrolment store (its guarantee: a step is accepted once only). */
  acceptTotpStep(userId: string, step: number): Promise<boolean> {
    return this.enrolment.acceptTotpStep(userId, step);
  }

  /** Enrolment store. */
  replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void> {
    return this.enrolment.replaceRecoveryCodes(userId, codeHashes);
  }

  /** Enrolment store (its guarantee: a code is used up once only). */
  consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    return this.enrolment.consumeRecoveryCode(userId, codeHash);
  }

  /** Enrolment store. */
  deleteRecoveryCodes(userId: string): Promise<void> {
    return this.enrolment.deleteRecoveryCodes(userId);
  }

  /** Ephemeral store. */
  putCode(userId: string, code: StoredOneTimeCode): Promise<void> {
    return this.ephemeral.putCode(userId, code);
  }

  /** Ephemeral store (its guarantee: exactly one of concurrent matching calls succeeds). */
  consumeCode(userId: string, pendingId: string, method: DeliveredMfaMethod, codeHash: string, now: number): Promise<boolean> {
    return this.ephemeral.consumeCode(userId, pendingId, method, codeHash, now);
  }

  /** Ephemeral store. */
  deleteCode(userId: string): Promise<void> {
    return this.ephemeral.deleteCode(userId);
  }

  /** Ephemeral store (its guarantee: exactly one of concurrent calls with the same id succeeds). */
  finishPending(pendingId: string, expiresAt: number): Promise<boolean> {
    return this.ephemeral.finishPending(pendingId, expiresAt);
  }

  /** Ephemeral store. */
  isPendingFinished(pendingId: string, now: number): Promise<boolean> {
    return this.ephemeral.isPendingFinished(pendingId, now);
  }

  /** Ephemeral store. */
  addTrustedDevice(device: StoredTrustedDevice): Promise<void> {
    return this.ephemeral.addTrustedDevice(device);
  }

  /** Ephemeral store. */
  findTrustedDevice(id: string): Promise<StoredTrustedDevice | null> {
    return this.ephemeral.findTrustedDevice(id);
  }

  /** Ephemeral store. */
  touchTrustedDevice(id: string, now: number): Promise<void> {
    return this.ephemeral.touchTrustedDevice(id, now);
  }

  /** Ephemeral store. */
  listTrustedDevices(userId: string, now: number): Promise<StoredTrustedDevice[]> {
    return this.ephemeral.listTrustedDevices(userId, now);
  }

  /** Ephemeral store. */
  deleteTrustedDevice(userId: string, id: string): Promise<boolean> {
    return this.ephemeral.deleteTrustedDevice(userId, id);
  }

  /** Ephemeral store. */
  deleteTrustedDevices(userId: string): Promise<number> {
    return this.ephemeral.deleteTrustedDevices(userId);
  }

  /**
   * The ephemeral store's housekeeping (everything that expires lives there; a no-op when it has
   * none). The enrolment store holds nothing that expires.
   */
  async deleteExpired(now: number): Promise<void> {
    await this.ephemeral.deleteExpired?.(now);
  }
}
