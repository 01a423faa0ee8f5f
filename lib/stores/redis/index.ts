/**
 * Redis adapters of the stores (ioredis). Requires the optional peer dependency `ioredis` (only its
 * types are imported here: the app creates the client and passes it in).
 *
 * ```ts
 * const redis = new Redis(process.env.REDIS_URL, redisClientOptions());
 * AuthModule.forRoot({
 *   sessions: { store: new RedisSessionStore(redis) },
 *   rateLimit: { store: new RedisRateLimitStore(redis) },
 *   mfa: { store: new SplitMfaStore({ enrolment: new TypeOrmMfaStore(dataSource), ephemeral: new RedisMfaStore(redis) }) },
 * });
 * ```
 *
 * Every key carries a TTL, so configure the Redis with `maxmemory-policy noeviction` (a `volatile-*`
 * or `allkeys-*` policy may evict live sessions or counters under memory pressure). Without
 * persistence a Redis restart logs every user out and forgets counters: enable AOF or RDB if that
 * matters, and keep TOTP secrets and recovery codes in SQL (see `SplitMfaStore`).
 */
export { redisClientOptions } from './redis-client.options.js';
export { RedisMfaStore } from './redis-mfa.store.js';
export { RedisRateLimitStore } from './redis-rate-limit.store.js';
export { RedisSessionStore } from './redis-session.store.js';
export type {
  RedisMfaStoreOptions,
  RedisRateLimitStoreOptions,
  RedisSessionStoreOptions,
  RedisStoreOptions,
} from './redis-store.options.js';
