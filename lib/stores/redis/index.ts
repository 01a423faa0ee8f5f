/**
 * Redis adapters of the stores (ioredis). Requires the optional peer dependency `ioredis` (only its
 * types are imported here: the app creates the client and passes it in).
 *
 * ```ts
 * const redis = new Redis(process.env.REDIS_URL!, redisClientOptions()); // fails fast, reconnects by itself
 * redis.on('error', (e) => logger.warn(`Redis: ${e.message}`)); // else ioredis prints every error
 * const keyPrefix = 'myapp:auth:';
 *
 * export const authOnRedis = AuthModule.forRoot({
 *   jwt: { secret: process.env.JWT_SECRET! },
 *   userStore: new TypeOrmUserStore(dataSource),           // users stay in SQL
 *   sessionStore: new RedisSessionStore(redis, { keyPrefix }),
 *   rateLimitStore: new RedisRateLimitStore(redis, { keyPrefix }),
 *   // TOTP secrets and recovery codes in SQL; codes, pending marks and trusted devices in Redis.
 *   mfaEnrolmentStore: new TypeOrmMfaStore(dataSource),
 *   mfaChallengeStore: new RedisMfaStore(redis, { keyPrefix }),
 *   mfa: {
 *     methods: ['totp', 'email'],
 *     encryptionKey: process.env.MFA_ENCRYPTION_KEY!,
 *     senders: { email: MailerEmailSender },
 *   },
 * });
 * ```
 *
 * (The whole example, imports included: docs/examples/redis.ts.)
 *
 * Every key carries a TTL, so configure the Redis with `maxmemory-policy noeviction` (a `volatile-*`
 * or `allkeys-*` policy may evict live sessions or counters under memory pressure). Without
 * persistence a Redis restart logs every user out and forgets counters: enable AOF or RDB if that
 * matters, and keep TOTP secrets and recovery codes in SQL (`mfaEnrolmentStore`).
 */
export { RedisAccountTokenStore } from './redis-account-token.store.js';
export { RedisActivityStore } from './redis-activity.store.js';
export { redisClientOptions } from './redis-client.options.js';
export { RedisMfaStore } from './redis-mfa.store.js';
export { RedisRateLimitStore } from './redis-rate-limit.store.js';
export { RedisSessionStore } from './redis-session.store.js';
export type {
  RedisAccountTokenStoreOptions,
  RedisActivityStoreOptions,
  RedisMfaStoreOptions,
  RedisRateLimitStoreOptions,
  RedisSessionStoreOptions,
  RedisStoreOptions,
} from './redis-store.options.js';
