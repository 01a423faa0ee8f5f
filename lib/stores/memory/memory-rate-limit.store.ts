import type { CounterState, RateLimitStore } from '../rate-limit.store.js';

const EMPTY: CounterState = Object.freeze({ count: 0, resetAt: 0, lastAt: 0 });
/** Expired counters are swept at most this often, to bound memory under attack. */
const SWEEP_INTERVAL_MS = 60_000;

/** The default {@link RateLimitStore}: fixed-window counters in this process's memory. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counters = new Map<string, CounterState>();
  private nextSweep = 0;

  increment(key: string, windowMs: number, now: number): Promise<CounterState> {
    this.sweep(now);
    const current = this.counters.get(key);
    const next: CounterState =
      current && current.resetAt > now
        ? { count: current.count + 1, resetAt: current.resetAt, lastAt: now }
        : { count: 1, resetAt: now + windowMs, lastAt: now };
    this.counters.set(key, next);
    return Promise.resolve({ ...next });
  }

  decrement(key: string, now: number, windowResetAt?: number): Promise<void> {
    const current = this.counters.get(key);
    const inWindow = windowResetAt === undefined || current?.resetAt === windowResetAt;
    if (current && current.resetAt > now && current.count > 0 && inWindow) this.counters.set(key, { ...current, count: current.count - 1 });
    return Promise.resolve();
  }

  peek(key: string, now: number): Promise<CounterState> {
    const current = this.counters.get(key);
    return Promise.resolve(current && current.resetAt > now ? { ...current } : { ...EMPTY });
  }

  reset(key: string): Promise<void> {
    this.counters.delete(key);
    return Promise.resolve();
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + SWEEP_INTERVAL_MS;
    for (const [key, state] of this.counters) if (state.resetAt <= now) this.counters.delete(key);
  }
}
