import { afterEach, beforeEach } from './test-api.js';

/** What a contract suite's factory returns: a fresh, empty store and how to dispose of it. */
export interface StoreFixture<S> {
  store: S;
  /** Called after each test. */
  teardown?: () => Promise<void>;
  /**
   * Optional: a measure of everything the store holds (rows, keys, bytes: any number that grows
   * with the stored data). Suites that check a storage bound (the session store: rotations must not
   * grow it) compare it before and after; without it they check behaviour only.
   */
  footprint?: () => Promise<number>;
}

/**
 * Registers `beforeEach`/`afterEach` hooks that build a fresh fixture per test, and returns a getter
 * for the current store.
 */
export function useFixture<S, A extends unknown[] = []>(
  factory: (...args: A) => Promise<StoreFixture<S>>,
  ...args: A
): { store: () => S; footprint: () => Promise<number> | undefined; rebuild: (...args: A) => Promise<S> } {
  let current: StoreFixture<S> | undefined;
  const dispose = async (): Promise<void> => {
    const teardown = current?.teardown;
    current = undefined;
    await teardown?.();
  };
  beforeEach(async () => {
    current = await factory(...args);
  });
  afterEach(dispose);
  return {
    store: () => {
      if (!current) throw new Error('No store: the factory failed or the test runs outside a hook.');
      return current.store;
    },
    /** The fixture's footprint, or `undefined` when it has none. */
    footprint: () => current?.footprint?.(),
    /** Replaces the current store by one built with other arguments (the old one is torn down). */
    rebuild: async (...next: A) => {
      await dispose();
      current = await factory(...next);
      return current.store;
    },
  };
}

/** Settles all promises and splits the outcomes. */
export async function settle<T>(promises: readonly Promise<T>[]): Promise<{ values: T[]; errors: unknown[] }> {
  const results = await Promise.allSettled(promises);
  const values: T[] = [];
  const errors: unknown[] = [];
  for (const r of results) {
    if (r.status === 'fulfilled') values.push(r.value);
    else errors.push(r.reason);
  }
  return { values, errors };
}
