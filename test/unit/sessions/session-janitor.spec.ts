import { jest } from '@jest/globals';
import {
  MemoryAccountTokenStore,
  MemoryMfaStore,
  MemoryRateLimitStore,
  MemorySessionStore,
  type RateLimitStore,
} from '../../../lib/index.js';
import type { ActivityFeed } from '../../../lib/events/activity-feed.js';
import { SessionJanitor } from '../../../lib/sessions/session.janitor.js';
import { COUNTER_INTERVAL_MS } from '../../../lib/sessions/session.janitor.js';
import { TestClock } from '../../fixtures/test-clock.js';

describe('SessionJanitor schedule', () => {
  afterEach(() => jest.useRealTimers());

  it('purges expired attempt counters every 5 minutes, sessions, MFA state, account tokens and old activity hourly', async () => {
    jest.useFakeTimers();
    const sessions = new MemorySessionStore();
    const counters: RateLimitStore & { deleteExpired: (before: number) => Promise<number> } = Object.assign(new MemoryRateLimitStore(), {
      deleteExpired: jest.fn(async (_before: number) => 0),
    });
    const sessionPurge = jest.spyOn(sessions, 'deleteExpired');
    const accountTokens = new MemoryAccountTokenStore();
    const tokenPurge = jest.spyOn(accountTokens, 'deleteExpired');
    const activity = { purge: jest.fn(async (_now: number) => 0) } as unknown as ActivityFeed;
    const janitor = new SessionJanitor(sessions, new TestClock(), new MemoryMfaStore(), counters, accountTokens, activity);
    janitor.onApplicationBootstrap();
    try {
      await jest.advanceTimersByTimeAsync(COUNTER_INTERVAL_MS);
      expect(counters.deleteExpired).toHaveBeenCalledTimes(1);
      expect(sessionPurge).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(60 * 60 * 1000 - COUNTER_INTERVAL_MS);
      expect(counters.deleteExpired).toHaveBeenCalledTimes(13); // 12 counter passes + the hourly one
      expect(sessionPurge).toHaveBeenCalledTimes(1);
      expect(tokenPurge).toHaveBeenCalledTimes(1);
      expect(activity.purge).toHaveBeenCalledTimes(1);
    } finally {
      janitor.onApplicationShutdown();
    }
  });
});
