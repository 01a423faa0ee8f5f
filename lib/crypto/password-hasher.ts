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
