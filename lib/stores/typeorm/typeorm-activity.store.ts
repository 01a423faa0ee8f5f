import type { DataSource, Repository } from 'typeorm';
import { typeorm } from './typeorm-runtime.js';
import type { AuthEvent, AuthEventBase, AuthEventType } from '../../events/auth-event.js';
import type { ActivityCursor, ActivityStore, StoredActivity } from '../activity.store.js';
import type { JsonValue } from '../user.store.js';
import { authEntities, type AuthAuditLogRow, type AuthEntities } from './auth-entities.js';
import { isMySqlFamily } from './typeorm-dialect.js';
import { affectedRows, withStoreErrors } from './typeorm-error.mapper.js';
import { serializeWrite } from './typeorm-write.lock.js';

const STORE = 'TypeOrmActivityStore';

/** The bounds of a {@link TypeOrmActivityStore}. */
export interface TypeOrmActivityStoreOptions {
  /**
   * Entries kept per account: the oldest beyond it are deleted once an account has had
   * `maxPerUser / 10` writes (rounded down) since its last trim, on this instance. Whoever holds the
   * account can push its older entries out by causing that many (logins, logouts): keep an
   * append-only trail (the JSON log, a SIEM sink) where that matters. @default 500
   */
  maxPerUser?: number;
}

/** Accounts whose writes since their last trim this instance remembers (the least recent forgotten: trimmed at their next write). */
const TRIM_MEMORY = 10_000;

/** Rows per INSERT (ten columns each: far below every driver's bound on parameters). */
const INSERT_CHUNK = 100;
/** The fields of every event, kept in columns of their own; the rest go to `details`. */
const BASE_FIELDS: ReadonlySet<string> = new Set<keyof AuthEventBase>([
  'type',
  'at',
  'id',
  'userId',
  'sessionId',
  'ip',
  'userAgent',
  'requestId',
  'reason',
]);
/** The columns an INSERT writes, in the order of `rowValues`. */
const INSERT_COLUMNS = ['id', 'userId', 'type', 'at', 'sessionId', 'ip', 'userAgent', 'requestId', 'reason', 'details'] as const;
/** Column bounds (see `createAuthEntities`): longer values are cut, never refused. */
const ID_LENGTH = 128;
const IP_LENGTH = 64;
const SHORT_LENGTH = 64;
/** User agents and detail strings (events cut user agents at 256 already; a custom emitter may not). */
const TEXT_LENGTH = 512;

/**
 * An {@link ActivityStore} on a TypeORM `DataSource` (PostgreSQL, SQLite via better-sqlite3,
 * MySQL/MariaDB) using the `auth_audit_log` table of {@link createAuthEntities} (created by the
 * `NestGatekeeperAuditLog` migration of {@link createAuthMigrations}): the audit trail of each
 * account's security events, shared by every instance, and the activity feed read from it.
 *
 * - Each row keeps the whole event: the feed's fields, and `request_id`, `reason` and the event's
 *   own fields (`details`, JSON) for an operator's queries. Events carry no secret (see
 *   `AuthEvent`), so neither does the table.
 * - `record` is one `INSERT` per 100 events, in plain SQL with bound parameters, that skips ids
 *   already there (`ON CONFLICT DO NOTHING`; `ON DUPLICATE KEY UPDATE id = id` on MySQL/MariaDB): a
 *   batch delivered twice is kept once. Then an account is
 *   trimmed to its newest `maxPerUser` entries (one read of the first entry beyond them, by the
 *   (`user_id`, `at`) index, and one `DELETE` when there is one) once it has had more than
 *   `maxPerUser / 10` writes since its last trim here: an account holds at most about 10 % more
 *   than `maxPerUser` rows per instance writing to it, and a busy account costs one `INSERT` per
 *   event, not three statements.
 * - `listByUser` is one indexed read, newest first by (`at`, `id`); `deleteOlderThan` (the janitor,
 *   by the `at` index) and `deleteForUser` (account deletion) are `DELETE`s.
 * - Text is stored as well-formed Unicode without NUL (PostgreSQL refuses NUL in `text`), and cut
 *   to the column's length.
 * - An unreachable database rejects with `StoreUnavailableError`; the feed's sink counts the batch
 *   as failed and requests never see it.
 */
