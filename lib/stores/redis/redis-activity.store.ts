import type { Redis } from 'ioredis';
import type { AuthEvent, AuthEventType } from '../../events/auth-event.js';
import type { ActivityCursor, ActivityStore, StoredActivity } from '../activity.store.js';
import { withRedisErrors } from './redis-error.mapper.js';
import {
  arrayReply,
  assertOptions,
  defineScript,
  integerOption,
  integerReply,
  resolvePrefix,
  scriptKeyPrefix,
  time,
  type RedisScript,
} from './redis-script.js';
import type { RedisActivityStoreOptions } from './redis-store.options.js';

const DAY_MS = 86_400_000;
/** Accounts visited per script call of `deleteOlderThan`. */
const DELETE_BATCH = 200;

/**
 * `record`: KEYS the account index; ARGV account-key prefix, maxPerUser, TTL, then (userId, at,
 * member) triples. Adds each entry once (ZADD NX: the member is the entry itself), trims the
 * account to its newest maxPerUser, renews its TTL and records its oldest entry in the index.
 */
const RECORD = `
local touched = {}
for i = 4, #ARGV, 3 do
  local key = ARGV[1] .. ARGV[i]
  redis.call('ZADD', key, 'NX', ARGV[i + 1], ARGV[i + 2])
  touched[ARGV[i]] = key
end
local max, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
for userId, key in pairs(touched) do
  redis.call('ZREMRANGEBYRANK', key, 0, -(max + 1))
  redis.call('PEXPIRE', key, ttl)
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #oldest == 2 then redis.call('ZADD', KEYS[1], oldest[2], userId) end
end
extend(KEYS[1], ttl)
return 1
`;

/**
 * `listByUser`: KEYS the account's entries; ARGV limit, cursor time ('' for none), cursor id.
 * Newest first: by score (time), then member (which starts with the id) descending; strictly older
 * than the cursor. Returns member, score, member, score, …
 */
const LIST = `
local limit = tonumber(ARGV[1])
if ARGV[2] == '' then
  return redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, limit)
end
local at = tonumber(ARGV[2])
local same = redis.call('ZCOUNT', KEYS[1], ARGV[2], ARGV[2])
local chunk = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[2], '-inf', 'WITHSCORES', 'LIMIT', 0, limit + same)
local out = {}
for i = 1, #chunk, 2 do
  if #out >= limit * 2 then break end
  local member, score = chunk[i], chunk[i + 1]
  local id = string.sub(member, 1, (string.find(member, ' ', 1, true) or (#member + 1)) - 1)
  if tonumber(score) < at or id < ARGV[3] then
    out[#out + 1] = member
    out[#out + 1] = score
  end
end
return out
`;

/**
 * `deleteOlderThan`, one batch: KEYS the account index; ARGV before, account-key prefix, batch
 * size, the most entries to delete. Returns { deleted, accounts visited }.
 */
const DELETE_OLDER = `
local before, budget = ARGV[1], tonumber(ARGV[4])
local users = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. before, 'LIMIT', 0, tonumber(ARGV[3]))
local deleted = 0
for _, userId in ipairs(users) do
  if deleted >= budget then break end
  local key = ARGV[2] .. userId
  local old = redis.call('ZRANGEBYSCORE', key, '-inf', '(' .. before, 'LIMIT', 0, budget - deleted)
  if #old > 0 then
    redis.call('ZREM', key, unpack(old))
    deleted = deleted + #old
  end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #oldest == 2 then redis.call('ZADD', KEYS[1], oldest[2], userId) else redis.call('ZREM', KEYS[1], userId) end
end
return { deleted, #users }
`;

/** What a member holds besides its id, time and account. */
interface StoredFields {
  type: AuthEventType;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
}

/**
 * An {@link ActivityStore} on Redis (ioredis), shared by every instance.
 *
 * Key layout (`<p>` is `keyPrefix`, default `gk:`):
 * - `<p>activity:<userId>`: sorted set of the account's entries, scored by time (epoch ms); each
 *   member is `<event id> <JSON of type, sessionId, ip, userAgent>`, so the same event is kept once
 *   and entries of the same millisecond are ordered by id;
 * - `<p>activity-accounts`: sorted set of account ids scored by their oldest entry, which
 *   `deleteOlderThan` reads instead of scanning the keyspace.
 *
 * Bounded: at most `maxPerUser` entries per account (trimmed on every write, the oldest first), and
 * every key expires `retentionMs` after the account's last write.
 */
