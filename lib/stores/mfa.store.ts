import type { DeliveredMfaMethod } from '../mfa/mfa-methods.js';

/** A second factor that delivers a one-time code by message (defined in `mfa/mfa-methods.ts`). */
export type { DeliveredMfaMethod };

/** A user's TOTP and recovery-code state, as {@link MfaStore.getState} reads it. */
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

/** An e-mail or SMS code waiting to be used. At most one per user. */
export interface StoredOneTimeCode {
  /** The pending login the code belongs to (the `mfaToken`'s id). */
  pendingId: string;
  method: DeliveredMfaMethod;
  /** Keyed hash of the code (the code itself is never stored). */
  codeHash: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** A device on which a user chose "trust this device". */
export interface StoredTrustedDevice {
  /** Random id, the first part of the trust token. */
  id: string;
  userId: string;
  /** SHA-256 of the whole trust token (the token itself is never stored). */
  tokenHash: string;
  /** A label from the User-Agent at creation, or `null`. */
  label: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

/**
 * The mutable state of multi-factor authentication: TOTP secrets and last steps, recovery codes,
 * e-mail/SMS codes, used pending logins and trusted devices. (Attempt counters live in the
 * `RateLimitStore`; which methods a user has enabled lives with the user, see `UserStore.setMfaMethods`.)
 *
 * Every operation that must be atomic is one method whose JSDoc states the guarantee; an adapter
 * shared by several instances must keep these guarantees across processes. Secrets arrive already
 * encrypted or hashed: a store never sees a TOTP secret, a code or a token in clear text.
 * Stores never throw HTTP errors; an unreachable backend rejects with `StoreUnavailableError`.
 */
export interface MfaStore {
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

  /** Stores the user's one-time code, replacing (and so invalidating) any earlier one. */
  putCode(userId: string, code: StoredOneTimeCode): Promise<void>;

  /**
   * Uses up the user's one-time code when it belongs to `pendingId`, has the `method` and
   * `codeHash` given and has not expired at `now`. Guarantee: deletes it and resolves `true` for
   * exactly one of any number of concurrent matching calls; anything else resolves `false` and
   * leaves the code in place.
   */
  consumeCode(userId: string, pendingId: string, method: DeliveredMfaMethod, codeHash: string, now: number): Promise<boolean>;

  /** Deletes the user's one-time code, if any. */
  deleteCode(userId: string): Promise<void>;

  /**
   * Marks a pending login as finished (completed, or killed by the attempt cap), remembered until
   * `expiresAt` (the pending token's expiry). Guarantee: resolves `true` for exactly one of any number
   * of concurrent calls with the same id, `false` when it was already finished.
   */
  finishPending(pendingId: string, expiresAt: number): Promise<boolean>;

  /** Whether {@link finishPending} was called for this id (and it has not expired yet). */
  isPendingFinished(pendingId: string, now: number): Promise<boolean>;

  /** Saves a new trusted device. */
  addTrustedDevice(device: StoredTrustedDevice): Promise<void>;

  /** The trusted device with this id, or `null`. */
  findTrustedDevice(id: string): Promise<StoredTrustedDevice | null>;

  /** Sets a trusted device's `lastUsedAt`. */
  touchTrustedDevice(id: string, now: number): Promise<void>;

  /** The user's trusted devices that have not expired at `now`, newest first. */
  listTrustedDevices(userId: string, now: number): Promise<StoredTrustedDevice[]>;

  /** Deletes one of the user's trusted devices. Resolves `false` when the user has no such device. */
  deleteTrustedDevice(userId: string, id: string): Promise<boolean>;

  /** Deletes all of the user's trusted devices; resolves how many there were. */
  deleteTrustedDevices(userId: string): Promise<number>;

  /** Deletes expired codes, pending marks and trusted devices (housekeeping; optional). */
  deleteExpired?(now: number): Promise<void>;
}
