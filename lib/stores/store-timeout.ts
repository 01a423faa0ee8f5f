import { StoreUnavailableError } from '../errors/store.errors.js';

/**
 * The `storeTimeout` safety net: every call of a store method that returns a promise is raced
 * against a timer; a store that has not answered in `ms` rejects with {@link StoreUnavailableError}
 * (answered 503 `STORE_UNAVAILABLE`), so a hung database or Redis never hangs a request. The late
 * result of the timed-out call is ignored (a write may still land; the module tolerates that, e.g. a
 * rotation that commits after its 503 leaves the client's token inside the reuse-grace window).
 *
 * Reads (`find…`, `peek`, `list…`, `get…`) are raced against `readMs` instead (`storeReadTimeout`,
 * shorter: a read has nothing to wait for but the database). Returns the store itself when `ms` is
 * `null`. One timer per store call (about 1 µs).
 */
export function withStoreTimeout<T extends object>(
  store: T,
  ms: number | null,
  storeName: string,
  readMs: number | null = ms,
  observe?: StoreCallObserver,
): T {
  if (ms === null && observe === undefined) return store;
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver): unknown {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      let fn = wrapped.get(property);
      if (fn === undefined || (fn as { original?: unknown }).original !== value) {
        const method = value as (...args: unknown[]) => unknown;
        const limit = typeof property === 'string' && READ.test(property) && readMs !== null ? readMs : ms;
        const operation = String(property);
        const call = (...args: unknown[]): unknown => {
          const started = observe === undefined ? 0 : performance.now();
          const result = method.apply(target, args);
          if (!isPromiseLike(result)) return result;
          const settled = limit === null ? Promise.resolve(result) : race(result, limit, `${storeName}.${operation}`);
          if (observe === undefined) return settled;
          return settled.then(
            (value) => {
              observe(storeName, operation, performance.now() - started, true);
              return value;
            },
            (error: unknown) => {
              observe(storeName, operation, performance.now() - started, false);
              throw error;
            },
          );
        };
        fn = Object.assign(call, { original: value });
        wrapped.set(property, fn);
      }
      return fn;
    },
  });
}

/** Told the duration (ms) and outcome of every store call that returned a promise (telemetry). */
export type StoreCallObserver = (store: string, operation: string, ms: number, ok: boolean) => void;

/** Store methods that only read (they get the read timeout). */
const READ = /^(find|peek|list|get|has|was|is)(?![a-z])/;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function race(pending: PromiseLike<unknown>, ms: number, what: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new StoreUnavailableError(new Error(`${what} did not answer within ${ms} ms`)));
    }, ms);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // The store's own rejection, passed through unchanged (StoreUnavailableError or the driver's).
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}
