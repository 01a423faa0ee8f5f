import type { MigrationInterface, QueryRunner, TableColumnOptions } from 'typeorm';
import { typeorm } from './typeorm-runtime.js';
import type { AuthEntitiesOptions } from './auth-entities.js';
import type { RateLimitEntityOptions } from './rate-limit.entity.js';
import { isMySqlFamily } from './typeorm-dialect.js';

/** Options of {@link createAuthMigrations}. */
export interface AuthMigrationsOptions {
  /**
   * The table prefix, as given to {@link createAuthEntities} (`tablePrefix`). Also part of the
   * migrations' names, so that sets with different prefixes can run on one database.
   * @default ''
   */
  tablePrefix?: AuthEntitiesOptions['tablePrefix'];
  /**
   * The counter table of {@link TypeOrmRateLimitStore}: `true` creates the table of
   * `createRateLimitEntity({ tablePrefix })` (the same prefix), an object the table of
   * `createRateLimitEntity(object)`, `false` no table (when the counters live elsewhere). It is a
   * migration of its own, so switching it on later adds just that table.
   * @default true
   */
  rateLimitTable?: boolean | RateLimitEntityOptions;
  /**
   * MySQL/MariaDB only: the collation of every string column. Ids, token and code hashes are
   * compared byte for byte on PostgreSQL and SQLite; MySQL's default collations compare
   * case-insensitively (and accent-insensitively), which would make two base64url hashes that differ
   * in letter case equal. The character set is the collation's prefix (`utf8mb4`). Trailing spaces
   * are ignored in comparisons by `utf8mb4_bin` (PAD SPACE), which is harmless here: ids and hashes
   * never end in spaces, usernames and e-mails are trimmed. On MariaDB, `utf8mb4_nopad_bin`
   * compares them too.
   * @default 'utf8mb4_bin'
   */
  mysqlCollation?: string;
}

/** A migration class, for a DataSource's `migrations` option. */
export type AuthMigrationClass = new () => MigrationInterface;

/**
 * The JavaScript timestamps TypeORM reads from the end of the migration names (they order the
 * migrations). Fixed: a released migration never changes; later schema changes come as new ones.
 */
const AUTH_TABLES_TIMESTAMP = 1795305600000;
const RATE_LIMIT_TABLE_TIMESTAMP = 1795305600001;
const REVOKED_AT_INDEX_TIMESTAMP = 1795305600002;
const ACCOUNT_TOKENS_TABLE_TIMESTAMP = 1795305600003;
const EMAIL_VERIFIED_COLUMN_TIMESTAMP = 1795305600004;
const AUDIT_LOG_TABLE_TIMESTAMP = 1795305600005;
const PASSKEYS_TABLE_TIMESTAMP = 1795305600006;
const IDENTITIES_TABLE_TIMESTAMP = 1795305600007;

const ID_LENGTH = 128;
const HASH_LENGTH = 128;
const PURPOSE_LENGTH = 32;
const EVENT_TYPE_LENGTH = 64;
const PASSKEY_NAME_LENGTH = 64;

/** Driver types whose boolean literals are `true`/`false` (elsewhere `1`/`0`). */
const POSTGRES_TYPES: ReadonlySet<string> = new Set(['postgres', 'aurora-postgres', 'cockroachdb']);

/** One column, in the portable types the entities use. */
interface ColumnSpec {
  name: string;
  type: 'varchar' | 'text' | 'bigint' | 'integer' | 'boolean';
  length?: number;
  nullable?: boolean;
  primary?: boolean;
  default?: number | boolean;
}

/** How a migration builds columns for the database it runs on. */
class ColumnBuilder {
  private readonly mysql: boolean;
  private readonly postgres: boolean;

  constructor(
    queryRunner: QueryRunner,
    private readonly collation: string,
  ) {
    this.mysql = isMySqlFamily(queryRunner.connection);
    this.postgres = POSTGRES_TYPES.has(queryRunner.connection.options.type);
  }

