import type { Redis } from 'ioredis';
import {
  ACCOUNT_TOKEN_PURPOSES,
  type AccountTokenPurpose,
  type AccountTokenStore,
  type StoredAccountToken,
} from '../account-token.store.js';
import { withRedisErrors } from './redis-error.mapper.js';
import {
  arrayReply,
  assertOptions,
  defineScript,
  integerOption,
  optionalString,
  resolvePrefix,
  scriptKeyPrefix,
  time,
  ttlMs,
  type RedisScript,
} from './redis-script.js';
import type { RedisAccountTokenStoreOptions } from './redis-store.options.js';

const MINUTE_MS = 60_000;

/**
 * Deletes the user's token of one purpose with its hash index entry (only when that entry is the
 * user's). Shared by `put` (before writing the new token) and `deleteForUser`. Expects `userKey`,
 * `userId` and `hashPrefix` to be set.
 */
const DROP_USER_TOKEN = `
local old = redis.call('HGET', userKey, 'tokenHash')
if old then
  local oldKey = hashPrefix .. old
  if redis.call('GET', oldKey) == userId then redis.call('DEL', oldKey) end
end
redis.call('DEL', userKey)
`;

/**
 * `put`: KEYS user's token, hash index entry; ARGV userId, tokenHash, expiresAt, TTL, hash-index key
 * prefix, '1' when there is an e-mail, the e-mail. Replaces the user's older token of the purpose
 * (and its index entry) with the new one; both keys get the TTL.
 */
const PUT = `
local userKey, userId, hashPrefix = KEYS[1], ARGV[1], ARGV[5]
${DROP_USER_TOKEN}
if ARGV[6] == '1' then
  redis.call('HSET', userKey, 'tokenHash', ARGV[2], 'expiresAt', ARGV[3], 'email', ARGV[7])
else
  redis.call('HSET', userKey, 'tokenHash', ARGV[2], 'expiresAt', ARGV[3])
end
redis.call('PEXPIRE', userKey, ARGV[4])
redis.call('SET', KEYS[2], userId, 'PX', ARGV[4])
return 1
`;

/** `deleteForUser`, one purpose: KEYS user's token; ARGV userId, hash-index key prefix. */
const DELETE_FOR_USER = `
local userKey, userId, hashPrefix = KEYS[1], ARGV[1], ARGV[2]
${DROP_USER_TOKEN}
return 1
`;

/**
 * `findByHash` (`consume` false) and `consume` (true): KEYS hash index entry; ARGV user-token key
 * prefix, tokenHash, now. Finds the user through the index, checks that the user's token still has
 * this hash and has not expired, and (`consume`) deletes both keys in the same script. Returns nil,
 * or { userId, expiresAt[, email] }.
 */
function lookup(consume: boolean): string {
  return `
local userId = redis.call('GET', KEYS[1])
if not userId then return false end
local userKey = ARGV[1] .. userId
local t = redis.call('HMGET', userKey, 'tokenHash', 'expiresAt', 'email')
if t[1] ~= ARGV[2] or not t[2] or tonumber(t[2]) <= tonumber(ARGV[3]) then return false end
${consume ? "redis.call('DEL', userKey, KEYS[1])" : ''}
if t[3] then return { userId, t[2], t[3] } end
return { userId, t[2] }
`;
}

/**
 * An {@link AccountTokenStore} on Redis (ioredis): one-time tokens live as long as they are valid,
 * so nothing needs a janitor (no `deleteExpired`).
 *
 * Key layout (`<p>` is `keyPrefix`, default `gk:`):
 * - `<p>account-token:<purpose>:<userId>`: hash `tokenHash`, `expiresAt`, `email` (absent for
 *   `null`): the user's token of the purpose (one per user and purpose);
 * - `<p>account-token-hash:<purpose>:<tokenHash>`: the user id, the index `findByHash` and `consume`
 *   go through.
 *
 * Guarantees:
 * - `put` is one Lua script: it deletes the user's older token of the purpose and its index entry,
 *   then writes the new token and its entry, so a replaced token is invalid at once on every instance.
 * - `consume` is one Lua script (look up, check hash and expiry, delete both keys): exactly one of any
 *   number of concurrent calls, across all instances sharing the Redis, gets the record.
 * - Every key has a TTL: the token's remaining lifetime on this process's clock
 *   (`expiresAt - Date.now()`) plus `expirySlackMs`, at least 1 ms. Logical expiry follows
 *   `expiresAt` and the `now` passed, exactly as {@link MemoryAccountTokenStore}.
 * - An unreachable Redis rejects with `StoreUnavailableError` (the ioredis error as `cause`).
 * - Returned records are fresh objects.
 */
export class RedisAccountTokenStore implements AccountTokenStore {
  private readonly prefix: string;
  /** `prefix` with the client's own `keyPrefix`, for keys the scripts build. */
  private readonly luaPrefix: string;
  private readonly slackMs: number;
  private readonly scripts: { put: RedisScript; deleteForUser: RedisScript; find: RedisScript; consume: RedisScript };

