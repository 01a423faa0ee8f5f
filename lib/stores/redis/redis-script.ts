import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Internals shared by the Redis stores (not re-exported): Lua script registration, the Lua helpers
 * every script starts with, and reply parsing.
 */

/** A Lua script registered on the client: called with its keys and its arguments. */
export type RedisScript = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

type ScriptCommand = (...args: (string | number)[]) => Promise<unknown>;

/**
 * Lua helpers prepended to every script:
 * - `extend(key, ttl)`: sets the key's TTL to `ttl` ms unless it already lives longer (index keys
 *   live as long as their longest-living member);
 * - `shorten(key, ttl)`: sets the key's TTL to `ttl` ms unless it already expires sooner;
 * - `prune(index, prefix)`: removes, among the 10 lowest-scored members of a sorted-set index, those
 *   whose record key (`prefix .. member`) has expired, so that an index shrinks as it grows even when
 *   `deleteExpired` is never called;
 * - `same(a, b)`: string equality in time independent of where the strings differ.
 * TTL arithmetic happens on Lua numbers (doubles: exact for integers below 2^53); stored times are
 * always the decimal strings the caller passed, never numbers formatted by Lua.
 */
const PRELUDE = `
local function extend(key, ttl)
  local current = redis.call('PTTL', key)
  if current == -1 or (current >= 0 and current < ttl) then redis.call('PEXPIRE', key, ttl) end
end
local function shorten(key, ttl)
  local current = redis.call('PTTL', key)
  if current == -1 or current > ttl then redis.call('PEXPIRE', key, ttl) end
end
local function prune(index, prefix)
  for _, member in ipairs(redis.call('ZRANGE', index, 0, 9)) do
    if redis.call('EXISTS', prefix .. member) == 0 then redis.call('ZREM', index, member) end
  end
end
local function same(a, b)
  if type(a) ~= 'string' or type(b) ~= 'string' or #a ~= #b then return false end
  local diff = 0
  for i = 1, #a do diff = bit.bor(diff, bit.bxor(string.byte(a, i), string.byte(b, i))) end
  return diff == 0
end
`;

/**
 * Registers `lua` on the client with `defineCommand` (EVALSHA, falling back to EVAL after a Redis
 * restart flushed the script cache) and returns a typed caller. The command's name carries a hash of
 * the script, so stores of different versions (or several stores) can share one client safely.
 */
export function defineScript(redis: Redis, label: string, numberOfKeys: number, lua: string): RedisScript {
  const source = PRELUDE + lua;
  const name = `gatekeeper_${label}_${createHash('sha1').update(source).digest('hex').slice(0, 12)}`;
  const commands = redis as unknown as Record<string, unknown>;
  if (typeof commands[name] !== 'function') redis.defineCommand(name, { numberOfKeys, lua: source });
  const command = commands[name];
  if (typeof command !== 'function') throw new Error(`ioredis did not define the script command '${name}'.`);
  const call = command as ScriptCommand;
  return (keys, args) => {
    if (keys.length !== numberOfKeys) throw new Error(`Script '${label}' takes ${numberOfKeys} keys, got ${keys.length}.`);
    return call.apply(redis, [...keys, ...args]);
  };
}

/** The longest TTL the stores set (100 years): later expiries are clamped (Redis needs an integer). */
export const MAX_TTL_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/** A TTL for a record that logically lives `lifetimeMs` more (negative: already ended), kept `slackMs` longer. */
export function ttlMs(lifetimeMs: number, slackMs: number): number {
  const lifetime = Number.isFinite(lifetimeMs) ? Math.max(0, Math.ceil(lifetimeMs)) : MAX_TTL_MS;
  return Math.max(1, Math.min(MAX_TTL_MS, lifetime + slackMs));
}

/** A reply that must be an integer (a Lua number or boolean result). */
export function integerReply(reply: unknown, what: string): number {
  if (typeof reply === 'number' && Number.isInteger(reply)) return reply;
  throw new Error(`Unexpected Redis reply for ${what}: ${typeof reply}.`);
}