  column(spec: ColumnSpec): TableColumnOptions {
    const options: TableColumnOptions = {
      name: spec.name,
      type: spec.type,
      isNullable: spec.nullable ?? false,
      isPrimary: spec.primary ?? false,
    };
    if (spec.length !== undefined) options.length = String(spec.length);
    if (spec.default !== undefined) options.default = this.literal(spec.default);
    if (this.mysql && (spec.type === 'varchar' || spec.type === 'text')) {
      options.charset = this.collation.split('_')[0];
      options.collation = this.collation;
    }
    return options;
  }

  /** A default as SQL: booleans are `true`/`false` on PostgreSQL, `1`/`0` elsewhere. */
  private literal(value: number | boolean): string {
    if (typeof value === 'number') return String(value);
    if (this.postgres) return value ? 'true' : 'false';
    return value ? '1' : '0';
  }
}

/**
 * Builds the TypeORM migrations that create exactly the schema of
 * `createAuthEntities({ tablePrefix })` and (unless `rateLimitTable: false`) of
 * `createRateLimitEntity(...)`: tables, primary keys, unique constraints, indices and the foreign
 * key, with the same names. Pass them to your DataSource next to your own migrations and keep
 * `synchronize` off, and run them with {@link runAuthMigrations} (under a lock, so instances
 * started together do not race) or in your deploy step:
 *
 * ```ts
 * export const dataSource = new DataSource({
 *   type: 'postgres', // or 'mariadb' / 'mysql' (mysql2), 'better-sqlite3'
 *   url: process.env.DATABASE_URL,
 *   entities: [...Object.values(authEntities), rateLimitEntity(), ...yourEntities],
 *   migrations: [...createAuthMigrations(), ...yourMigrations], // portable across the three databases
 *   migrationsRun: false, // not TypeORM's runner: it takes no lock (see "Migrations" below)
 *   // Fail fast (see "Outages" below):
 *   connectTimeoutMS: 3000,
 *   extra: { query_timeout: 4000 },
 * });
 * ```
 *
 * and at start-up (docs/examples/typeorm.ts; "below" is docs/stores.md):
 *
 * ```ts
 * await dataSource.initialize();
 * await runAuthMigrations(dataSource); // under a database lock: replicas may start together
 * ```
 *
 * - Written with TypeORM's portable schema API, so the same migrations run on PostgreSQL,
 *   MySQL/MariaDB and SQLite (better-sqlite3).
 * - `up` creates each table only when it does not exist yet (`createTable(table, true)`), so a
 *   database created earlier by `synchronize` with the same entities is adopted as it is.
 * - `down` drops the tables (and so their data).
 * - Names: `NestGatekeeperAuth[_<prefix>]<timestamp>` and
 *   `NestGatekeeperRateLimits[_<prefix>]<timestamp>`; different prefixes give different names.
 * - On MySQL/MariaDB every string column gets {@link AuthMigrationsOptions.mysqlCollation}
 *   (`utf8mb4_bin`): ids and hashes then compare case-sensitively, as on the other databases.
 *   (TypeORM's MySQL schema diff ignores collations, so a later `synchronize` keeps them.)
 *
 * Later schema changes come as migrations of their own: `NestGatekeeperRevokedAtIndex[_<prefix>]<timestamp>`
 * adds the index on `auth_sessions.revoked_at` that the revocation feed's poll uses,
 * `NestGatekeeperAccountTokens[_<prefix>]<timestamp>` the `auth_account_tokens` table (one-time
 * tokens: password reset, e-mail verification, e-mail change, sign-in code) and
 * `NestGatekeeperEmailVerified[_<prefix>]<timestamp>` the column `auth_users.email_verified`
 * (`false` for existing users), `NestGatekeeperAuditLog[_<prefix>]<timestamp>` the
 * `auth_audit_log` table (the security events of `TypeOrmActivityStore`), and
 * `NestGatekeeperPasskeys[_<prefix>]<timestamp>` the `auth_passkeys` table (`TypeOrmPasskeyStore`), and
 * `NestGatekeeperIdentities[_<prefix>]<timestamp>` the `auth_identities` table (`TypeOrmIdentityStore`).
 *
 * @returns the migration classes (the auth tables, the counter table when wanted, then the later changes).
 */