export class TypeOrmActivityStore implements ActivityStore {
  private readonly repository: Repository<AuthAuditLogRow>;
  private readonly maxPerUser: number;
  /** Writes allowed between two trims of an account. */
  private readonly slack: number;
  /** Writes per account since its last trim (insertion order: the least recently trimmed first). */
  private readonly untrimmed = new Map<string, number>();
  /** The INSERT statement per number of rows (see `insertSql`). */
  private readonly inserts = new Map<number, string>();

  /**
   * @param dataSource an initialised DataSource whose `entities` include `entities`.
   * @param entities the entity set (default {@link authEntities}; pass your own for a table prefix).
   * @param options the entries kept per account.
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly entities: AuthEntities = authEntities,
    options: TypeOrmActivityStoreOptions = {},
  ) {
    const maxPerUser = options.maxPerUser ?? 500;
    if (!Number.isSafeInteger(maxPerUser) || maxPerUser < 1) throw new RangeError(`${STORE}: maxPerUser must be a positive integer`);
    this.maxPerUser = maxPerUser;
    this.slack = Math.floor(maxPerUser / 10);
    this.repository = dataSource.getRepository(entities.auditLog);
  }

  async record(events: readonly AuthEvent[]): Promise<void> {
    const rows = events.filter((e): e is AuthEvent & { userId: string } => e.userId !== null).map(toRow);
    if (rows.length === 0) return;
    await withStoreErrors(async () => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        await serializeWrite(this.dataSource, () => this.dataSource.query(this.insertSql(chunk.length), chunk.flatMap(rowValues)));
      }
      const written = new Map<string, number>();
      for (const row of rows) written.set(row.userId, (written.get(row.userId) ?? 0) + 1);
      for (const [userId, count] of written) {
        // An account this instance does not remember counts as due (it may have rows from elsewhere).
        const since = (this.untrimmed.get(userId) ?? this.slack) + count;
        this.untrimmed.delete(userId);
        if (since > this.slack) {
          await this.trim(userId);
          this.untrimmed.set(userId, 0);
        } else {
          this.untrimmed.set(userId, since);
        }
        if (this.untrimmed.size > TRIM_MEMORY) this.untrimmed.delete(this.untrimmed.keys().next().value as string);
      }
    });
  }

  async listByUser(userId: string, limit: number, before?: ActivityCursor): Promise<StoredActivity[]> {
    const rows = await withStoreErrors(() => {
      const query = this.repository.createQueryBuilder('a').where('a.userId = :userId', { userId });
      if (before !== undefined) {
        const { Brackets } = typeorm();
        query.andWhere(
          new Brackets((w) => {
            w.where('a.at < :at', { at: before.at }).orWhere('(a.at = :at AND a.id < :id)', { id: before.id });
          }),
        );
      }
      return query.orderBy('a.at', 'DESC').addOrderBy('a.id', 'DESC').limit(limit).getMany();
    });
    return rows.map(toActivity);
  }

  async deleteOlderThan(before: number, limit?: number): Promise<number> {
    return withStoreErrors(async () => {
      if (limit === undefined) return this.delete({ at: typeorm().LessThan(before) });
      const oldest = await this.repository.find({
        select: { id: true },
        where: { at: typeorm().LessThan(before) },
        order: { at: 'ASC' },
        take: limit,
      });
      if (oldest.length === 0) return 0;
      return this.delete({ id: typeorm().In(oldest.map((r) => r.id)) });
    });
  }

  async deleteForUser(userId: string): Promise<void> {
    await withStoreErrors(() => this.delete({ userId }));
  }

  /**
   * The `INSERT` of `count` rows that skips ids already there, written once per size: plain SQL with
   * bound parameters, so the statement text stays the same from one event to the next (TypeORM's
   * query builder costs more than the write itself, and on SQLite it writes numbers into the text,
   * making every statement new to the driver's cache of prepared statements).
   */
  private insertSql(count: number): string {
    let sql = this.inserts.get(count);
    if (sql !== undefined) return sql;
    const { driver } = this.dataSource;
    const metadata = this.dataSource.getMetadata(this.entities.auditLog);
    const table = metadata.tablePath
      .split('.')
      .map((part) => (part === '' ? part : driver.escape(part)))
      .join('.');
    const columns = INSERT_COLUMNS.map((property) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (column === undefined) throw new Error(`${STORE}: the audit-log entity has no column '${property}'`);
      return driver.escape(column.databaseName);
    });
    const postgres = this.dataSource.options.type === 'postgres';
    let parameter = 0;
    const row = (): string => `(${columns.map(() => (postgres ? `$${++parameter}` : '?')).join(', ')})`;
    const insert = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: count }, row).join(', ')}`;
    // Only a duplicate id is skipped (see typeorm-dialect.ts: not INSERT IGNORE on MySQL).
    sql = isMySqlFamily(this.dataSource)
      ? `${insert} ON DUPLICATE KEY UPDATE ${columns[0]} = ${columns[0]}`
      : `${insert} ON CONFLICT DO NOTHING`;
    this.inserts.set(count, sql);
    return sql;
  }

  /** Deletes the account's entries beyond its newest `maxPerUser` (by `at`, then `id`). */
  private async trim(userId: string): Promise<void> {
    const [first] = await this.repository.find({
      select: { id: true, at: true },
      where: { userId },
      order: { at: 'DESC', id: 'DESC' },
      skip: this.maxPerUser,
      take: 1,
    });
    if (first === undefined) return;
    const { LessThan, LessThanOrEqual } = typeorm();
    await this.delete([
      { userId, at: LessThan(first.at) },
      { userId, at: first.at, id: LessThanOrEqual(first.id) },
    ]);
  }

  /** One `DELETE` of the rows matching `where` (an array: any of them); resolves how many. */
  private async delete(where: object | object[]): Promise<number> {
    const result = await serializeWrite(this.dataSource, () =>
      this.dataSource.createQueryBuilder().delete().from(this.entities.auditLog).where(where).execute(),
    );
    return affectedRows(result.affected, STORE);
  }
}

/** The row of an event. */
function toRow(event: AuthEvent & { userId: string }): AuthAuditLogRow {
  const details: Record<string, JsonValue> = {};
  let hasDetails = false;
  for (const [key, value] of Object.entries(event)) {
    if (BASE_FIELDS.has(key) || value === undefined) continue;
    details[key] = typeof value === 'string' ? storable(value, TEXT_LENGTH) : value;
    hasDetails = true;
  }
  return {
    id: storable(event.id, ID_LENGTH),
    userId: storable(event.userId, ID_LENGTH),
    type: event.type,
    at: Date.parse(event.at),
    sessionId: nullableText(event.sessionId, ID_LENGTH),
    ip: nullableText(event.ip, IP_LENGTH),
    userAgent: nullableText(event.userAgent, TEXT_LENGTH),
    requestId: nullableText(event.requestId, ID_LENGTH),
    reason: nullableText(event.reason, SHORT_LENGTH),
    details: hasDetails ? details : null,
  };
}

/** The row's columns in `INSERT_COLUMNS` order, as every driver binds them. */
function rowValues(row: AuthAuditLogRow): (string | number | null)[] {
  return [
    row.id,
    row.userId,
    row.type,
    row.at,
    row.sessionId,
    row.ip,
    row.userAgent,
    row.requestId,
    row.reason,
    row.details === null ? null : JSON.stringify(row.details),
  ];
}

/** The feed's entry of a row. */
function toActivity(row: AuthAuditLogRow): StoredActivity {
  return {
    id: row.id,
    type: row.type as AuthEventType,
    at: row.at,
    userId: row.userId,
    sessionId: row.sessionId,
    ip: row.ip,
    userAgent: row.userAgent,
  };
}

function nullableText(value: string | null, max: number): string | null {
  return value === null ? null : storable(value, max);
}

/** Unpaired surrogates (they do not encode as UTF-8). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `value` as every database stores it: no NUL, no unpaired surrogate, at most `max` code points. */
function storable(value: string, max: number): string {
  const clean = value.replace(/\0/g, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
  if (clean.length <= max) return clean;
  return Array.from(clean).slice(0, max).join('');
}