  /**
   * @param redis an ioredis client (standalone or Sentinel), ideally built with {@link redisClientOptions}.
   * @param options key prefix and expiry slack; see {@link RedisAccountTokenStoreOptions}.
   */
  constructor(
    private readonly redis: Redis,
    options: RedisAccountTokenStoreOptions = {},
  ) {
    const problems: string[] = [];
    this.prefix = resolvePrefix(options.keyPrefix);
    this.luaPrefix = scriptKeyPrefix(redis, this.prefix);
    this.slackMs = integerOption(problems, 'expirySlackMs', options.expirySlackMs, MINUTE_MS, 0);
    assertOptions('RedisAccountTokenStore', problems);
    this.scripts = {
      put: defineScript(redis, 'account_token_put', 2, PUT),
      deleteForUser: defineScript(redis, 'account_token_delete_for_user', 1, DELETE_FOR_USER),
      find: defineScript(redis, 'account_token_find', 1, lookup(false)),
      consume: defineScript(redis, 'account_token_consume', 1, lookup(true)),
    };
  }

  /** Stores the token, replacing the user's older one of the purpose and its index entry (one script). */
  async put(token: StoredAccountToken): Promise<void> {
    const ttl = ttlMs(token.expiresAt - Date.now(), this.slackMs);
    const { userId, purpose, tokenHash, email } = token;
    await this.run(() =>
      this.scripts.put(
        [this.userKey(purpose, userId), this.hashKey(purpose, tokenHash)],
        [userId, tokenHash, time(token.expiresAt), ttl, this.hashKeyPrefix(purpose), email === null ? '0' : '1', email ?? ''],
      ),
    );
  }

  /** The unexpired token of the purpose with this hash (one read-only script), or `null`. */
  async findByHash(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<StoredAccountToken | null> {
    const reply = await this.run(() =>
      this.scripts.find([this.hashKey(purpose, tokenHash)], [this.userKeyPrefix(purpose), tokenHash, time(now)]),
    );
    return toToken(reply, purpose, tokenHash, 'findByHash');
  }

  /** The user's unexpired token of the purpose (one HMGET), or `null`. */
  async findForUser(userId: string, purpose: AccountTokenPurpose, now: number): Promise<StoredAccountToken | null> {
    const [tokenHash, expiresAt, email] = await this.run(() =>
      this.redis.hmget(this.userKey(purpose, userId), 'tokenHash', 'expiresAt', 'email'),
    );
    if (tokenHash === null || expiresAt === null || Number(expiresAt) <= now) return null;
    return { userId, purpose, tokenHash, email, expiresAt: Number(expiresAt) };
  }

  /**
   * Deletes and returns the unexpired token of the purpose with this hash, in one script: exactly one
   * of concurrent calls (on any instance) gets the record; the others resolve `null`.
   */
  async consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<StoredAccountToken | null> {
    const reply = await this.run(() =>
      this.scripts.consume([this.hashKey(purpose, tokenHash)], [this.userKeyPrefix(purpose), tokenHash, time(now)]),
    );
    return toToken(reply, purpose, tokenHash, 'consume');
  }

  /** Deletes the user's token of `purpose` (or of every purpose) with its index entry, one script per purpose. */
  async deleteForUser(userId: string, purpose?: AccountTokenPurpose): Promise<void> {
    const purposes = purpose === undefined ? ACCOUNT_TOKEN_PURPOSES : [purpose];
    await this.run(() =>
      Promise.all(purposes.map((p) => this.scripts.deleteForUser([this.userKey(p, userId)], [userId, this.hashKeyPrefix(p)]))),
    );
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    return withRedisErrors(work);
  }

  private userKey(purpose: AccountTokenPurpose, userId: string): string {
    return `${this.prefix}account-token:${purpose}:${userId}`;
  }

  private userKeyPrefix(purpose: AccountTokenPurpose): string {
    return `${this.luaPrefix}account-token:${purpose}:`;
  }

  private hashKey(purpose: AccountTokenPurpose, tokenHash: string): string {
    return `${this.prefix}account-token-hash:${purpose}:${tokenHash}`;
  }

  private hashKeyPrefix(purpose: AccountTokenPurpose): string {
    return `${this.luaPrefix}account-token-hash:${purpose}:`;
  }
}

/** The record a lookup script replied ({ userId, expiresAt[, email] } or nil), as a fresh object. */
function toToken(reply: unknown, purpose: AccountTokenPurpose, tokenHash: string, what: string): StoredAccountToken | null {
  if (reply === null) return null;
  const [userId, expiresAt, email] = arrayReply(reply, what);
  const id = optionalString(userId, what);
  const until = optionalString(expiresAt, what);
  if (id === null || until === null) throw new Error(`Unexpected Redis reply for ${what}.`);
  return { userId: id, purpose, tokenHash, email: email === undefined ? null : optionalString(email, what), expiresAt: Number(until) };
}