export function createAuthMigrations(options: AuthMigrationsOptions = {}): AuthMigrationClass[] {
  const prefix = options.tablePrefix ?? '';
  const collation = options.mysqlCollation ?? 'utf8mb4_bin';
  const migrations: AuthMigrationClass[] = [authTablesMigration(prefix, collation)];
  const rateLimit = options.rateLimitTable ?? true;
  if (rateLimit !== false) {
    const rateLimitPrefix = rateLimit === true ? prefix : (rateLimit.tablePrefix ?? '');
    migrations.push(rateLimitTableMigration(rateLimitPrefix, collation));
  }
  migrations.push(
    revokedAtIndexMigration(prefix),
    accountTokensTableMigration(prefix, collation),
    emailVerifiedColumnMigration(prefix),
    auditLogTableMigration(prefix, collation),
    passkeysTableMigration(prefix, collation),
    identitiesTableMigration(prefix, collation),
  );
  return migrations;
}

/** `_<prefix>` for a migration name, or nothing without a prefix. */
function namePart(prefix: string): string {
  return prefix === '' ? '' : `_${prefix}`;
}

/** The migration of the eight tables of `createAuthEntities({ tablePrefix: prefix })`. */
function authTablesMigration(prefix: string, collation: string): AuthMigrationClass {
  const users = `${prefix}auth_users`;
  const sessions = `${prefix}auth_sessions`;
  const history = `${prefix}auth_refresh_history`;
  const mfa = `${prefix}auth_mfa`;
  const recoveryCodes = `${prefix}auth_mfa_recovery_codes`;
  const codes = `${prefix}auth_mfa_codes`;
  const finishedPending = `${prefix}auth_mfa_finished_pending`;
  const devices = `${prefix}auth_trusted_devices`;
  const name = `NestGatekeeperAuth${namePart(prefix)}${AUTH_TABLES_TIMESTAMP}`;

  return class NestGatekeeperAuthTables implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      const { Table, TableForeignKey, TableIndex, TableUnique } = typeorm();
      const b = new ColumnBuilder(queryRunner, collation);
      const id = (columnName: string, primary = false): TableColumnOptions =>
        b.column({ name: columnName, type: 'varchar', length: ID_LENGTH, primary });
      const hash = (columnName: string, primary = false): TableColumnOptions =>
        b.column({ name: columnName, type: 'varchar', length: HASH_LENGTH, primary });
      const epochMs = (columnName: string, nullable = false): TableColumnOptions =>
        b.column({ name: columnName, type: 'bigint', nullable });
      const text = (columnName: string): TableColumnOptions => b.column({ name: columnName, type: 'text', nullable: true });

      await queryRunner.createTable(
        new Table({
          name: users,
          columns: [
            id('id', true),
            b.column({ name: 'username', type: 'varchar', length: 255 }),
            b.column({ name: 'email', type: 'varchar', length: 255 }),
            b.column({ name: 'password_hash', type: 'varchar', length: 1024 }),
            b.column({ name: 'roles', type: 'text' }),
            b.column({ name: 'mfa_enabled', type: 'boolean', default: false }),
            b.column({ name: 'mfa_methods', type: 'text' }),
            b.column({ name: 'disabled', type: 'boolean', default: false }),
            text('profile'),
            b.column({ name: 'phone', type: 'varchar', length: 32, nullable: true }),
            epochMs('created_at'),
          ],
          uniques: [
            new TableUnique({ name: `UQ_${users}_username`, columnNames: ['username'] }),
            new TableUnique({ name: `UQ_${users}_email`, columnNames: ['email'] }),
          ],
        }),
        true,
      );

      await queryRunner.createTable(
        new Table({
          name: sessions,
          columns: [
            id('id', true),
            id('user_id'),
            hash('refresh_token_hash'),
            b.column({ name: 'previous_token_hash', type: 'varchar', length: HASH_LENGTH, nullable: true }),
            text('previous_successor'),
            epochMs('rotated_at', true),
            epochMs('created_at'),
            epochMs('last_used_at'),
            epochMs('expires_at'),
            epochMs('absolute_expires_at'),
            epochMs('revoked_at', true),
            text('user_agent'),
            b.column({ name: 'ip', type: 'varchar', length: 64, nullable: true }),
          ],
          indices: [new TableIndex({ name: `IDX_${sessions}_user_id`, columnNames: ['user_id'] })],
        }),
        true,
      );

      await queryRunner.createTable(
        new Table({
          name: history,
          columns: [id('session_id', true), hash('token_hash', true)],
          foreignKeys: [
            new TableForeignKey({
              name: `FK_${history}_session_id`,
              columnNames: ['session_id'],
              referencedTableName: sessions,
              referencedColumnNames: ['id'],
              onDelete: 'CASCADE',
              onUpdate: 'NO ACTION',
            }),
          ],
        }),
        true,
      );

      await queryRunner.createTable(
        new Table({
          name: mfa,
          columns: [
            id('user_id', true),
            text('totp_secret'),
            b.column({ name: 'totp_last_step', type: 'bigint', default: -1 }),
            text('totp_pending_secret'),
          ],
        }),
        true,
      );

      await queryRunner.createTable(new Table({ name: recoveryCodes, columns: [id('user_id', true), hash('code_hash', true)] }), true);

      await queryRunner.createTable(
        new Table({
          name: codes,
          columns: [
            id('user_id', true),
            id('pending_id'),
            b.column({ name: 'method', type: 'varchar', length: 16 }),
            hash('code_hash'),
            epochMs('expires_at'),
          ],
        }),
        true,
      );

      await queryRunner.createTable(new Table({ name: finishedPending, columns: [id('pending_id', true), epochMs('expires_at')] }), true);

      await queryRunner.createTable(
        new Table({
          name: devices,
          columns: [
            id('id', true),
            id('user_id'),
            hash('token_hash'),
            text('label'),
            epochMs('created_at'),
            epochMs('last_used_at'),
            epochMs('expires_at'),
          ],
          indices: [new TableIndex({ name: `IDX_${devices}_user_id`, columnNames: ['user_id'] })],
        }),
        true,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      // Children first: the refresh history refers to the sessions.
      for (const table of [devices, finishedPending, codes, recoveryCodes, mfa, history, sessions, users]) {
        await queryRunner.dropTable(table, true);
      }
    }
  };
}