export class RedisActivityStore implements ActivityStore {
  private readonly prefix: string;
  private readonly luaPrefix: string;
  private readonly maxPerUser: number;
  private readonly retentionMs: number;
  private readonly recordScript: RedisScript;
  private readonly listScript: RedisScript;
  private readonly deleteScript: RedisScript;

  /**
   * @param redis an ioredis client, ideally built with `redisClientOptions()`.
   * @param options key prefix, entries per account, retention.
   */
  constructor(
    private readonly redis: Redis,
    options: RedisActivityStoreOptions = {},
  ) {
    const problems: string[] = [];
    this.prefix = resolvePrefix(options.keyPrefix);
    this.luaPrefix = scriptKeyPrefix(redis, this.prefix);
    this.maxPerUser = integerOption(problems, 'maxPerUser', options.maxPerUser, 50, 1);
    this.retentionMs = integerOption(problems, 'retentionMs', options.retentionMs, 90 * DAY_MS, 1);
    assertOptions('RedisActivityStore', problems);
    this.recordScript = defineScript(redis, 'activity_record', 1, RECORD);
    this.listScript = defineScript(redis, 'activity_list', 1, LIST);
    this.deleteScript = defineScript(redis, 'activity_delete_older', 1, DELETE_OLDER);
  }

  /** Keeps the events that concern an account, in one script. */
  async record(events: readonly AuthEvent[]): Promise<void> {
    const args: (string | number)[] = [`${this.luaPrefix}activity:`, this.maxPerUser, this.retentionMs];
    for (const event of events) {
      if (event.userId === null) continue;
      const fields: StoredFields = { type: event.type, sessionId: event.sessionId, ip: event.ip, userAgent: event.userAgent };
      args.push(event.userId, time(Date.parse(event.at)), `${event.id} ${JSON.stringify(fields)}`);
    }
    if (args.length === 3) return;
    await withRedisErrors(() => this.recordScript([this.indexKey()], args));
  }

  async listByUser(userId: string, limit: number, before?: ActivityCursor): Promise<StoredActivity[]> {
    const reply = arrayReply(
      await withRedisErrors(() =>
        this.listScript([this.userKey(userId)], [limit, before === undefined ? '' : time(before.at), before?.id ?? '']),
      ),
      'listByUser',
    );
    const entries: StoredActivity[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const member = reply[i];
      const score = Number(reply[i + 1]);
      if (typeof member !== 'string' || !Number.isSafeInteger(score)) continue;
      const space = member.indexOf(' ');
      const fields = JSON.parse(member.slice(space + 1)) as StoredFields;
      entries.push({
        id: member.slice(0, space),
        type: fields.type,
        at: score,
        userId,
        sessionId: fields.sessionId,
        ip: fields.ip,
        userAgent: fields.userAgent,
      });
    }
    return entries;
  }

  /** Deletes entries older than `before`, visiting the accounts whose oldest entry is older, in batches. */
  async deleteOlderThan(before: number, limit = 1_000_000_000): Promise<number> {
    let deleted = 0;
    for (;;) {
      const reply = arrayReply(
        await withRedisErrors(() =>
          this.deleteScript([this.indexKey()], [time(before), `${this.luaPrefix}activity:`, DELETE_BATCH, limit - deleted]),
        ),
        'deleteOlderThan',
      );
      deleted += integerReply(reply[0], 'deleteOlderThan');
      if (integerReply(reply[1], 'deleteOlderThan') < DELETE_BATCH || deleted >= limit) return deleted;
    }
  }

  async deleteForUser(userId: string): Promise<void> {
    await withRedisErrors(async () => {
      await this.redis.del(this.userKey(userId));
      await this.redis.zrem(this.indexKey(), userId);
    });
  }

  private userKey(userId: string): string {
    return `${this.prefix}activity:${userId}`;
  }

  private indexKey(): string {
    return `${this.prefix}activity-accounts`;
  }
}
