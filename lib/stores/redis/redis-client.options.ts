import type { RedisOptions } from 'ioredis';

/**
 * ioredis options for the client of the Redis stores, so that a Redis outage fails fast (the stores
 * reject with `StoreUnavailableError`, which the module answers with 503) and the same client
 * reconnects by itself when Redis is back. `overrides` (host, password, tls, db…) are merged last.
 *
 * ```ts
 * const redis = new Redis(process.env.REDIS_URL!, redisClientOptions()); // fails fast, reconnects by itself
 * redis.on('error', (e) => logger.warn(`Redis: ${e.message}`)); // else ioredis prints every error
 * ```
 *
 * What each option does:
 * - `enableOfflineQueue: false`: while disconnected a command rejects at once instead of waiting in
 *   a queue (and a queued command can never run late, after its caller was told it failed). Calls
 *   made before the first connection is ready fail too: wait for the client's `ready` event (or
 *   `lazyConnect` + `await redis.connect()`) before serving traffic.
 * - `maxRetriesPerRequest: 0` with `autoResendUnfulfilledCommands: false`: a command in flight when
 *   the connection drops rejects at once and is never re-sent after the reconnection (a re-sent
 *   rotation or increment would run twice, or after its caller got an error).
 * - `commandTimeout: 2000`: a command Redis does not answer (stalled network, overloaded server)
 *   rejects after 2 s.
 * - `socketTimeout: 3000`: a connection that receives nothing for 3 s while replies are awaited is
 *   destroyed, so a half-open connection (peer gone without a reset) leads to a reconnection instead
 *   of timing out every command forever.
 * - `connectTimeout: 2000`: a connection attempt that gets no answer is abandoned after 2 s.
 * - `retryStrategy`: reconnects forever, 200 ms after the first failure, backing off to every 2 s.
 *
 * Use this client for the stores only (no blocking commands such as BLPOP, whose waits would trip the
 * socket timeout, and no subscriber mode). The outcome of a command that timed out is unknown (Redis
 * may still execute it); the stores report it as unavailable, like any other failure.
 */
export function redisClientOptions(overrides: RedisOptions = {}): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: 2000,
    socketTimeout: 3000,
    connectTimeout: 2000,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    ...overrides,
  };
}
