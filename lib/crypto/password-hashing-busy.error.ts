/**
 * Thrown (synchronously by {@link BoundedPasswordHasher.reserve}, as a rejection by `hash` and
 * `verify`) when every running and waiting place is taken. The module answers it with 503
 * `AUTH_BUSY` and `Retry-After: retryAfterSeconds`.
 */
export class PasswordHashingBusyError extends Error {
  override readonly name = 'PasswordHashingBusyError';

  /** @param retryAfterSeconds when a place is likely to be free again (whole seconds, at least 1). */
  constructor(readonly retryAfterSeconds: number) {
    super('Too many password hashes are in flight.');
  }
}
