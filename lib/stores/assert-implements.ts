import { AuthConfigError } from '../errors/auth-config.error.js';

/** The names of `T`'s required methods (optional ones such as `listRevokedSince?` left out). */
export type RequiredMethodName<T> = {
  [K in keyof T]-?: undefined extends T[K] ? never : T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

/**
 * Every required method of a contract, one key each. Declare the list with
 * `{ ... } satisfies MethodList<UserStore>`: the compiler then refuses a list that misses a method
 * of the interface or names one it does not have, so the start-up check cannot drift from the contract.
 */
export type MethodList<T> = Record<RequiredMethodName<T>, 1>;

/**
 * Checks at start-up that `value` has every method of its contract, so a store missing one fails
 * with one {@link AuthConfigError} naming them all instead of answering 500 on every request.
 * Returns `value`, typed.
 *
 * @param option the option that supplied it (`userStore`), the path of the problem
 * @param contract the interface's name, for the message
 */
export function assertImplements<T>(option: string, contract: string, value: unknown, methods: MethodList<T>): T {
  const missing = Object.keys(methods).filter(
    (name) => typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[name] !== 'function',
  );
  if (missing.length > 0) {
    const name =
      typeof value === 'object' && value !== null ? (value as { constructor?: { name?: unknown } }).constructor?.name : undefined;
    const what = typeof name === 'string' && name !== '' && name !== 'Object' ? ` (${name})` : '';
    throw new AuthConfigError([`${option}: does not implement ${contract}${what}; missing ${missing.map((m) => `${m}()`).join(', ')}`]);
  }
  return value as T;
}
