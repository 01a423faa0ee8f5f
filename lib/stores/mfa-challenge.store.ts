import { Inject } from '@nestjs/common';
import { assertImplements, type MethodList } from './assert-implements.js';
import type { DeliveredMfaMethod } from '../mfa/mfa-methods.js';

/** A second factor that delivers a one-time code by message (defined in `mfa/mfa-methods.ts`). */
export type { DeliveredMfaMethod };

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
 * The short-lived half of the MFA state: e-mail/SMS one-time codes, finished pending logins and
 * trusted devices. Every record carries its own expiry and is written at MFA logins, which suits a
 * fast shared store with native expiry (Redis); losing a record only costs a new code or a second
 * factor prompt. The durable half is the {@link MfaEnrolmentStore}. (Attempt counters live in the
 * `RateLimitStore`.)
 *
 * Every operation that must be atomic is one method whose JSDoc states the guarantee; an adapter
 * shared by several instances must keep these guarantees across processes. Codes and tokens arrive
 * hashed: a store never sees them in clear text. Stores never throw HTTP errors; an unreachable
 * backend rejects with `StoreUnavailableError`.
 */
export interface MfaChallengeStore {
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

  /**
   * Deletes codes, pending marks and trusted devices expired at `now` (housekeeping; optional: the
   * module's janitor calls it hourly when present). Never touches enrolment state.
   */
  deleteExpired?(now: number): Promise<void>;
}

/** Injection token of the {@link MfaChallengeStore} (option `mfaChallengeStore`, else `mfaStore`). */
export const MFA_CHALLENGE_STORE = Symbol('nest-gatekeeper:MfaChallengeStore');

/** Injects the configured {@link MfaChallengeStore}. */
export const InjectMfaChallengeStore = (): PropertyDecorator & ParameterDecorator => Inject(MFA_CHALLENGE_STORE);

/** The required methods of {@link MfaChallengeStore}; the compiler keeps this list equal to the interface. */
const MFA_CHALLENGE_STORE_METHODS = {
  putCode: 1,
  consumeCode: 1,
  deleteCode: 1,
  finishPending: 1,
  isPendingFinished: 1,
  addTrustedDevice: 1,
  findTrustedDevice: 1,
  touchTrustedDevice: 1,
  listTrustedDevices: 1,
  deleteTrustedDevice: 1,
  deleteTrustedDevices: 1,
} satisfies MethodList<MfaChallengeStore>;

/** Checks at start-up that `store` has every required {@link MfaChallengeStore} method (one `AuthConfigError` otherwise). */
export function assertMfaChallengeStore(store: unknown, option = 'mfaChallengeStore'): MfaChallengeStore {
  return assertImplements<MfaChallengeStore>(option, 'MfaChallengeStore', store, MFA_CHALLENGE_STORE_METHODS);
}
