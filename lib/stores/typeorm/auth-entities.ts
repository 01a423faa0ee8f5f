import type { EntitySchema, ValueTransformer } from 'typeorm';
import { typeorm } from './typeorm-runtime.js';
import type { StoredAccountToken } from '../account-token.store.js';
import type { StoredOneTimeCode, StoredTrustedDevice } from '../mfa.store.js';
import type { StoredIdentity } from '../identity.store.js';
import type { StoredPasskey } from '../passkey.store.js';
import type { StoredSession } from '../session.store.js';
import type { JsonValue, MfaMethod } from '../user.store.js';

/**
 * One row of `auth_users`, as the TypeORM adapters read and write it.
 * Column names are snake_case; times are epoch milliseconds.
 */
export interface AuthUserRow {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  roles: string[];
  mfaEnabled: boolean;
  mfaMethods: MfaMethod[];
  /** Whether the user proved they own `email` (column `email_verified`, default `false`). */
  emailVerified: boolean;
  disabled: boolean;
  profile: Record<string, JsonValue> | null;
  /** E.164 phone number, or `null`. */
  phone: string | null;
  createdAt: number;
}

/** One row of `auth_sessions`: exactly a {@link StoredSession}. */
export type AuthSessionRow = StoredSession;

/**
 * One row of `auth_refresh_history`: a refresh-token hash that was rotated out of a session.
 * The primary key is (`session_id`, `token_hash`); rows are deleted with their session.
 */
export interface AuthRefreshHistoryRow {
  sessionId: string;
  tokenHash: string;
}

/**
 * One row of `auth_mfa`: a user's TOTP state (see `MfaUserState`). A user without a row reads as
 * having no TOTP; rows are created on the first write and never deleted by the store.
 */
export interface AuthMfaRow {
  userId: string;
  /** Encrypted active secret, or `null` when TOTP is off. */
  totpSecret: string | null;
  /** The last accepted time step; `-1` when none. */
  totpLastStep: number;
  /** Encrypted secret of an unconfirmed setup, or `null`. */
  totpPendingSecret: string | null;
}

/** One row of `auth_mfa_recovery_codes`: an unused recovery code's hash. Primary key (`user_id`, `code_hash`). */
export interface AuthMfaRecoveryCodeRow {
  userId: string;
  codeHash: string;
}

/** One row of `auth_mfa_codes`: the user's e-mail/SMS code (at most one per user). */
export type AuthMfaCodeRow = StoredOneTimeCode & { userId: string };

/** One row of `auth_mfa_finished_pending`: a pending login that was finished, until `expiresAt`. */
export interface AuthMfaFinishedPendingRow {
  pendingId: string;
  expiresAt: number;
}

/** One row of `auth_trusted_devices`: exactly a {@link StoredTrustedDevice}. */
export type AuthTrustedDeviceRow = StoredTrustedDevice;

/**
 * One row of `auth_account_tokens`: exactly a {@link StoredAccountToken}. Primary key (`user_id`,
 * `purpose`): one token per user and purpose; unique index on (`purpose`, `token_hash`).
 */
export type AuthAccountTokenRow = StoredAccountToken;

/**
 * One row of `auth_audit_log`: a security event of an account, as `TypeOrmActivityStore` keeps it
 * (the audit trail behind the activity feed). Primary key `id` (the event's id); indexed on
 * (`user_id`, `at`) for the feed and on `at` for the retention.
 */
export interface AuthAuditLogRow {
  id: string;
  userId: string;
  type: string;
  /** Epoch milliseconds. */
  at: number;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  reason: string | null;
  /** The event's type-specific fields (e.g. `method`), as JSON, or `null` when it has none. */
  details: Record<string, JsonValue> | null;
}

/**
 * One row of `auth_passkeys`: exactly a {@link StoredPasskey} (`transports` as JSON text). Primary
 * key `id` (SHA-256 of the credential id); indexed on (`user_id`, `created_at`).
 */
export type AuthPasskeyRow = StoredPasskey;

/**
 * One row of `auth_identities`: exactly a {@link StoredIdentity}. Primary key (`provider`,
 * `subject`); indexed on (`user_id`, `created_at`).
 */
export type AuthIdentityRow = StoredIdentity;

/**
 * The entity schemas of the TypeORM adapters. Pass the object itself (`entities: authEntities`) or its
 * values (`entities: [...Object.values(authEntities), ...]`) to your DataSource, and the same object
 * to the stores' constructors. (A type alias, not an interface, so that it fits TypeORM's
 * `MixedList` object form.)
 */
