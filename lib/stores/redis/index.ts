/**
 * Redis adapters of the stores (ioredis). Requires the optional peer dependency `ioredis` (only its
 * types are imported here: the app creates the client and passes it in).
 *
 * ```ts
 * const redis = new Redis(process.env.REDIS_URL, redisClientOptions());
 * AuthModule.forRoot({
 *   // jwt, userStore, mfa: …
 *   sessionStore: new RedisSessionStore(redis),
 *   rateLimitStore: new RedisRateLimitStore(redis),
 *   mfaEnrolmentStore: new TypeOrmMfaStore(dataSource), // TOTP secrets, recovery codes: durable
 *   mfaChallengeStore: new RedisMfaStore(redis), // codes, pending marks, trusted devices
 * });
 * ```
 *
 * Every key carries a TTL, so configure the Redis with `maxmemory-policy noeviction` (a `volatile-*`
 * or `allkeys-*` policy may evict live sessions or counters under memory pressure). Without
 * persistence a Redis restart logs every user out and forgets counters: enable AOF or RDB if that
 * matters, and keep TOTP secrets and recovery codes in SQL (`mfaEnrolmentStore`).
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
