import { assertImplements, type MethodList } from '../stores/assert-implements.js';

/**
 * Hashes and verifies passwords. The default is {@link Argon2idPasswordHasher}.
 * Implementations must compare in constant time and never log the password.
 */
export interface PasswordHasher {
  /** Hashes a password into a self-describing encoded string (e.g. a PHC string). */
  hash(password: string): Promise<string>;
  /** Whether `password` matches `encoded`. Resolves `false` (never rejects) for a malformed hash. */
  verify(encoded: string, password: string): Promise<boolean>;
  /** Whether `encoded` was made with weaker parameters than the current ones (rehash at next login). */
  needsRehash?(encoded: string): boolean;
}

/** Injection token of the {@link PasswordHasher}. */
export const PASSWORD_HASHER = Symbol('nest-gatekeeper:PasswordHasher');

/** The required methods of {@link PasswordHasher}; the compiler keeps this list equal to the interface. */
const PASSWORD_HASHER_METHODS = { hash: 1, verify: 1 } satisfies MethodList<PasswordHasher>;

/** Checks at start-up that `hasher` has every required {@link PasswordHasher} method (one `AuthConfigError` otherwise). */
export function assertPasswordHasher(hasher: unknown): PasswordHasher {
  return assertImplements<PasswordHasher>('passwordHasher', 'PasswordHasher', hasher, PASSWORD_HASHER_METHODS);
}