/** A reply that must be an array. */
export function arrayReply(reply: unknown, what: string): unknown[] {
  if (Array.isArray(reply)) return reply as unknown[];
  throw new Error(`Unexpected Redis reply for ${what}: ${typeof reply}.`);
}

/** A string or nil element of a reply. */
export function optionalString(value: unknown, what: string): string | null {
  if (value === null || typeof value === 'string') return value;
  throw new Error(`Unexpected Redis reply for ${what}: ${typeof value}.`);
}

/** A flat `[field, value, field, value, …]` reply (HGETALL inside a script) as a record. */
export function fieldsReply(reply: unknown, what: string): Record<string, string> {
  const flat = arrayReply(reply, what);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i];
    const value = flat[i + 1];
    if (typeof field !== 'string' || typeof value !== 'string') throw new Error(`Unexpected Redis reply for ${what}.`);
    out[field] = value;
  }
  return out;
}

/** A stored epoch-milliseconds (or step) field as a number; `null` when the field is absent. */
export function numberField(fields: Record<string, string>, field: string): number | null {
  const raw = fields[field];
  if (raw === undefined) return null;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`Stored field '${field}' is not an integer.`);
  return value;
}

/** A field that must be present, as a number. */
export function requiredNumber(fields: Record<string, string>, field: string): number {
  const value = numberField(fields, field);
  if (value === null) throw new Error(`Stored record lacks the field '${field}'.`);
  return value;
}

/** A field that must be present, as a string. */
export function requiredString(fields: Record<string, string>, field: string): string {
  const value = fields[field];
  if (value === undefined) throw new Error(`Stored record lacks the field '${field}'.`);
  return value;
}

/** An epoch-milliseconds value as the decimal string stored in Redis (exact for safe integers). */
export function time(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`Expected an integer time, got ${value}.`);
  return String(value);
}

/**
 * A key prefix option: a string (validated), or the default. Every key a store writes starts with it.
 */
export function resolvePrefix(prefix: string | undefined): string {
  if (prefix === undefined) return 'gk:';
  if (typeof prefix !== 'string') throw new TypeError('keyPrefix: must be a string');
  return prefix;
}

/**
 * The prefix of the keys a script builds itself from an argument (members of an index). ioredis adds
 * its own `keyPrefix` client option to the keys it sends (script KEYS and plain commands) but not to
 * script arguments, so these get it here: the stores work on clients with or without that option.
 */
export function scriptKeyPrefix(redis: Redis, prefix: string): string {
  const clientPrefix: unknown = redis.options.keyPrefix;
  return (typeof clientPrefix === 'string' ? clientPrefix : '') + prefix;
}

/** Validates a numeric option (an integer within bounds) and applies its default. */
export function integerOption(problems: string[], name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > MAX_TTL_MS) {
    problems.push(`${name}: must be an integer between ${min} and ${MAX_TTL_MS}`);
    return fallback;
  }
  return value;
}

/** Throws one error listing every invalid option. */
export function assertOptions(store: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new RangeError(`Invalid ${store} options: ${problems.join('; ')}`);
}

/**
 * Reads the hashes a set indexes (the user's sessions, the user's trusted devices): KEYS the index
 * set; ARGV the hashes' key prefix. Drops index entries whose hash has expired. Returns
 * id, fields, id, fields…
 */
export const LIST_INDEXED_HASHES = `
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local fields = redis.call('HGETALL', ARGV[1] .. id)
  if #fields == 0 then
    redis.call('SREM', KEYS[1], id)
  else
    out[#out + 1] = id
    out[#out + 1] = fields
  end
end
return out
`;

/**
 * Stores a hash and indexes it (a session, a trusted device), replacing one with the same key: KEYS
 * the hash, its owner's index set, the expiry index (sorted set); ARGV id, TTL (ms), expiry score,
 * the hashes' key prefix (for pruning the expiry index), then field/value pairs.
 */
export const PUT_INDEXED_HASH = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
local ttl = tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('SADD', KEYS[2], ARGV[1])
extend(KEYS[2], ttl)
prune(KEYS[3], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
extend(KEYS[3], ttl)
return 1
`;
