import { randomUUID } from 'node:crypto';
import { describe, expect, it } from './test-api.js';
import type { RateLimitStore } from '../stores/rate-limit.store.js';
import { useFixture, type StoreFixture } from './store-fixture.js';

/** Builds a fresh, empty {@link RateLimitStore}. */
export type RateLimitStoreFactory = () => Promise<StoreFixture<RateLimitStore>>;

const T0 = 1_750_000_000_000;
const WINDOW = 60_000;

/**
 * The {@link RateLimitStore} contract. Every implementation must pass it; the memory store is the
 * reference.
 */
export function runRateLimitStoreContract(name: string, factory: RateLimitStoreFactory): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    const fixture = useFixture(factory);
    const store = (): RateLimitStore => fixture.store();
    const key = (): string => `login:${randomUUID()}`;

    it('reports an absent counter as empty', async () => {
      expect(await store().peek(key(), T0)).toEqual({ count: 0, resetAt: 0, lastAt: 0 });
    });

    it('starts a window of windowMs at the first increment', async () => {
      const k = key();
      expect(await store().increment(k, WINDOW, T0)).toEqual({ count: 1, resetAt: T0 + WINDOW, lastAt: T0 });
      expect(await store().peek(k, T0 + 1)).toEqual({ count: 1, resetAt: T0 + WINDOW, lastAt: T0 });
    });

    it('does not extend the window on later increments', async () => {
      const k = key();
      await store().increment(k, WINDOW, T0);
      expect(await store().increment(k, WINDOW, T0 + 10_000)).toEqual({
        count: 2,
        resetAt: T0 + WINDOW,
        lastAt: T0 + 10_000,
      });
      // A different windowMs on a live counter changes nothing either.
      expect(await store().increment(k, 10 * WINDOW, T0 + 20_000)).toEqual({
        count: 3,
        resetAt: T0 + WINDOW,
        lastAt: T0 + 20_000,
      });
    });

    it('peeks without incrementing', async () => {
      const k = key();
      await store().increment(k, WINDOW, T0);
      await store().peek(k, T0 + 1);
      await store().peek(k, T0 + 2);
      expect((await store().peek(k, T0 + 3)).count).toBe(1);
    });

    it('expires the counter at resetAt and starts a new window at the next increment', async () => {
      const k = key();
      await store().increment(k, WINDOW, T0);
      await store().increment(k, WINDOW, T0 + 1);
      expect((await store().peek(k, T0 + WINDOW - 1)).count).toBe(2);
      expect(await store().peek(k, T0 + WINDOW)).toEqual({ count: 0, resetAt: 0, lastAt: 0 });
      expect(await store().increment(k, WINDOW, T0 + WINDOW + 5)).toEqual({
        count: 1,
        resetAt: T0 + 2 * WINDOW + 5,
        lastAt: T0 + WINDOW + 5,
      });
    });

    it('counts 100 parallel increments exactly, each seeing its own new count', async () => {
      const k = key();
      const states = await Promise.all(Array.from({ length: 100 }, () => store().increment(k, WINDOW, T0)));
      expect((await store().peek(k, T0)).count).toBe(100);
      expect(states.map((s) => s.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(new Set(states.map((s) => s.resetAt))).toEqual(new Set([T0 + WINDOW]));
    });

    it('restarts an expired counter exactly once under 50 parallel increments', async () => {
      const k = key();
      await store().increment(k, WINDOW, T0);
      await store().increment(k, WINDOW, T0);
      const later = T0 + WINDOW + 1;
      const states = await Promise.all(Array.from({ length: 50 }, () => store().increment(k, WINDOW, later)));
      expect(states.map((s) => s.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(new Set(states.map((s) => s.resetAt))).toEqual(new Set([later + WINDOW]));
      expect(await store().peek(k, later)).toEqual({ count: 50, resetAt: later + WINDOW, lastAt: later });
    });

    it('keeps keys independent', async () => {
      const a = key();
      const b = key();
      await store().increment(a, WINDOW, T0);
      await store().increment(a, WINDOW, T0);
      await store().increment(b, WINDOW, T0);
      expect((await store().peek(a, T0)).count).toBe(2);
      expect((await store().peek(b, T0)).count).toBe(1);
    });

    it('resets a counter, and resetting an absent one is harmless', async () => {
      const k = key();
      const other = key();
      await store().increment(k, WINDOW, T0);
      await store().increment(k, WINDOW, T0);
      await store().increment(other, WINDOW, T0);

      await store().reset(k);
      await store().reset(key());

      expect(await store().peek(k, T0)).toEqual({ count: 0, resetAt: 0, lastAt: 0 });
      expect((await store().peek(other, T0)).count).toBe(1);
      expect(await store().increment(k, WINDOW, T0 + 1)).toEqual({ count: 1, resetAt: T0 + 1 + WINDOW, lastAt: T0 + 1 });
    });

    it('decrements a live counter, keeping its window and lastAt', async () => {
      const k = key();
      await store().increment(k, WINDOW, T0);
      await store().increment(k, WINDOW, T0 + 10);
      await store().decrement(k, T0 + 20);
      expect(await store().peek(k, T0 + 30)).toEqual({ count: 1, resetAt: T0 + WINDOW, lastAt: T0 + 10 });
    });

    it('never decrements below zero, and never creates or revives a counter', async () => {
      const k = key();
      await store().increment(k, WINDOW, T0);
      await store().decrement(k, T0);
      await store().decrement(k, T0);
      expect((await store().peek(k, T0)).count).toBe(0);
      expect((await store().increment(k, WINDOW, T0 + 1)).count).toBe(1);
      const absent = key();
      await store().decrement(absent, T0);
      expect(await store().peek(absent, T0)).toEqual({ count: 0, resetAt: 0, lastAt: 0 });
      const expired = key();
      await store().increment(expired, WINDOW, T0);
      await store().decrement(expired, T0 + WINDOW);
      expect(await store().increment(expired, WINDOW, T0 + WINDOW + 1)).toEqual({
        count: 1,
        resetAt: T0 + 2 * WINDOW + 1,
        lastAt: T0 + WINDOW + 1,
      });
    });

    it('decrements only within the window given (a reservation never takes a count from the next window)', async () => {
      const k = key();
      const reserved = await store().increment(k, WINDOW, T0);
      // The window ends; a new one starts with a failure of its own.
      await store().increment(k, WINDOW, T0 + WINDOW + 1);
      await store().decrement(k, T0 + WINDOW + 2, reserved.resetAt);
      expect((await store().peek(k, T0 + WINDOW + 3)).count).toBe(1);
      const current = await store().increment(k, WINDOW, T0 + WINDOW + 4);
      await store().decrement(k, T0 + WINDOW + 5, current.resetAt);
      expect((await store().peek(k, T0 + WINDOW + 6)).count).toBe(1);
    });

    it('releases reservations exactly under concurrency: 60 increments and 40 decrements in parallel leave 20', async () => {
      const k = key();
      await Promise.all(Array.from({ length: 60 }, () => store().increment(k, WINDOW, T0)));
      await Promise.all(Array.from({ length: 40 }, () => store().decrement(k, T0 + 1)));
      expect((await store().peek(k, T0 + 2)).count).toBe(20);
      await Promise.all(Array.from({ length: 30 }, () => store().decrement(k, T0 + 3)));
      expect((await store().peek(k, T0 + 4)).count).toBe(0);
    });
  });
}