/**
 * Adds `IDX_<prefix>auth_sessions_revoked_at` (the revocation feed polls `WHERE revoked_at >= ?`).
 * Skips an index that already exists (a table created by `synchronize` with the current entities).
 */
function revokedAtIndexMigration(prefix: string): AuthMigrationClass {
  const sessions = `${prefix}auth_sessions`;
  const index = `IDX_${sessions}_revoked_at`;
  const name = `NestGatekeeperRevokedAtIndex${namePart(prefix)}${REVOKED_AT_INDEX_TIMESTAMP}`;

  return class NestGatekeeperRevokedAtIndex implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      const { TableIndex } = typeorm();
      const table = await queryRunner.getTable(sessions);
      if (table?.indices.some((i) => i.name === index)) return;
      await queryRunner.createIndex(sessions, new TableIndex({ name: index, columnNames: ['revoked_at'] }));
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      const table = await queryRunner.getTable(sessions);
      if (table?.indices.some((i) => i.name === index)) await queryRunner.dropIndex(sessions, index);
    }
  };
}

/**
 * Creates `<prefix>auth_account_tokens` (the one-time tokens of `TypeOrmAccountTokenStore`): primary
 * key (`user_id`, `purpose`), unique index `UQ_<table>_purpose_token_hash` on (`purpose`,
 * `token_hash`). Adopts a table that already exists (created by `synchronize`).
 */
