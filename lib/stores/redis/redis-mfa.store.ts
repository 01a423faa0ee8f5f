import type { Redis } from 'ioredis';
import type { DeliveredMfaMethod, MfaStore, MfaUserState, StoredOneTimeCode, StoredTrustedDevice } from '../mfa.store.js';
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
  optionalString,
  requiredNumber,
  requiredString,
  resolvePrefix,
  scriptKeyPrefix,
  time,
  ttlMs,
  type RedisScript,
} from './redis-script.js';
import type { RedisMfaStoreOptions } from './redis-store.options.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Entries handled per script call in `deleteExpired` (bounds the time Redis is busy with one call). */
const DELETE_BATCH = 500;

/** `getState`: KEYS totp, recovery; ARGV enrolment TTL. Renews both TTLs. */
const GET_STATE = `
local s = redis.call('HMGET', KEYS[1], 'secret', 'lastStep', 'pending')
local left = redis.call('SCARD', KEYS[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return { s[1], s[2], s[3], left }
`;

/** `setPendingTotp`: KEYS totp; ARGV secret, enrolment TTL. */
const SET_PENDING = `
redis.call('HSET', KEYS[1], 'pending', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** `activateTotp`: KEYS totp; ARGV secret, step, enrolment TTL. */
const ACTIVATE = `
if redis.call('HGET', KEYS[1], 'pending') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'secret', ARGV[1], 'lastStep', ARGV[2])
redis.call('HDEL', KEYS[1], 'pending')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** `setActiveTotp`: KEYS totp; ARGV secret, enrolment TTL. */
const SET_ACTIVE = `
redis.call('HSET', KEYS[1], 'secret', ARGV[1], 'lastStep', '-1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** `acceptTotpStep`: KEYS totp; ARGV step, enrolment TTL. */
const ACCEPT_STEP = `
local s = redis.call('HMGET', KEYS[1], 'secret', 'lastStep')
if not s[1] then return 0 end
if s[2] and tonumber(ARGV[1]) <= tonumber(s[2]) then return 0 end
redis.call('HSET', KEYS[1], 'lastStep', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** `replaceRecoveryCodes`: KEYS recovery; ARGV enrolment TTL, hashes… */
const REPLACE_RECOVERY = `
redis.call('DEL', KEYS[1])
if #ARGV > 1 then
  redis.call('SADD', KEYS[1], unpack(ARGV, 2))
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1
`;

/** `putCode`: KEYS code, code index; ARGV userId, pendingId, method, codeHash, expiresAt, code TTL, code key prefix. */
const PUT_CODE = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'pendingId', ARGV[2], 'method', ARGV[3], 'codeHash', ARGV[4], 'expiresAt', ARGV[5])
local ttl = tonumber(ARGV[6])
redis.call('PEXPIRE', KEYS[1], ttl)
prune(KEYS[2], ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
extend(KEYS[2], ttl)
return 1
`;

/** `consumeCode`: KEYS code, code index; ARGV userId, pendingId, method, codeHash, now. */
const CONSUME_CODE = `
local c = redis.call('HMGET', KEYS[1], 'pendingId', 'method', 'codeHash', 'expiresAt')
if not c[1] then return 0 end
local hashMatches = same(c[3], ARGV[4])
if c[1] ~= ARGV[2] or c[2] ~= ARGV[3] or tonumber(c[4]) <= tonumber(ARGV[5]) or not hashMatches then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/** `deleteCode`: KEYS code, code index; ARGV userId. */
const DELETE_CODE = `
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/** `finishPending`: KEYS mark, mark index; ARGV pendingId, expiresAt, mark TTL, mark key prefix. */
const FINISH_PENDING = `
if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then return 0 end
prune(KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
extend(KEYS[2], tonumber(ARGV[3]))
return 1
`;

/** `touchTrustedDevice`: KEYS device; ARGV now. Never creates a partial hash. */
const TOUCH_DEVICE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
return 1
`;

/** `deleteTrustedDevice`: KEYS device, user's device index, device expiry index; ARGV userId, id. */
const DELETE_DEVICE = `
if redis.call('HGET', KEYS[1], 'userId') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`;

/** `deleteTrustedDevices`: KEYS user's device index, device expiry index; ARGV userId, device key prefix. */
const DELETE_DEVICES = `
local count = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[2] .. id
  if redis.call('HGET', key, 'userId') == ARGV[1] then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[2], id)
    count = count + 1
  end
end
redis.call('DEL', KEYS[1])
return count
`;

/**
 * `deleteExpired`, one batch of one kind: KEYS expiry index; ARGV now, batch size, record key prefix,
 * field holding the expiry ('' for a plain string value), user-index key prefix ('' for none).
 * Deletes the records whose stored expiry is <= now. Returns { deleted, scanned }.
 */
const DELETE_EXPIRED = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local now = tonumber(ARGV[1])
local deleted = 0
for _, id in ipairs(ids) do
  local key = ARGV[3] .. id
  local expiresAt
  if ARGV[4] == '' then expiresAt = redis.call('GET', key) else expiresAt = redis.call('HGET', key, ARGV[4]) end
  if expiresAt and tonumber(expiresAt) <= now then
    if ARGV[5] ~= '' then
      local userId = redis.call('HGET', key, 'userId')
      if userId then redis.call('SREM', ARGV[5] .. userId, id) end
    end
    redis.call('DEL', key)
    deleted = deleted + 1
  end
  redis.call('ZREM', KEYS[1], id)
end
return { deleted, #ids }
`;

/**
 * An {@link MfaStore} (both halves) on Redis (ioredis). Suited to the short-lived half, the
 * {@link MfaChallengeStore} (one-time codes, finished pending logins, trusted devices): use it as
 * `mfaChallengeStore` and keep the {@link MfaEnrolmentStore} (TOTP secrets, recovery codes) in a
 * durable store (`mfaStore` or `mfaEnrolmentStore`: e.g. `TypeOrmMfaStore`). A Redis without
 * persistence (or with an eviction policy) would lose enrolments, which locks users out of TOTP.
 *
 * Key layout (`<p>` is `keyPrefix`, default `gk:`):
 * - `<p>mfa-totp:<userId>`: hash `secret`, `lastStep`, `pending` (absent fields read as
 *   `null` / `-1`); `<p>mfa-recovery:<userId>`: set of recovery-code hashes. Both live
 *   `enrolmentTtlMs` after the last operation on them;
 * - `<p>mfa-code:<userId>`: hash `pendingId`, `method`, `codeHash`, `expiresAt` (TTL `codeTtlMs`),
 *   indexed by `expiresAt` in the sorted set `<p>mfa-codes-by-expiry`;
 * - `<p>mfa-finished:<pendingId>`: the pending login's expiry (TTL `pendingTtlMs`), indexed in
 *   `<p>mfa-finished-by-expiry`;
 * - `<p>mfa-device:<id>`: hash of the trusted device (TTL: its lifetime `expiresAt - createdAt` plus
 *   `expirySlackMs`), listed per user in the set `<p>mfa-user-devices:<userId>` and indexed by
 *   `expiresAt` in `<p>mfa-devices-by-expiry`.
 *
 * Guarantees:
 * - Every once-only operation is one Lua script (or one atomic command), so it holds across all
 *   instances sharing the Redis: `activateTotp` (compare the pending secret, then activate),
 *   `acceptTotpStep` (only a step greater than the last), `consumeRecoveryCode` (SREM),
 *   `consumeCode` (compare pending login, method, hash and expiry, then delete), `finishPending`
 *   (SET NX), `replaceRecoveryCodes` (delete and add in one script: never a mix of two sets).
 * - Every key has a TTL, as a duration from the record's own times or a bound (never a caller's time
 *   used as an absolute Redis expiry); logical expiry follows the stored times and the `now` passed,
 *   exactly as {@link MemoryMfaStore}. Index keys live as long as their longest-living member.
 * - `deleteExpired` reads the expiry indexes (no keyspace scan), in batches of one script each.
 *   The module does not call it on a schedule: index entries of records whose keys expired are
 *   dropped by later writes, so no index grows without bound without it.
 * - An unreachable Redis rejects with `StoreUnavailableError` (the ioredis error as `cause`).
 * - Returned devices are fresh objects.
 */
export class RedisMfaStore implements MfaStore {
  private readonly prefix: string;
  /** `prefix` with the client's own `keyPrefix`, for keys the scripts build. */
  private readonly luaPrefix: string;
  private readonly codeTtlMs: number;
  private readonly pendingTtlMs: number;
  private readonly enrolmentTtlMs: number;
  private readonly slackMs: number;
  private readonly scripts: {
    getState: RedisScript;
    setPending: RedisScript;
    activate: RedisScript;
    setActive: RedisScript;
    acceptStep: RedisScript;
    replaceRecovery: RedisScript;
    putCode: RedisScript;
    consumeCode: RedisScript;
    deleteCode: RedisScript;
    finishPending: RedisScript;
    addDevice: RedisScript;
    touchDevice: RedisScript;
    listDevices: RedisScript;
    deleteDevice: RedisScript;
    deleteDevices: RedisScript;
    deleteExpired: RedisScript;
  };

  /**
   * @param redis an ioredis client (standalone or Sentinel), ideally built with {@link redisClientOptions}.
   * @param options key prefix and TTLs; see {@link RedisMfaStoreOptions}.
   */
  constructor(
    private readonly redis: Redis,
    options: RedisMfaStoreOptions = {},
  ) {
    const problems: string[] = [];
    this.prefix = resolvePrefix(options.keyPrefix);
    this.luaPrefix = scriptKeyPrefix(redis, this.prefix);
    this.codeTtlMs = integerOption(problems, 'codeTtlMs', options.codeTtlMs, 30 * MINUTE_MS, 1);
    this.pendingTtlMs = integerOption(problems, 'pendingTtlMs', options.pendingTtlMs, 60 * MINUTE_MS, 1);
    this.enrolmentTtlMs = integerOption(problems, 'enrolmentTtlMs', options.enrolmentTtlMs, 400 * DAY_MS, 1);
    this.slackMs = integerOption(problems, 'expirySlackMs', options.expirySlackMs, MINUTE_MS, 0);
    assertOptions('RedisMfaStore', problems);
    this.scripts = {
      getState: defineScript(redis, 'mfa_get_state', 2, GET_STATE),
      setPending: defineScript(redis, 'mfa_set_pending', 1, SET_PENDING),
      activate: defineScript(redis, 'mfa_activate', 1, ACTIVATE),
      setActive: defineScript(redis, 'mfa_set_active', 1, SET_ACTIVE),
      acceptStep: defineScript(redis, 'mfa_accept_step', 1, ACCEPT_STEP),
      replaceRecovery: defineScript(redis, 'mfa_replace_recovery', 1, REPLACE_RECOVERY),
      putCode: defineScript(redis, 'mfa_put_code', 2, PUT_CODE),
      consumeCode: defineScript(redis, 'mfa_consume_code', 2, CONSUME_CODE),
      deleteCode: defineScript(redis, 'mfa_delete_code', 2, DELETE_CODE),
      finishPending: defineScript(redis, 'mfa_finish_pending', 2, FINISH_PENDING),
      addDevice: defineScript(redis, 'mfa_add_device', 3, PUT_INDEXED_HASH),
      touchDevice: defineScript(redis, 'mfa_touch_device', 1, TOUCH_DEVICE),
      listDevices: defineScript(redis, 'mfa_list_devices', 1, LIST_INDEXED_HASHES),
      deleteDevice: defineScript(redis, 'mfa_delete_device', 3, DELETE_DEVICE),
      deleteDevices: defineScript(redis, 'mfa_delete_devices', 2, DELETE_DEVICES),
      deleteExpired: defineScript(redis, 'mfa_delete_expired', 1, DELETE_EXPIRED),
    };
  }

  /** The user's TOTP state and number of recovery codes (one script, which renews their TTLs). */
  async getState(userId: string): Promise<MfaUserState> {
    const reply = arrayReply(
      await this.run(() => this.scripts.getState([this.totpKey(userId), this.recoveryKey(userId)], [this.enrolmentTtlMs])),
      'getState',
    );
    const lastStep = optionalString(reply[1], 'getState');
    return {
      totpSecret: optionalString(reply[0], 'getState'),
      totpLastStep: lastStep === null ? -1 : Number(lastStep),
      totpPendingSecret: optionalString(reply[2], 'getState'),
      recoveryCodesLeft: integerReply(reply[3], 'getState'),
    };
  }

  /** Saves the pending secret (replacing an unconfirmed one), renewing the enrolment TTL. */
  async setPendingTotp(userId: string, encryptedSecret: string): Promise<void> {
    await this.run(() => this.scripts.setPending([this.totpKey(userId)], [encryptedSecret, this.enrolmentTtlMs]));
  }

  /**
   * Activates the pending secret with `step` as its last step, in one script that first compares the
   * pending secret with `encryptedSecret`: of concurrent activations exactly one resolves `true`.
   */
  async activateTotp(userId: string, encryptedSecret: string, step: number): Promise<boolean> {
    const reply = await this.run(() => this.scripts.activate([this.totpKey(userId)], [encryptedSecret, time(step), this.enrolmentTtlMs]));
    return integerReply(reply, 'activateTotp') === 1;
  }

  /** Sets the active secret with no step accepted yet (one script), renewing the enrolment TTL. */
  async setActiveTotp(userId: string, encryptedSecret: string): Promise<void> {
    await this.run(() => this.scripts.setActive([this.totpKey(userId)], [encryptedSecret, this.enrolmentTtlMs]));
  }

  /** Removes the active and the pending secret (one HDEL). */
  async clearTotp(userId: string): Promise<void> {
    await this.run(() => this.redis.hdel(this.totpKey(userId), 'secret', 'pending', 'lastStep'));
  }

  /**
   * Records `step` in one script that checks that TOTP is active and `step` is greater than the last
   * accepted step: a step is accepted once only, even by concurrent calls on several instances.
   */
  async acceptTotpStep(userId: string, step: number): Promise<boolean> {
    const reply = await this.run(() => this.scripts.acceptStep([this.totpKey(userId)], [time(step), this.enrolmentTtlMs]));
    return integerReply(reply, 'acceptTotpStep') === 1;
  }

  /** Replaces all recovery codes in one script (parallel replacements never mix two sets). */
  async replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void> {
    await this.run(() => this.scripts.replaceRecovery([this.recoveryKey(userId)], [this.enrolmentTtlMs, ...codeHashes]));
  }

  /** Uses up one recovery code with SREM: exactly one of concurrent calls with the same hash resolves `true`. */
  async consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    return (await this.run(() => this.redis.srem(this.recoveryKey(userId), codeHash))) === 1;
  }

  /** Deletes all of the user's recovery codes (DEL). */
  async deleteRecoveryCodes(userId: string): Promise<void> {
    await this.run(() => this.redis.del(this.recoveryKey(userId)));
  }

  /** Stores the user's code, replacing any earlier one, with its TTL and index entry (one script). */
  async putCode(userId: string, code: StoredOneTimeCode): Promise<void> {
    await this.run(() =>
      this.scripts.putCode(
        [this.codeKey(userId), this.codeIndexKey()],
        [userId, code.pendingId, code.method, code.codeHash, time(code.expiresAt), this.codeTtlMs, `${this.luaPrefix}mfa-code:`],
      ),
    );
  }

  /**
   * Uses up the user's code in one script that compares pending login, method, hash (in constant
   * time) and expiry, then deletes it: exactly one of concurrent matching calls resolves `true`.
   */
  async consumeCode(userId: string, pendingId: string, method: DeliveredMfaMethod, codeHash: string, now: number): Promise<boolean> {
    const reply = await this.run(() =>
      this.scripts.consumeCode([this.codeKey(userId), this.codeIndexKey()], [userId, pendingId, method, codeHash, time(now)]),
    );
    return integerReply(reply, 'consumeCode') === 1;
  }

  /** Deletes the user's code, if any, with its index entry (one script). */
  async deleteCode(userId: string): Promise<void> {
    await this.run(() => this.scripts.deleteCode([this.codeKey(userId), this.codeIndexKey()], [userId]));
  }

  /**
   * Marks the pending login as finished with SET NX (in one script with its index entry): exactly one
   * of concurrent calls with the same id resolves `true`. The mark lives `pendingTtlMs`, or until
   * `expiresAt` when that is later (a WebAuthn challenge or a social sign-in's state may outlive a
   * pending login: the mark must outlive what it guards).
   */
  async finishPending(pendingId: string, expiresAt: number): Promise<boolean> {
    const ttlMs = Math.max(this.pendingTtlMs, Math.ceil(expiresAt - Date.now()));
    const reply = await this.run(() =>
      this.scripts.finishPending(
        [this.finishedKey(pendingId), this.finishedIndexKey()],
        [pendingId, time(expiresAt), ttlMs, `${this.luaPrefix}mfa-finished:`],
      ),
    );
    return integerReply(reply, 'finishPending') === 1;
  }

  /** Whether the pending login was finished and its mark has not expired at `now` (one GET). */
  async isPendingFinished(pendingId: string, now: number): Promise<boolean> {
    const until = await this.run(() => this.redis.get(this.finishedKey(pendingId)));
    return until !== null && Number(until) > now;
  }

  /** Saves the device with its TTL and index entries (one script). */
  async addTrustedDevice(device: StoredTrustedDevice): Promise<void> {
    const fields: string[] = [
      'userId',
      device.userId,
      'tokenHash',
      device.tokenHash,
      'createdAt',
      time(device.createdAt),
      'lastUsedAt',
      time(device.lastUsedAt),
      'expiresAt',
      time(device.expiresAt),
    ];
    if (device.label !== null) fields.push('label', device.label);
    const ttl = ttlMs(device.expiresAt - device.createdAt, this.slackMs);
    await this.run(() =>
      this.scripts.addDevice(
        [this.deviceKey(device.id), this.userDevicesKey(device.userId), this.deviceIndexKey()],
        [device.id, ttl, time(device.expiresAt), `${this.luaPrefix}mfa-device:`, ...fields],
      ),
    );
  }

  /** The device (expired ones included, until their key expires), or `null`. One HGETALL. */
  async findTrustedDevice(id: string): Promise<StoredTrustedDevice | null> {
    const fields = await this.run(() => this.redis.hgetall(this.deviceKey(id)));
    return Object.keys(fields).length === 0 ? null : toDevice(id, fields);
  }

  /** Sets the device's `lastUsedAt` when it exists (one script; its TTL is unchanged). */
  async touchTrustedDevice(id: string, now: number): Promise<void> {
    await this.run(() => this.scripts.touchDevice([this.deviceKey(id)], [time(now)]));
  }

  /** The user's devices unexpired at `now`, newest first (one script reads them all). */
  async listTrustedDevices(userId: string, now: number): Promise<StoredTrustedDevice[]> {
    const reply = arrayReply(
      await this.run(() => this.scripts.listDevices([this.userDevicesKey(userId)], [`${this.luaPrefix}mfa-device:`])),
      'listTrustedDevices',
    );
    const devices: StoredTrustedDevice[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const id = optionalString(reply[i], 'listTrustedDevices');
      if (id === null) continue;
      const device = toDevice(id, fieldsReply(reply[i + 1], 'listTrustedDevices'));
      if (device.userId === userId && device.expiresAt > now) devices.push(device);
    }
    return devices.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Deletes the device when it is the user's (one script); resolves `false` otherwise. */
  async deleteTrustedDevice(userId: string, id: string): Promise<boolean> {
    const reply = await this.run(() =>
      this.scripts.deleteDevice([this.deviceKey(id), this.userDevicesKey(userId), this.deviceIndexKey()], [userId, id]),
    );
    return integerReply(reply, 'deleteTrustedDevice') === 1;
  }

  /** Deletes all of the user's devices (expired ones too) in one script; resolves how many. */
  async deleteTrustedDevices(userId: string): Promise<number> {
    const reply = await this.run(() =>
      this.scripts.deleteDevices([this.userDevicesKey(userId), this.deviceIndexKey()], [userId, `${this.luaPrefix}mfa-device:`]),
    );
    return integerReply(reply, 'deleteTrustedDevices');
  }

  /**
   * Deletes the codes, finished-pending marks and devices expired at `now` (by their stored times),
   * reading the expiry indexes in batches of one script each. TOTP state and recovery codes stay.
   */
  async deleteExpired(now: number): Promise<void> {
    await this.deleteExpiredOf(this.codeIndexKey(), now, `${this.luaPrefix}mfa-code:`, 'expiresAt', '');
    await this.deleteExpiredOf(this.finishedIndexKey(), now, `${this.luaPrefix}mfa-finished:`, '', '');
    await this.deleteExpiredOf(
      this.deviceIndexKey(),
      now,
      `${this.luaPrefix}mfa-device:`,
      'expiresAt',
      `${this.luaPrefix}mfa-user-devices:`,
    );
  }

  private async deleteExpiredOf(index: string, now: number, recordPrefix: string, field: string, userPrefix: string): Promise<void> {
    for (;;) {
      const reply = arrayReply(
        await this.run(() => this.scripts.deleteExpired([index], [time(now), DELETE_BATCH, recordPrefix, field, userPrefix])),
        'deleteExpired',
      );
      if (integerReply(reply[1], 'deleteExpired') < DELETE_BATCH) return;
    }
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    return withRedisErrors(work);
  }

  private totpKey(userId: string): string {
    return `${this.prefix}mfa-totp:${userId}`;
  }

  private recoveryKey(userId: string): string {
    return `${this.prefix}mfa-recovery:${userId}`;
  }

  private codeKey(userId: string): string {
    return `${this.prefix}mfa-code:${userId}`;
  }

  private codeIndexKey(): string {
    return `${this.prefix}mfa-codes-by-expiry`;
  }

  private finishedKey(pendingId: string): string {
    return `${this.prefix}mfa-finished:${pendingId}`;
  }

  private finishedIndexKey(): string {
    return `${this.prefix}mfa-finished-by-expiry`;
  }

  private deviceKey(id: string): string {
    return `${this.prefix}mfa-device:${id}`;
  }

  private userDevicesKey(userId: string): string {
    return `${this.prefix}mfa-user-devices:${userId}`;
  }

  private deviceIndexKey(): string {
    return `${this.prefix}mfa-devices-by-expiry`;
  }
}

/** A fresh device object from a stored hash. */
function toDevice(id: string, f: Record<string, string>): StoredTrustedDevice {
  return {
    id,
    userId: requiredString(f, 'userId'),
    tokenHash: requiredString(f, 'tokenHash'),
    label: f['label'] ?? null,
    createdAt: requiredNumber(f, 'createdAt'),
    lastUsedAt: requiredNumber(f, 'lastUsedAt'),
    expiresAt: requiredNumber(f, 'expiresAt'),
  };
}
