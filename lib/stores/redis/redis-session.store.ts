import type { Redis } from 'ioredis';
import type { RevocationWatcher, SessionRevocation, SessionRotation, SessionStore, StoredSession } from '../session.store.js';
import { withRedisErrors } from './redis-error.mapper.js';
import {
  arrayReply,
  assertOptions,
  defineScript,
  fieldsReply,
  integerOption,
  integerReply,
  LIST_INDEXED_HASHES,
  PUT_INDEXED_HASH,
  MAX_TTL_MS,
  numberField,
  optionalString,
  requiredNumber,
  requiredString,
  resolvePrefix,
  scriptKeyPrefix,
  time,
  ttlMs,
  type RedisScript,
} from './redis-script.js';
import type { RedisSessionStoreOptions } from './redis-store.options.js';
import { isSessionLive } from '../../sessions/session-liveness.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Sessions deleted per script call in `deleteExpired` (bounds the time Redis is busy with one call). */
const DELETE_BATCH = 500;

/**
 * `rotate`: KEYS session, end index; ARGV expectedHash, newHash, successor, rotatedAt, lastUsedAt,
 * expiresAt, retention, max TTL, user-index key prefix, id. Overwrites fields of the session's hash
 * only: no key or member is added per rotation.
 */
const ROTATE = `
local s = redis.call('HMGET', KEYS[1], 'refreshTokenHash', 'revokedAt', 'absoluteExpiresAt', 'userId')
if s[1] ~= ARGV[1] or s[2] then return 0 end
redis.call('HSET', KEYS[1], 'refreshTokenHash', ARGV[2], 'previousTokenHash', ARGV[1], 'previousSuccessor', ARGV[3],
  'rotatedAt', ARGV[4], 'lastUsedAt', ARGV[5], 'expiresAt', ARGV[6])
local ends = math.min(tonumber(ARGV[6]), tonumber(s[3]))
local ttl = math.min(math.max(ends - tonumber(ARGV[5]), 0) + tonumber(ARGV[7]), tonumber(ARGV[8]))
ttl = math.max(math.floor(ttl), 1)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], ends, ARGV[10])
extend(KEYS[2], ttl)
extend(ARGV[9] .. s[4], ttl)
return 1
`;

/**
 * Lua: revokes the session at 'key' (known to exist, not revoked) at ARGV[1]; retention ARGV[2];
 * KEYS end with the end index and the revocation index. `announce(ids)` then trims the revocation
 * index to the retention window and publishes the revoked ids on the channel ARGV[#ARGV] as the JSON
 * array [revokedAt, id, id, …].
 */
const REVOKE_ONE = `
local function revoke(key, id, s)
  redis.call('HSET', key, 'revokedAt', ARGV[1])
  redis.call('ZADD', KEYS[#KEYS - 1], math.min(tonumber(s[3]), tonumber(s[4]), tonumber(ARGV[1])), id)
  redis.call('ZADD', KEYS[#KEYS], ARGV[1], id)
  shorten(key, tonumber(ARGV[2]))
end
local function announce(ids)
  if #ids == 0 then return end
  redis.call('ZREMRANGEBYSCORE', KEYS[#KEYS], '-inf', '(' .. (tonumber(ARGV[1]) - tonumber(ARGV[2])))
  extend(KEYS[#KEYS], tonumber(ARGV[2]))
  local message = { ARGV[1] }
  for _, id in ipairs(ids) do message[#message + 1] = id end
  redis.call('PUBLISH', ARGV[#ARGV], cjson.encode(message))
end
`;

/** `revoke`: KEYS session, end index, revocation index; ARGV at, retention, id, channel. */
const REVOKE =
  REVOKE_ONE +
  `
local s = redis.call('HMGET', KEYS[1], 'userId', 'revokedAt', 'expiresAt', 'absoluteExpiresAt')
if not s[1] or s[2] then return 0 end
revoke(KEYS[1], ARGV[3], s)
announce({ ARGV[3] })
return 1
`;

/**
 * `revokeAllForUser`: KEYS user index, end index, revocation index; ARGV at, retention, exceptId
 * ('' for none), has-except flag, session key prefix, channel.
 */
const REVOKE_ALL =
  REVOKE_ONE +
  `
local revoked = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[5] .. id
  local s = redis.call('HMGET', key, 'userId', 'revokedAt', 'expiresAt', 'absoluteExpiresAt')
  if not s[1] then
    redis.call('SREM', KEYS[1], id)
  elseif not s[2] and not (ARGV[4] == '1' and id == ARGV[3]) then
    revoke(key, id, s)
    revoked[#revoked + 1] = id
  end
end
announce(revoked)
return #revoked
`;