function accountTokensTableMigration(prefix: string, collation: string): AuthMigrationClass {
  const table = `${prefix}auth_account_tokens`;
  return newTableMigration(`NestGatekeeperAccountTokens${namePart(prefix)}${ACCOUNT_TOKENS_TABLE_TIMESTAMP}`, table, collation, {
    columns: [
      { name: 'user_id', type: 'varchar', length: ID_LENGTH, primary: true },
      { name: 'purpose', type: 'varchar', length: PURPOSE_LENGTH, primary: true },
      { name: 'token_hash', type: 'varchar', length: HASH_LENGTH },
      { name: 'email', type: 'varchar', length: 255, nullable: true },
      { name: 'expires_at', type: 'bigint' },
    ],
    indices: [{ name: `UQ_${table}_purpose_token_hash`, columnNames: ['purpose', 'token_hash'], isUnique: true }],
  });
}

/**
 * Adds `<prefix>auth_users.email_verified` (boolean, not null, default `false`: existing users read
 * as unverified). Skips a column that already exists (a table created by `synchronize` with the
 * current entities).
 */
function emailVerifiedColumnMigration(prefix: string): AuthMigrationClass {
  const users = `${prefix}auth_users`;
  const column = 'email_verified';
  const name = `NestGatekeeperEmailVerified${namePart(prefix)}${EMAIL_VERIFIED_COLUMN_TIMESTAMP}`;

  return class NestGatekeeperEmailVerifiedColumn implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      const { TableColumn } = typeorm();
      const table = await queryRunner.getTable(users);
      if (table?.findColumnByName(column)) return;
      // No string column: the collation does not matter.
      const b = new ColumnBuilder(queryRunner, '');
      await queryRunner.addColumn(users, new TableColumn(b.column({ name: column, type: 'boolean', default: false })));
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      const table = await queryRunner.getTable(users);
      if (table?.findColumnByName(column)) await queryRunner.dropColumn(users, column);
    }
  };
}

/**
 * Creates `<prefix>auth_audit_log` (the security events of `TypeOrmActivityStore`): primary key
 * `id`, indices `IDX_<table>_user_id_at` on (`user_id`, `at`) (the feed) and `IDX_<table>_at` on
 * `at` (the retention). Adopts a table that already exists (created by `synchronize`).
 */
function auditLogTableMigration(prefix: string, collation: string): AuthMigrationClass {
  const table = `${prefix}auth_audit_log`;
  return newTableMigration(`NestGatekeeperAuditLog${namePart(prefix)}${AUDIT_LOG_TABLE_TIMESTAMP}`, table, collation, {
    columns: [
      { name: 'id', type: 'varchar', length: ID_LENGTH, primary: true },
      { name: 'user_id', type: 'varchar', length: ID_LENGTH },
      { name: 'type', type: 'varchar', length: EVENT_TYPE_LENGTH },
      { name: 'at', type: 'bigint' },
      { name: 'session_id', type: 'varchar', length: ID_LENGTH, nullable: true },
      { name: 'ip', type: 'varchar', length: 64, nullable: true },
      { name: 'user_agent', type: 'text', nullable: true },
      { name: 'request_id', type: 'varchar', length: ID_LENGTH, nullable: true },
      { name: 'reason', type: 'varchar', length: EVENT_TYPE_LENGTH, nullable: true },
      { name: 'details', type: 'text', nullable: true },
    ],
    indices: [
      { name: `IDX_${table}_user_id_at`, columnNames: ['user_id', 'at'] },
      { name: `IDX_${table}_at`, columnNames: ['at'] },
    ],
  });
}

/**
 * Creates `<prefix>auth_passkeys` (`TypeOrmPasskeyStore`): primary key `id`, index
 * `IDX_<table>_user_id_created_at` on (`user_id`, `created_at`). Adopts a table that already exists
 * (created by `synchronize`).
 */
