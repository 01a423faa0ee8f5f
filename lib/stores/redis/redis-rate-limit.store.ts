import type { Redis } from 'ioredis';
import type { CounterState, RateLimitStore } from '../rate-limit.store.js';
import { withRedisErrors } from './redis-error.mapper.js';
import {
  arrayReply,
  assertOptions,
  defineScript,
  integerOption,
  integerReply,
  optionalString,
  resolvePrefix,
  time,
  ttlMs,
  type RedisScript,
} from './redis-script.js';
import type { RedisRateLimitStoreOptions } from './redis-store.options.js';

/**
 * `increment`: KEYS counter; ARGV now, resetAt of a new window, TTL of a new window.
 * Returns { count, resetAt, lastAt } (times as the stored strings).
 */
const INCREMENT = `
local resetAt = redis.call('HGET', KEYS[1], 'resetAt')
if not resetAt or tonumber(resetAt) <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'count', 1, 'resetAt', ARGV[2], 'lastAt', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return { 1, ARGV[2], ARGV[1] }
end
local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HSET', KEYS[1], 'lastAt', ARGV[1])
return { count, resetAt, ARGV[1] }
`;

/** `decrement`: KEYS counter; ARGV now, window resetAt ('' for any). Takes one from a live, positive counter. */
const DECREMENT = `
local s = redis.call('HMGET', KEYS[1], 'count', 'resetAt')
if s[1] and s[2] and tonumber(s[2]) > tonumber(ARGV[1]) and tonumber(s[1]) > 0 and (ARGV[2] == '' or tonumber(s[2]) == tonumber(ARGV[2])) then
  redis.call('HINCRBY', KEYS[1], 'count', -1)
end
return 0
`;

function empty(): CounterState {
  return { count: 0, resetAt: 0, lastAt: 0 };
}

/**
 * A {@link RateLimitStore} on Redis (ioredis): fixed-window counters shared by every instance.
 *
 * Key layout (`<p>` is `keyPrefix`, default `gk:`): `<p>rate:<key>`, a hash with `count`, `resetAt`
 * and `lastAt` (decimal epoch milliseconds).
 *
 * Guarantees:
 * - `increment` is one Lua script: it restarts the counter (count 1, `resetAt = now + windowMs`)
 *   when it is absent or its stored `resetAt <= now`, and otherwise adds one with HINCRBY, so N
 *   concurrent increments raise the count by exactly N and an expired counter restarts exactly once.
 * - The window is decided by the stored `resetAt` compared with the `now` the caller passes; the
 *   key's TTL (set when a window starts: `windowMs + expirySlackMs`, never moved by later
 *   increments) only frees the memory afterwards.
 * - An unreachable Redis rejects with `StoreUnavailableError` (the ioredis error as `cause`).
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly prefix: string;
  private readonly slackMs: number;
  private readonly incrementScript: RedisScript;
  private readonly decrementScript: RedisScript;

  /**
   * @param redis an ioredis client (standalone or Sentinel), ideally built with {@link redisClientOptions}.
   * @param options key prefix, TTL slack; see {@link RedisRateLimitStoreOptions}.
   */
  constructor(
    private readonly redis: Redis,
    options: RedisRateLimitStoreOptions = {},
  ) {
    const problems: string[] = [];
    this.prefix = resolvePrefix(options.keyPrefix);
    this.slackMs = integerOption(problems, 'expirySlackMs', options.expirySlackMs, 60_000, 0);
    assertOptions('RedisRateLimitStore', problems);
    this.incrementScript = defineScript(redis, 'rate_increment', 1, INCREMENT);
    this.decrementScript = defineScript(redis, 'rate_decrement', 1, DECREMENT);
  }

  /**
   * Adds one to the counter (one script; see the class comment) and returns its new state. A counter
   * that is absent or expired at `now` starts at 1 and lives `windowMs` from `now`.
   */
  async increment(key: string, windowMs: number, now: number): Promise<CounterState> {
    const reply = arrayReply(
      await this.run(() => this.incrementScript([this.counterKey(key)], [time(now), time(now + windowMs), ttlMs(windowMs, this.slackMs)])),
      'increment',
    );
    return {
      count: integerReply(reply[0], 'increment'),
      resetAt: Number(optionalString(reply[1], 'increment')),
      lastAt: Number(optionalString(reply[2], 'increment')),
    };
  }

  /** Takes one from a live, positive counter (one script; see {@link RateLimitStore.decrement}). */
  async decrement(key: string, now: number, windowResetAt?: number): Promise<void> {
    await this.run(() => this.decrementScript([this.counterKey(key)], [time(now), windowResetAt === undefined ? '' : time(windowResetAt)]));
  }

  /** The counter's state at `now` (count 0 when absent or expired). One HMGET. */
  async peek(key: string, now: number): Promise<CounterState> {
    const [count, resetAt, lastAt] = await this.run(() => this.redis.hmget(this.counterKey(key), 'count', 'resetAt', 'lastAt'));
    if (count === null || resetAt === null || Number(resetAt) <= now) return empty();
    return { count: Number(count), resetAt: Number(resetAt), lastAt: Number(lastAt ?? 0) };
  }

  /** Deletes the counter (DEL). */
  async reset(key: string): Promise<void> {
    await this.run(() => this.redis.del(this.counterKey(key)));
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    return withRedisErrors(work);
  }

  private counterKey(key: string): string {
    return `${this.prefix}rate:${key}`;
  }
}