/**
 * `deleteExpired`, one batch: KEYS end index; ARGV before, batch size, session key prefix, key prefix
 * of the rotated sets of earlier versions (deleted too, so they go with their session), user-index
 * key prefix. Returns { deleted, scanned }.
 */
const DELETE_EXPIRED = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local deleted = 0
for _, id in ipairs(ids) do
  local key = ARGV[3] .. id
  local userId = redis.call('HGET', key, 'userId')
  if userId then
    redis.call('DEL', key)
    redis.call('SREM', ARGV[5] .. userId, id)
    deleted = deleted + 1
  end
  redis.call('DEL', ARGV[4] .. id)
  redis.call('ZREM', KEYS[1], id)
end
return { deleted, #ids }
`;

/** The optional fields of a session: absent from the hash when `null`. */
const NULLABLE_STRINGS = ['previousTokenHash', 'previousSuccessor', 'userAgent', 'ip'] as const;
const NULLABLE_TIMES = ['rotatedAt', 'revokedAt'] as const;

/**
 * A {@link SessionStore} on Redis (ioredis), for several instances sharing sessions.
 *
 * Key layout (`<p>` is `keyPrefix`, default `gk:`):
 * - `<p>session:<id>`: hash of the session's fields (a `null` field is absent; times are decimal
 *   epoch milliseconds);
 * - (`<p>session-rotated:<id>`, the rotated-hash sets of earlier versions, are no longer written;
 *   they expire with their TTL or go with their session in `deleteExpired`.)
 * - `<p>user-sessions:<userId>`: set of the user's session ids;
 * - `<p>sessions-by-end`: sorted set of session ids scored by when the session ends
 *   (`min(expiresAt, absoluteExpiresAt, revokedAt)`), which `deleteExpired` reads instead of
 *   scanning the keyspace;
 * - `<p>revocations`: sorted set of revoked session ids scored by `revokedAt`, trimmed to the last
 *   `retentionMs` at every revocation (the revocation feed's catch-up, {@link listRevokedSince});
 * - pub/sub channel `<p>revocations`: every revocation is published there
 *   ({@link watchRevocations}).
 *
 * Guarantees:
 * - Every write is one Lua script, so a session never exists without its TTL and indexes.
 * - `rotate` is one script that compares the current hash (and checks that the session is not
 *   revoked) before overwriting fields of the session's hash (no key grows with rotations): exactly one of any number of concurrent rotations with the same expected
 *   hash succeeds, across all instances sharing the Redis.
 * - `revoke` and `revokeAllForUser` are scripts too: a session is revoked at most once.
 * - Every key has a TTL, computed as a duration from the record's own times (never from the times
 *   as absolute Redis expiries, so a caller's clock need not match Redis's): a session's keys live
 *   until its idle or absolute expiry (whichever is first, moved by each rotation) plus `retentionMs`,
 *   and `retentionMs` after a revocation. Index keys live as long as their longest-living member.
 *   Logical expiry follows the stored times exactly: `listActiveByUser(userId, now)` filters by them.
 * - `deleteExpired` deletes in batches of one script each. Index entries of sessions whose keys
 *   expired are dropped by later writes (and by `listActiveByUser`), so no index grows without bound
 *   even when `deleteExpired` is never called.
 * - An unreachable Redis rejects with `StoreUnavailableError` (the ioredis error as `cause`); build
 *   the client with {@link redisClientOptions} so that this happens at once instead of after retries.
 * - Returned sessions are fresh objects.
 */
export class RedisSessionStore implements SessionStore {
  private readonly prefix: string;
  /** `prefix` with the client's own `keyPrefix`, for keys the scripts build. */
  private readonly luaPrefix: string;
  private readonly retentionMs: number;
  private readonly createScript: RedisScript;
  private readonly rotateScript: RedisScript;
  private readonly revokeScript: RedisScript;
  private readonly revokeAllScript: RedisScript;
  private readonly listScript: RedisScript;
  private readonly deleteExpiredScript: RedisScript;

  /**
   * @param redis an ioredis client (standalone or Sentinel), ideally built with {@link redisClientOptions}.
   * @param options key prefix and retention; see {@link RedisSessionStoreOptions}.
   */
  constructor(
    private readonly redis: Redis,
    options: RedisSessionStoreOptions = {},
  ) {
    const problems: string[] = [];
    this.prefix = resolvePrefix(options.keyPrefix);
    this.luaPrefix = scriptKeyPrefix(redis, this.prefix);
    this.retentionMs = integerOption(problems, 'retentionMs', options.retentionMs, DAY_MS, 1);
    assertOptions('RedisSessionStore', problems);
    this.createScript = defineScript(redis, 'session_create', 3, PUT_INDEXED_HASH);
    this.rotateScript = defineScript(redis, 'session_rotate', 2, ROTATE);
    this.revokeScript = defineScript(redis, 'session_revoke', 3, REVOKE);
    this.revokeAllScript = defineScript(redis, 'session_revoke_all', 3, REVOKE_ALL);
    this.listScript = defineScript(redis, 'session_list', 1, LIST_INDEXED_HASHES);
    this.deleteExpiredScript = defineScript(redis, 'session_delete_expired', 1, DELETE_EXPIRED);
  }

  /** Stores the session (replacing one with the same id), its TTL and its index entries, in one script. */
  async create(session: StoredSession): Promise<void> {
    const endedAt = Math.min(session.expiresAt, session.absoluteExpiresAt, session.revokedAt ?? Infinity);
    const ttl = ttlMs(endedAt - session.createdAt, this.retentionMs);
    const fields: string[] = [
      'userId',
      session.userId,
      'refreshTokenHash',
      session.refreshTokenHash,
      'createdAt',
      time(session.createdAt),
      'lastUsedAt',
      time(session.lastUsedAt),
      'expiresAt',
      time(session.expiresAt),
      'absoluteExpiresAt',
      time(session.absoluteExpiresAt),
    ];
    for (const field of NULLABLE_STRINGS) {
      const value = session[field];
      if (value !== null) fields.push(field, value);
    }
    for (const field of NULLABLE_TIMES) {
      const value = session[field];
      if (value !== null) fields.push(field, time(value));
    }
    await this.run(() =>
      this.createScript(
        [this.sessionKey(session.id), this.userKey(session.userId), this.endKey()],
        [session.id, ttl, time(endedAt), `${this.luaPrefix}session:`, ...fields],
      ),
    );
  }

  /** The session (revoked and expired ones included, until their keys expire), or `null`. One HGETALL. */
  async findById(id: string): Promise<StoredSession | null> {
    const fields = await this.run(() => this.redis.hgetall(this.sessionKey(id)));
    return Object.keys(fields).length === 0 ? null : toSession(id, fields);
  }

  /**
   * Rotates atomically (one script): succeeds only when the session exists, is not revoked and its
   * current hash equals `expectedHash`; then writes the rotation and moves the TTLs. Of concurrent calls with the same `expectedHash`, exactly one resolves `true`.
   */
  async rotate(id: string, expectedHash: string, rotation: SessionRotation): Promise<boolean> {
    const reply = await this.run(() =>
      this.rotateScript(
        [this.sessionKey(id), this.endKey()],
        [
          expectedHash,
          rotation.refreshTokenHash,
          rotation.previousSuccessor,
          time(rotation.rotatedAt),
          time(rotation.lastUsedAt),
          time(rotation.expiresAt),
          this.retentionMs,
          MAX_TTL_MS,
          `${this.luaPrefix}user-sessions:`,
          id,
        ],
      ),
    );
    return integerReply(reply, 'rotate') === 1;
  }

  /**
   * The user's sessions neither revoked nor expired at `now` (by their stored times), newest first.
   * One script reads them all (and drops index entries whose session key has expired).
   */
  async listActiveByUser(userId: string, now: number): Promise<StoredSession[]> {
    const reply = arrayReply(await this.run(() => this.listScript([this.userKey(userId)], [`${this.luaPrefix}session:`])), 'list');
    const sessions: StoredSession[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const id = optionalString(reply[i], 'list');
      if (id === null) continue;
      const s = toSession(id, fieldsReply(reply[i + 1], 'list'));
      if (isSessionLive(s, now)) sessions.push(s);
    }
    return sessions.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * Revokes one session (one script: only when it exists and is not yet revoked, so exactly one of
   * concurrent calls resolves `true`). Its keys then expire `retentionMs` later.
   */
  async revoke(id: string, at: number): Promise<boolean> {
    const reply = await this.run(() =>
      this.revokeScript([this.sessionKey(id), this.endKey(), this.revocationsKey()], [time(at), this.retentionMs, id, this.channel()]),
    );
    return integerReply(reply, 'revoke') === 1;
  }

  /** Revokes every non-revoked session of the user except `exceptId`, in one script; resolves how many. */
  async revokeAllForUser(userId: string, at: number, exceptId?: string): Promise<number> {
    const reply = await this.run(() =>
      this.revokeAllScript(
        [this.userKey(userId), this.endKey(), this.revocationsKey()],
        [time(at), this.retentionMs, exceptId ?? '', exceptId === undefined ? '0' : '1', `${this.luaPrefix}session:`, this.channel()],
      ),
    );
    return integerReply(reply, 'revokeAllForUser');
  }

  /**
   * Deletes the sessions that ended (expired or were revoked) before `before`, with their rotation
   * history and index entries, reading the end index (no keyspace scan), in batches of one script each.
   * Resolves how many sessions it deleted (sessions whose keys had already expired are not counted).
   */
  async deleteExpired(before: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const reply = arrayReply(
        await this.run(() =>
          this.deleteExpiredScript(
            [this.endKey()],
            [
              time(before),
              DELETE_BATCH,
              `${this.luaPrefix}session:`,
              `${this.luaPrefix}session-rotated:`,
              `${this.luaPrefix}user-sessions:`,
            ],
          ),
        ),
        'deleteExpired',
      );
      deleted += integerReply(reply[0], 'deleteExpired');
      if (integerReply(reply[1], 'deleteExpired') < DELETE_BATCH) return deleted;
    }
  }

  /**
   * Sessions revoked at or after `since`, oldest first, from the revocation index (a sorted set scored
   * by `revokedAt`, trimmed to `retentionMs` at every revocation): one ZRANGEBYSCORE.
   */
  async listRevokedSince(since: number, limit: number): Promise<SessionRevocation[]> {
    const reply = await this.run(() =>
      this.redis.zrangebyscore(this.revocationsKey(), time(since), '+inf', 'WITHSCORES', 'LIMIT', 0, limit),
    );
    const revocations: SessionRevocation[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) revocations.push({ id: reply[i], revokedAt: Number(reply[i + 1]) });
    return revocations;
  }

  /**
   * Watches revocations through pub/sub: the revoke scripts PUBLISH the revoked ids on
   * `<client keyPrefix><p>revocations`; this subscribes on a duplicate of the client (a subscribed
   * connection can run nothing else). ioredis reconnects and resubscribes by itself; after every
   * reconnection `watcher.resync()` asks the caller to re-read what it may have missed
   * ({@link listRevokedSince}). Resolves once subscribed; the returned function closes the connection.
   */
  async watchRevocations(watcher: RevocationWatcher): Promise<() => Promise<void>> {
    const channel = this.channel();
    const subscriber = this.redis.duplicate({ lazyConnect: true });
    subscriber.on('error', () => undefined); // reconnection is ioredis's job; resync covers the gap
    subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      const revocations = parseAnnouncement(message);
      if (revocations.length > 0) watcher.revoked(revocations);
    });
    let subscribed = false;
    subscriber.on('ready', () => {
      if (!subscribed) return;
      // A reconnection: once the (automatic) resubscription is through, re-read what was missed.
      subscriber.subscribe(channel).then(
        () => watcher.resync(),
        () => watcher.resync(),
      );
    });
    await this.run(async () => {
      await subscriber.connect();
      await subscriber.subscribe(channel);
    }).catch((error: unknown) => {
      subscriber.disconnect();
      throw error;
    });
    subscribed = true;
    return async () => {
      subscriber.removeAllListeners('ready');
      await subscriber.quit().catch(() => subscriber.disconnect());
    };
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    return withRedisErrors(work);
  }

  private sessionKey(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}user-sessions:${userId}`;
  }

  private endKey(): string {
    return `${this.prefix}sessions-by-end`;
  }

  private revocationsKey(): string {
    return `${this.prefix}revocations`;
  }

  /** The pub/sub channel of revocations (channels get no client keyPrefix from ioredis: it is added here). */
  private channel(): string {
    return `${this.luaPrefix}revocations`;
  }
}