export type AuthEntities = {
  readonly user: EntitySchema<AuthUserRow>;
  readonly session: EntitySchema<AuthSessionRow>;
  readonly refreshHistory: EntitySchema<AuthRefreshHistoryRow>;
  readonly mfa: EntitySchema<AuthMfaRow>;
  readonly mfaRecoveryCode: EntitySchema<AuthMfaRecoveryCodeRow>;
  readonly mfaCode: EntitySchema<AuthMfaCodeRow>;
  readonly mfaFinishedPending: EntitySchema<AuthMfaFinishedPendingRow>;
  readonly trustedDevice: EntitySchema<AuthTrustedDeviceRow>;
  readonly accountToken: EntitySchema<AuthAccountTokenRow>;
  readonly auditLog: EntitySchema<AuthAuditLogRow>;
  readonly passkey: EntitySchema<AuthPasskeyRow>;
  readonly identity: EntitySchema<AuthIdentityRow>;
};

/** Options of {@link createAuthEntities}. */
export interface AuthEntitiesOptions {
  /**
   * Prepended to every table, constraint and index name (and to the entity names, so several sets
   * can share one DataSource). Default `''`.
   */
  tablePrefix?: string;
}

/**
 * Maps epoch milliseconds (and other integers, e.g. TOTP steps) to `bigint` columns and back. Drivers return `bigint` as a string
 * (pg, mysql) or a number (better-sqlite3); the entity always sees a JS number (or `null`).
 * Values stay exact up to `Number.MAX_SAFE_INTEGER`, far beyond any epoch-millisecond time.
 */
const epochMs: ValueTransformer = {
  to: (value: number | null | undefined): number | null | undefined => value,
  from: (value: string | number | bigint | null | undefined): number | null =>
    value === null || value === undefined ? null : Number(value),
};

/** Column lengths: ids and hashes are indexed, so they are bounded `varchar`s (portable to MySQL). */
const ID_LENGTH = 128;
const HASH_LENGTH = 128;
/** An account-token purpose (`'email-verification'`, …). */
const PURPOSE_LENGTH = 32;
/** A passkey's name. */
const PASSKEY_NAME_LENGTH = 64;
/** A provider's name and an account's id there. */
const PROVIDER_LENGTH = 64;
const SUBJECT_LENGTH = 255;
/** An event type (`'refresh.reuse_detected'`) or reason. */
const EVENT_TYPE_LENGTH = 64;

/**
 * Builds the entity schemas (`EntitySchema`, no decorators) of the TypeORM adapters:
 * - `<prefix>auth_users`: unique `username` and `email`; `roles`, `mfa_methods`, `profile` as
 *   JSON text (`simple-json`); times as `bigint` epoch milliseconds.
 * - `<prefix>auth_sessions`: indexed on `user_id` and on `revoked_at` (the revocation feed's poll);
 *   times as `bigint` epoch milliseconds.
 * - `<prefix>auth_refresh_history`: primary key (`session_id`, `token_hash`), foreign key to the
 *   session with `ON DELETE CASCADE`.
 * - `<prefix>auth_mfa` (primary key `user_id`), `<prefix>auth_mfa_recovery_codes` (primary key
 *   (`user_id`, `code_hash`)), `<prefix>auth_mfa_codes` (primary key `user_id`: one code per user),
 *   `<prefix>auth_mfa_finished_pending` (primary key `pending_id`) and `<prefix>auth_trusted_devices`
 *   (indexed on `user_id`): the state of `TypeOrmMfaStore`. No foreign keys to `auth_users`, so
 *   that users may live in another store.
 * - `<prefix>auth_account_tokens`: the one-time tokens of `TypeOrmAccountTokenStore`, primary key
 *   (`user_id`, `purpose`) and a unique index on (`purpose`, `token_hash`); no foreign key either.
 * - `<prefix>auth_audit_log`: the security events of `TypeOrmActivityStore` (the activity feed),
 *   primary key `id`, indexed on (`user_id`, `at`) and on `at`; no foreign key.
 * - `<prefix>auth_passkeys`: the passkeys of `TypeOrmPasskeyStore`, primary key `id`, indexed on
 *   (`user_id`, `created_at`); no foreign key.
 * - `<prefix>auth_identities`: the provider accounts of `TypeOrmIdentityStore`, primary key
 *   (`provider`, `subject`), indexed on (`user_id`, `created_at`); no foreign key.
 *
 * Column types are portable across PostgreSQL, SQLite (better-sqlite3) and MySQL/MariaDB.
 * Every constraint and index has an explicit, prefixed name (the user store relies on the unique
 * constraint names to report which field was duplicated; on MySQL/MariaDB TypeORM makes them
 * unique indices of the same names).
 *
 * Create the tables with {@link createAuthMigrations} (same schema) rather than `synchronize` in
 * production. On MySQL/MariaDB this matters: the migrations give string columns a binary collation
 * (`utf8mb4_bin`), whereas `synchronize` leaves them the database's default, usually
 * case-insensitive (`utf8mb4_general_ci`), under which token hashes and ids that differ only in
 * letter case compare equal. (TypeORM's MySQL schema diff ignores collations, so `synchronize` on
 * migrated tables keeps them binary.)
 */
