/**
 * `nest-gatekeeper/testing`: the store contract suites. Run them against your own adapter from a
 * Jest (or Vitest `globals: true`) test file; this project runs them against every adapter it ships.
 *
 * ```ts
 * // my-session-store.spec.ts (Jest, or Vitest with globals: true)
 * import { runSessionStoreContract, runRateLimitStoreContract } from 'nest-gatekeeper/testing';
 *
 * runSessionStoreContract('my store', async () => {
 *   const db = await openTestDatabase();
 *   return { store: new MySessionStore(db), teardown: () => db.close() };
 * });
 * runRateLimitStoreContract('my counters', async () => ({ store: new MyCounters(await freshNamespace()) }));
 * ```
 *
 * Each factory is called before every test and must return a fresh, empty store; `teardown` runs
 * after the test. The suites include the concurrency guarantees (100 parallel rotations of one token
 * → exactly one winner; 100 parallel counter increments → the exact count; 100 parallel consumers of
 * one account token → exactly one gets it).
 */
export { runAccountTokenStoreContract, type AccountTokenStoreFactory } from './account-token-store.contract.js';
export { runActivityStoreContract, type ActivityStoreFactory } from './activity-store.contract.js';
export { runIdentityStoreContract, type IdentityStoreFactory } from './identity-store.contract.js';
export { runMfaChallengeStoreContract, type MfaChallengeStoreFactory } from './mfa-challenge-store.contract.js';
export { runMfaEnrolmentStoreContract, type MfaEnrolmentStoreFactory } from './mfa-enrolment-store.contract.js';
export { runMfaStoreContract, type MfaStoreFactory } from './mfa-store.contract.js';
export { runPasskeyStoreContract, type PasskeyStoreFactory } from './passkey-store.contract.js';
export { runRateLimitStoreContract, type RateLimitStoreFactory } from './rate-limit-store.contract.js';
export { runSessionStoreContract, type SessionStoreFactory } from './session-store.contract.js';
export { runUserStoreContract, type UserStoreContractOptions, type UserStoreFactory } from './user-store.contract.js';
export type { StoreFixture } from './store-fixture.js';
export { CONTRACT_TEST_TIMEOUT_MS, type ContractExpectation, type ContractMatchers } from './test-api.js';