function passkeysTableMigration(prefix: string, collation: string): AuthMigrationClass {
  const table = `${prefix}auth_passkeys`;
  return newTableMigration(`NestGatekeeperPasskeys${namePart(prefix)}${PASSKEYS_TABLE_TIMESTAMP}`, table, collation, {
    columns: [
      { name: 'id', type: 'varchar', length: ID_LENGTH, primary: true },
      { name: 'credential_id', type: 'text' },
      { name: 'user_id', type: 'varchar', length: ID_LENGTH },
      { name: 'user_handle', type: 'varchar', length: ID_LENGTH },
      { name: 'public_key', type: 'text' },
      { name: 'counter', type: 'bigint' },
      { name: 'transports', type: 'text' },
      { name: 'backed_up', type: 'boolean' },
      { name: 'device_type', type: 'varchar', length: PURPOSE_LENGTH },
      { name: 'name', type: 'varchar', length: PASSKEY_NAME_LENGTH },
      { name: 'created_at', type: 'bigint' },
      { name: 'last_used_at', type: 'bigint', nullable: true },
    ],
    indices: [{ name: `IDX_${table}_user_id_created_at`, columnNames: ['user_id', 'created_at'] }],
  });
}

/**
 * Creates `<prefix>auth_identities` (`TypeOrmIdentityStore`): primary key (`provider`, `subject`),
 * index `IDX_<table>_user_id_created_at`. Adopts a table that already exists.
 */
function identitiesTableMigration(prefix: string, collation: string): AuthMigrationClass {
  const table = `${prefix}auth_identities`;
  return newTableMigration(`NestGatekeeperIdentities${namePart(prefix)}${IDENTITIES_TABLE_TIMESTAMP}`, table, collation, {
    columns: [
      { name: 'provider', type: 'varchar', length: 64, primary: true },
      { name: 'subject', type: 'varchar', length: 255, primary: true },
      { name: 'user_id', type: 'varchar', length: ID_LENGTH },
      { name: 'email', type: 'varchar', length: 255, nullable: true },
      { name: 'email_verified', type: 'boolean' },
      { name: 'created_at', type: 'bigint' },
      { name: 'last_used_at', type: 'bigint', nullable: true },
    ],
    indices: [{ name: `IDX_${table}_user_id_created_at`, columnNames: ['user_id', 'created_at'] }],
  });
}

/** A table a later migration adds: its columns and its indices. */
interface NewTable {
  columns: ColumnSpec[];
  indices: { name: string; columnNames: string[]; isUnique?: boolean }[];
}

/**
 * The migration `name` that creates `table` as `spec` says (adopting a table that already exists,
 * created by `synchronize`) and drops it on undo.
 */
function newTableMigration(name: string, table: string, collation: string, spec: NewTable): AuthMigrationClass {
  return class NestGatekeeperTable implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      const { Table, TableIndex } = typeorm();
      const b = new ColumnBuilder(queryRunner, collation);
      const columns = spec.columns.map((column) => b.column(column));
      await queryRunner.createTable(new Table({ name: table, columns, indices: spec.indices.map((index) => new TableIndex(index)) }), true);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropTable(table, true);
    }
  };
}

/** The migration of the table of `createRateLimitEntity({ tablePrefix: prefix })`. */
function rateLimitTableMigration(prefix: string, collation: string): AuthMigrationClass {
  const table = `${prefix}auth_rate_limits`;
  const name = `NestGatekeeperRateLimits${namePart(prefix)}${RATE_LIMIT_TABLE_TIMESTAMP}`;

  return class NestGatekeeperRateLimitTable implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      const { Table } = typeorm();
      const b = new ColumnBuilder(queryRunner, collation);
      await queryRunner.createTable(
        new Table({
          name: table,
          columns: [
            b.column({ name: 'counter_key', type: 'varchar', length: 512, primary: true }),
            b.column({ name: 'count', type: 'integer' }),
            b.column({ name: 'reset_at', type: 'bigint' }),
            b.column({ name: 'last_at', type: 'bigint' }),
          ],
        }),
        true,
      );
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropTable(table, true);
    }
  };
}