/** The revocations of a published `[revokedAt, id, …]` message; nothing for a malformed one. */
function parseAnnouncement(message: string): SessionRevocation[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed) || parsed.length < 2) return [];
  const revokedAt = Number(parsed[0]);
  if (!Number.isSafeInteger(revokedAt)) return [];
  const revocations: SessionRevocation[] = [];
  for (let i = 1; i < parsed.length; i++) {
    const id: unknown = parsed[i];
    if (typeof id === 'string') revocations.push({ id, revokedAt });
  }
  return revocations;
}

/** A fresh session object from a stored hash. */
function toSession(id: string, f: Record<string, string>): StoredSession {
  return {
    id,
    userId: requiredString(f, 'userId'),
    refreshTokenHash: requiredString(f, 'refreshTokenHash'),
    previousTokenHash: f['previousTokenHash'] ?? null,
    previousSuccessor: f['previousSuccessor'] ?? null,
    rotatedAt: numberField(f, 'rotatedAt'),
    createdAt: requiredNumber(f, 'createdAt'),
    lastUsedAt: requiredNumber(f, 'lastUsedAt'),
    expiresAt: requiredNumber(f, 'expiresAt'),
    absoluteExpiresAt: requiredNumber(f, 'absoluteExpiresAt'),
    revokedAt: numberField(f, 'revokedAt'),
    userAgent: f['userAgent'] ?? null,
    ip: f['ip'] ?? null,
  };
}