export function createAuthEntities(options: AuthEntitiesOptions = {}): AuthEntities {
  const prefix = options.tablePrefix ?? '';
  const users = `${prefix}auth_users`;
  const sessions = `${prefix}auth_sessions`;
  const history = `${prefix}auth_refresh_history`;
  const mfaTable = `${prefix}auth_mfa`;
  const recoveryCodes = `${prefix}auth_mfa_recovery_codes`;
  const codes = `${prefix}auth_mfa_codes`;
  const finishedPending = `${prefix}auth_mfa_finished_pending`;
  const devices = `${prefix}auth_trusted_devices`;
  const accountTokens = `${prefix}auth_account_tokens`;
  const auditLogTable = `${prefix}auth_audit_log`;
  const passkeysTable = `${prefix}auth_passkeys`;
  const identitiesTable = `${prefix}auth_identities`;

  const user = new (typeorm().EntitySchema)<AuthUserRow>({
    name: `${prefix}AuthUser`,
    tableName: users,
    columns: {
      id: { type: 'varchar', length: ID_LENGTH, primary: true },
      username: { type: 'varchar', length: 255 },
      email: { type: 'varchar', length: 255 },
      passwordHash: { name: 'password_hash', type: 'varchar', length: 1024 },
      roles: { type: 'simple-json' },
      mfaEnabled: { name: 'mfa_enabled', type: 'boolean', default: false },
      mfaMethods: { name: 'mfa_methods', type: 'simple-json' },
      emailVerified: { name: 'email_verified', type: 'boolean', default: false },
      disabled: { type: 'boolean', default: false },
      profile: { type: 'simple-json', nullable: true },
      phone: { type: 'varchar', length: 32, nullable: true },
      createdAt: { name: 'created_at', type: 'bigint', transformer: epochMs },
    },
    uniques: [
      { name: uniqueName(users, 'username'), columns: ['username'] },
      { name: uniqueName(users, 'email'), columns: ['email'] },
    ],
  });

  const session = new (typeorm().EntitySchema)<AuthSessionRow>({
    name: `${prefix}AuthSession`,
    tableName: sessions,
    columns: {
      id: { type: 'varchar', length: ID_LENGTH, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: ID_LENGTH },
      refreshTokenHash: { name: 'refresh_token_hash', type: 'varchar', length: HASH_LENGTH },
      previousTokenHash: { name: 'previous_token_hash', type: 'varchar', length: HASH_LENGTH, nullable: true },
      previousSuccessor: { name: 'previous_successor', type: 'text', nullable: true },
      rotatedAt: { name: 'rotated_at', type: 'bigint', nullable: true, transformer: epochMs },
      createdAt: { name: 'created_at', type: 'bigint', transformer: epochMs },
      lastUsedAt: { name: 'last_used_at', type: 'bigint', transformer: epochMs },
      expiresAt: { name: 'expires_at', type: 'bigint', transformer: epochMs },
      absoluteExpiresAt: { name: 'absolute_expires_at', type: 'bigint', transformer: epochMs },
      revokedAt: { name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMs },
      userAgent: { name: 'user_agent', type: 'text', nullable: true },
      ip: { type: 'varchar', length: 64, nullable: true },
    },
    indices: [
      { name: `IDX_${sessions}_user_id`, columns: ['userId'] },
      // The revocation feed polls `WHERE revoked_at >= ?` (see TypeOrmSessionStore.listRevokedSince).
      { name: `IDX_${sessions}_revoked_at`, columns: ['revokedAt'] },
    ],
  });

  const refreshHistory = new (typeorm().EntitySchema)<AuthRefreshHistoryRow>({
    name: `${prefix}AuthRefreshHistory`,
    tableName: history,
    columns: {
      sessionId: { name: 'session_id', type: 'varchar', length: ID_LENGTH, primary: true },
      tokenHash: { name: 'token_hash', type: 'varchar', length: HASH_LENGTH, primary: true },
    },
    foreignKeys: [
      {
        name: `FK_${history}_session_id`,
        target: session,
        columnNames: ['sessionId'],
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      },
    ],
  });

  const mfa = new (typeorm().EntitySchema)<AuthMfaRow>({
    name: `${prefix}AuthMfa`,
    tableName: mfaTable,
    columns: {
      userId: { name: 'user_id', type: 'varchar', length: ID_LENGTH, primary: true },
      totpSecret: { name: 'totp_secret', type: 'text', nullable: true },
      totpLastStep: { name: 'totp_last_step', type: 'bigint', default: -1, transformer: epochMs },
      totpPendingSecret: { name: 'totp_pending_secret', type: 'text', nullable: true },
    },
  });

  const mfaRecoveryCode = new (typeorm().EntitySchema)<AuthMfaRecoveryCodeRow>({
    name: `${prefix}AuthMfaRecoveryCode`,
    tableName: recoveryCodes,
    columns: {
      userId: { name: 'user_id', type: 'varchar', length: ID_LENGTH, primary: true },
      codeHash: { name: 'code_hash', type: 'varchar', length: HASH_LENGTH, primary: true },
    },
  });

  const mfaCode = new (typeorm().EntitySchema)<AuthMfaCodeRow>({
    name: `${prefix}AuthMfaCode`,
    tableName: codes,
    columns: {
      userId: { name: 'user_id', type: 'varchar', length: ID_LENGTH, primary: true },
      pendingId: { name: 'pending_id', type: 'varchar', length: ID_LENGTH },
      method: { type: 'varchar', length: 16 },
      codeHash: { name: 'code_hash', type: 'varchar', length: HASH_LENGTH },
      expiresAt: { name: 'expires_at', type: 'bigint', transformer: epochMs },
    },
  });

  const mfaFinishedPending = new (typeorm().EntitySchema)<AuthMfaFinishedPendingRow>({
    name: `${prefix}AuthMfaFinishedPending`,
    tableName: finishedPending,
    columns: {
      pendingId: { name: 'pending_id', type: 'varchar', length: ID_LENGTH, primary: true },
      expiresAt: { name: 'expires_at', type: 'bigint', transformer: epochMs },
    },
  });

  const trustedDevice = new (typeorm().EntitySchema)<AuthTrustedDeviceRow>({
    name: `${prefix}AuthTrustedDevice`,
    tableName: devices,
    columns: {
      id: { type: 'varchar', length: ID_LENGTH, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: ID_LENGTH },
      tokenHash: { name: 'token_hash', type: 'varchar', length: HASH_LENGTH },
      label: { type: 'text', nullable: true },
      createdAt: { name: 'created_at', type: 'bigint', transformer: epochMs },
      lastUsedAt: { name: 'last_used_at', type: 'bigint', transformer: epochMs },
      expiresAt: { name: 'expires_at', type: 'bigint', transformer: epochMs },
    },
    indices: [{ name: `IDX_${devices}_user_id`, columns: ['userId'] }],
  });

  const accountToken = new (typeorm().EntitySchema)<AuthAccountTokenRow>({
    name: `${prefix}AuthAccountToken`,
    tableName: accountTokens,
    columns: {
      userId: { name: 'user_id', type: 'varchar', length: ID_LENGTH, primary: true },
      purpose: { type: 'varchar', length: PURPOSE_LENGTH, primary: true },
      tokenHash: { name: 'token_hash', type: 'varchar', length: HASH_LENGTH },
      email: { type: 'varchar', length: 255, nullable: true },
      expiresAt: { name: 'expires_at', type: 'bigint', transformer: epochMs },
    },
    indices: [{ name: `UQ_${accountTokens}_purpose_token_hash`, columns: ['purpose', 'tokenHash'], unique: true }],
  });

  const auditLog = new (typeorm().EntitySchema)<AuthAuditLogRow>({
    name: `${prefix}AuthAuditLog`,
    tableName: auditLogTable,
    columns: {
      id: { type: 'varchar', length: ID_LENGTH, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: ID_LENGTH },
      type: { type: 'varchar', length: EVENT_TYPE_LENGTH },
      at: { type: 'bigint', transformer: epochMs },
      sessionId: { name: 'session_id', type: 'varchar', length: ID_LENGTH, nullable: true },
      ip: { type: 'varchar', length: 64, nullable: true },
      userAgent: { name: 'user_agent', type: 'text', nullable: true },
      requestId: { name: 'request_id', type: 'varchar', length: ID_LENGTH, nullable: true },
      reason: { type: 'varchar', length: EVENT_TYPE_LENGTH, nullable: true },
      details: { type: 'simple-json', nullable: true },
    },
    indices: [
      { name: `IDX_${auditLogTable}_user_id_at`, columns: ['userId', 'at'] },
      { name: `IDX_${auditLogTable}_at`, columns: ['at'] },
    ],
  });

  const passkey = new (typeorm().EntitySchema)<AuthPasskeyRow>({
    name: `${prefix}AuthPasskey`,
    tableName: passkeysTable,
    columns: {
      id: { type: 'varchar', length: ID_LENGTH, primary: true },
      credentialId: { name: 'credential_id', type: 'text' },
      userId: { name: 'user_id', type: 'varchar', length: ID_LENGTH },
      userHandle: { name: 'user_handle', type: 'varchar', length: ID_LENGTH },
      publicKey: { name: 'public_key', type: 'text' },
      counter: { type: 'bigint', transformer: epochMs },
      transports: { type: 'simple-json' },
      backedUp: { name: 'backed_up', type: 'boolean' },
      deviceType: { name: 'device_type', type: 'varchar', length: PURPOSE_LENGTH },
      name: { type: 'varchar', length: PASSKEY_NAME_LENGTH },
      createdAt: { name: 'created_at', type: 'bigint', transformer: epochMs },
      lastUsedAt: { name: 'last_used_at', type: 'bigint', nullable: true, transformer: epochMs },
    },
    indices: [{ name: `IDX_${passkeysTable}_user_id_created_at`, columns: ['userId', 'createdAt'] }],
  });

  const identity = new (typeorm().EntitySchema)<AuthIdentityRow>({
    name: `${prefix}AuthIdentity`,
    tableName: identitiesTable,
    columns: {
      provider: { type: 'varchar', length: PROVIDER_LENGTH, primary: true },
      subject: { type: 'varchar', length: SUBJECT_LENGTH, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: ID_LENGTH },
      email: { type: 'varchar', length: 255, nullable: true },
      emailVerified: { name: 'email_verified', type: 'boolean' },
      createdAt: { name: 'created_at', type: 'bigint', transformer: epochMs },
      lastUsedAt: { name: 'last_used_at', type: 'bigint', nullable: true, transformer: epochMs },
    },
    indices: [{ name: `IDX_${identitiesTable}_user_id_created_at`, columns: ['userId', 'createdAt'] }],
  });

  return Object.freeze({
    user,
    session,
    refreshHistory,
    mfa,
    mfaRecoveryCode,
    mfaCode,
    mfaFinishedPending,
    trustedDevice,
    accountToken,
    auditLog,
    passkey,
    identity,
  });
}

