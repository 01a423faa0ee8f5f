/**
 * Thrown by a {@link UserStore} when a new user would duplicate a username or e-mail.
 * Stores throw this domain error, never an HTTP error; the module maps it to 409 `CONFLICT`.
 */
export class DuplicateUserError extends Error {
  constructor(readonly field: 'username' | 'email' | 'unknown' = 'unknown') {
    super(`A user with this ${field === 'unknown' ? 'username or e-mail' : field} already exists.`);
    this.name = 'DuplicateUserError';
  }
}

/**
 * Thrown by a store when its backing service cannot be reached. The module maps it to 503
 * `STORE_UNAVAILABLE` (the driver's message never reaches a response).
 */
export class StoreUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('The backing store is unavailable.', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The error a store rethrows: a {@link StoreUnavailableError} (with the original as `cause`) when
 * `isUnavailable` says the backend cannot be reached, the original error otherwise (a bug stays
 * visible as such). Each adapter family passes its own driver classification.
 */
export function toStoreError(error: unknown, isUnavailable: (error: unknown) => boolean): unknown {
  return !(error instanceof StoreUnavailableError) && isUnavailable(error) ? new StoreUnavailableError(error) : error;
}

/** Runs `work`, rethrowing what {@link toStoreError} maps. */
export async function mapStoreErrors<T>(work: () => Promise<T>, isUnavailable: (error: unknown) => boolean): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toStoreError(error, isUnavailable);
  }
}
