import type { MfaChallengeStore } from './mfa-challenge.store.js';
import type { MfaEnrolmentStore } from './mfa-enrolment.store.js';

export type { DeliveredMfaMethod, MfaChallengeStore, StoredOneTimeCode, StoredTrustedDevice } from './mfa-challenge.store.js';
export type { MfaEnrolmentStore, MfaUserState } from './mfa-enrolment.store.js';

/**
 * A store holding both halves of the MFA state: the durable {@link MfaEnrolmentStore} (TOTP secrets,
 * recovery codes) and the short-lived {@link MfaChallengeStore} (one-time codes, finished pending
 * logins, trusted devices). What the option `mfaStore` takes; `mfaEnrolmentStore` and
 * `mfaChallengeStore` each override one half (e.g. enrolment in SQL, challenges in Redis). The
 * bundled memory, TypeORM and Redis MFA stores implement both.
 *
 * There is no `MFA_STORE` token: the two halves may be two objects, so inject each with
 * `InjectMfaEnrolmentStore()` / `InjectMfaChallengeStore()`.
 */
export interface MfaStore extends MfaEnrolmentStore, MfaChallengeStore {}