/** The name of the unique constraint on `column` of `table`. */
function uniqueName(table: string, column: 'username' | 'email'): string {
  return `UQ_${table}_${column}`;
}

/**
 * The default entity set (no table prefix): `auth_users`, `auth_sessions`, `auth_refresh_history`,
 * `auth_mfa`, `auth_mfa_recovery_codes`, `auth_mfa_codes`, `auth_mfa_finished_pending`,
 * `auth_trusted_devices`, `auth_account_tokens`, `auth_audit_log`, `auth_passkeys`, `auth_identities`.
 * Add it to your DataSource (`entities: [...Object.values(authEntities), ...yourEntities]`);
 * the TypeORM stores use it unless given another set.
 */
let defaults: AuthEntities | undefined;
const defaultEntities = (): AuthEntities => (defaults ??= createAuthEntities());

export const authEntities: AuthEntities = Object.freeze({
  get user() {
    return defaultEntities().user;
  },
  get session() {
    return defaultEntities().session;
  },
  get refreshHistory() {
    return defaultEntities().refreshHistory;
  },
  get mfa() {
    return defaultEntities().mfa;
  },
  get mfaRecoveryCode() {
    return defaultEntities().mfaRecoveryCode;
  },
  get mfaCode() {
    return defaultEntities().mfaCode;
  },
  get mfaFinishedPending() {
    return defaultEntities().mfaFinishedPending;
  },
  get trustedDevice() {
    return defaultEntities().trustedDevice;
  },
  get accountToken() {
    return defaultEntities().accountToken;
  },
  get auditLog() {
    return defaultEntities().auditLog;
  },
  get passkey() {
    return defaultEntities().passkey;
  },
  get identity() {
    return defaultEntities().identity;
  },
});
