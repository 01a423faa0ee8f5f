import { Inject } from '@nestjs/common';
import { assertImplements, type MethodList } from './assert-implements.js';

/** The state of one counter in a {@link RateLimitStore}. Times are epoch milliseconds. */
export interface CounterState {
  /** How many increments the counter holds (0 when absent or expired). */
  count: number;
  /** When the counter expires (0 when absent). */
  resetAt: number;
  /** When it was last incremented (0 when absent). */
  lastAt: number;
}

/**
 * Counters with a fixed window, used for login and MFA attempt limits.
 * The default is {@link MemoryRateLimitStore}; share one (Redis, SQL) across instances.
 */
export interface RateLimitStore {
  /**
   * Adds one to the counter and returns its new state. A counter that is absent or expired starts at
   * 1 and lives `windowMs` from now; later increments do not extend it.
   * Guarantee: N concurrent increments raise the count by exactly N.
   */
  increment(key: string, windowMs: number, now: number): Promise<CounterState>;
  /**
   * Takes one back from a live counter (releases a reservation made with {@link increment}, e.g. an
   * attempt that turned out to succeed). Never goes below 0, never creates or restarts a counter, and
   * leaves its window and `lastAt` as they are; an absent or expired counter is left alone. With
   * `windowResetAt` (the `resetAt` the reservation's increment returned), only a counter still in that
   * window is decremented: a reservation never takes a count from the next window.
   * Guarantee: N concurrent decrements of a counter of count C leave max(0, C − N).
   */
  decrement(key: string, now: number, windowResetAt?: number): Promise<void>;
  /** The counter's state (count 0 when absent or expired). */
  peek(key: string, now: number): Promise<CounterState>;
  /** Deletes the counter. */
  reset(key: string): Promise<void>;
  /**
   * Deletes counters whose window ended before `before` (they already read as absent); resolves how
   * many. Housekeeping, optional: the module's janitor calls it hourly when present. Stores whose
   * entries expire by themselves (memory, Redis) need not implement it.
   */
  deleteExpired?(before: number): Promise<number>;
}

/** The required methods of {@link RateLimitStore}; the compiler keeps this list equal to the interface. */
const RATE_LIMIT_STORE_METHODS = { increment: 1, decrement: 1, peek: 1, reset: 1 } satisfies MethodList<RateLimitStore>;

/** Checks at start-up that `store` has every required {@link RateLimitStore} method (one `AuthConfigError` otherwise). */
export function assertRateLimitStore(store: unknown): RateLimitStore {
  return assertImplements<RateLimitStore>('rateLimitStore', 'RateLimitStore', store, RATE_LIMIT_STORE_METHODS);
}
/** Injection token of the {@link RateLimitStore} (option `rateLimitStore`). */
export const RATE_LIMIT_STORE = Symbol('nest-gatekeeper:RateLimitStore');

/** Injects the configured {@link RateLimitStore}. */
export const InjectRateLimitStore = (): PropertyDecorator & ParameterDecorator => Inject(RATE_LIMIT_STORE);
