import type { DataSource, EntityManager, EntitySchema, FindOperator } from 'typeorm';
import { typeorm } from './typeorm-runtime.js';
import type { CounterState, RateLimitStore } from '../rate-limit.store.js';
import { rateLimitEntity, type AuthRateLimitRow } from './rate-limit.entity.js';
import { insertUnlessDuplicate, updatedRows } from './typeorm-dialect.js';
import { affectedRows, withStoreErrors } from './typeorm-error.mapper.js';
import { inTransaction, serializeWrite } from './typeorm-write.lock.js';

const STORE = 'TypeOrmRateLimitStore';

/** How often `increment` retries when concurrent callers keep racing it (practically never twice). */
const MAX_ATTEMPTS = 10;

/**
 * A {@link RateLimitStore} on a TypeORM `DataSource` (PostgreSQL, SQLite via better-sqlite3,
 * MySQL/MariaDB) using the `auth_rate_limits` table of {@link createRateLimitEntity}; share it
 * across instances. The entity must be registered in the DataSource's `entities`.
 *
 * Guarantees:
 * - `increment` runs in one READ COMMITTED transaction of conditional statements: add one to a live
 *   counter (`WHERE reset_at > now`), else make sure the row exists (`INSERT ... ON CONFLICT DO
 *   NOTHING` / on MySQL `ON DUPLICATE KEY UPDATE counter_key = counter_key`, which locks an existing
 *   row exclusively, so concurrent callers queue instead of deadlocking), else restart an expired
 *   one (`WHERE reset_at <= now`). The row lock serialises concurrent callers, so N concurrent
 *   increments raise the count by exactly N and each caller gets the count its own increment
 *   produced, across processes. The outcome never depends on MySQL's CLIENT_FOUND_ROWS flag.
 * - A new or expired counter starts at 1 and lives `windowMs`; later increments never extend it.
 * - An unreachable database rejects with `StoreUnavailableError`.
 * - Expired rows stay until {@link deleteExpired} removes them (they read as absent meanwhile).
 */
export class TypeOrmRateLimitStore implements RateLimitStore {
  /** Database column names, looked up on first use. */
  private columnNames: Record<'key' | 'count', string> | undefined;
  /** SQL built once from the entity metadata; see {@link compiled}. */
  private sql: CompiledSql | undefined;

  /**
   * @param dataSource an initialised DataSource whose `entities` include `entity`.
   * @param entity the counter entity (default {@link rateLimitEntity}).
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly entity: EntitySchema<AuthRateLimitRow> = rateLimitEntity(),
  ) {}

  async increment(key: string, windowMs: number, now: number): Promise<CounterState> {
    const { upsert } = this.compiled();
    if (upsert !== null) {
      // PostgreSQL and SQLite: one INSERT ... ON CONFLICT DO UPDATE ... RETURNING, atomic on the row
      // (PostgreSQL locks it; SQLite has one writer), so one round trip instead of a transaction.
      const rows = (await withStoreErrors(() =>
        serializeWrite(this.dataSource, () => run(this.dataSource, upsert, { key, resetAt: now + windowMs, now })),
      )) as Record<string, unknown>[];
      return counterState(rows[0]);
    }
    return withStoreErrors(() =>
      inTransaction(this.dataSource, async (manager) => {
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          const live = await this.update(manager, key, typeorm().MoreThan(now), { count: this.plusOne(), lastAt: now });
          if (live === 1) {
            const row = await manager.findOne(this.entity, { where: { key } });
            if (!row) throw new Error(`Rate-limit counter ${key} vanished inside its transaction.`);
            return { count: row.count, resetAt: row.resetAt, lastAt: row.lastAt };
          }
          // Absent: insert a placeholder that reads as expired (a concurrent insert wins silently).
          await insertUnlessDuplicate(
            manager,
            manager.createQueryBuilder().insert().into(this.entity).values({ key, count: 0, resetAt: 0, lastAt: 0 }).updateEntity(false),
            this.column('key'),
          );
          const state: CounterState = { count: 1, resetAt: now + windowMs, lastAt: now };
          // With windowMs <= 0 a restart may write the values the row has (see updatedRows); the
          // row then still matches `reset_at <= now`.
          const recheck =
            windowMs <= 0
              ? async () => ((await manager.exists(this.entity, { where: { key, resetAt: typeorm().LessThanOrEqual(now) } })) ? 1 : 0)
              : undefined;
          if ((await this.update(manager, key, typeorm().LessThanOrEqual(now), state, recheck)) === 1) return state;
          // A concurrent caller restarted the window between our statements: count on it.
        }
        throw new Error(`Rate-limit counter ${key}: too much contention.`);
      }),
    );
  }

  /** One precompiled conditional `UPDATE ... SET count = count - 1 WHERE key = ? AND reset_at > now AND count > 0`. */
  async decrement(key: string, now: number, windowResetAt?: number): Promise<void> {
    const { decrement, decrementInWindow } = this.compiled();
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        windowResetAt === undefined
          ? run(this.dataSource, decrement, { key, now })
          : run(this.dataSource, decrementInWindow, { key, now, resetAt: windowResetAt }),
      ),
    );
  }

  /**
   * One precompiled `SELECT` (it runs several times per login). A counter found expired is deleted
   * on the spot (a conditional `DELETE`, so a concurrent restart of the window is kept), so expired
   * rows do not wait for the janitor.
   */
  async peek(key: string, now: number): Promise<CounterState> {
    const { peek, expire } = this.compiled();
    const rows = (await withStoreErrors(() => run(this.dataSource, peek, { key }))) as Record<string, unknown>[];
    const state = rows.length === 0 ? undefined : counterState(rows[0]);
    if (state && state.resetAt > now) return state;
    if (state) await withStoreErrors(() => serializeWrite(this.dataSource, () => run(this.dataSource, expire, { key, now })));
    return { count: 0, resetAt: 0, lastAt: 0 };
  }

  /** One precompiled `DELETE`. */
  async reset(key: string): Promise<void> {
    const { reset } = this.compiled();
    await withStoreErrors(() => serializeWrite(this.dataSource, () => run(this.dataSource, reset, { key })));
  }

  /**
   * Deletes counters whose window ended before `before` (they already read as absent); resolves how
   * many. Call it periodically to keep the table small.
   */
  async deleteExpired(before: number): Promise<number> {
    const result = await withStoreErrors(() =>
      serializeWrite(this.dataSource, () => this.dataSource.getRepository(this.entity).delete({ resetAt: typeorm().LessThan(before) })),
    );
    return affectedRows(result.affected, STORE);
  }

  /**
   * The SQL of `peek`, `reset` and `decrement` (every driver) and of the one-statement `increment`
   * (PostgreSQL and SQLite, which have `ON CONFLICT ... RETURNING`), built once from the entity
   * metadata with the driver's escaping and placeholders.
   */
  private compiled(): CompiledSql {
    if (this.sql) return this.sql;
    const { driver, options } = this.dataSource;
    const metadata = this.dataSource.getMetadata(this.entity);
    const table = metadata.tablePath
      .split('.')
      .map((part) => driver.escape(part))
      .join('.');
    const column = (property: keyof AuthRateLimitRow): string => {
      const found = metadata.findColumnWithPropertyName(property);
      if (!found) throw new Error(`${STORE}: the entity ${metadata.name} has no ${property} column`);
      return driver.escape(found.databaseName);
    };
    const [key, count, resetAt, lastAt] = [column('key'), column('count'), column('resetAt'), column('lastAt')];
    // The driver's placeholders, and the order in which it wants the named parameters (a name used
    // twice may become two positional parameters).
    const sql = (text: string, names: readonly string[]): Statement => {
      const marks = Object.fromEntries(names.map((name) => [name, `\u0000${name}`]));
      const [query, parameters] = driver.escapeQueryWithParameters(text, marks);
      return { query, order: (parameters as string[]).map((mark) => mark.slice(1) as ParameterName) };
    };
    const upsertable = options.type === 'postgres' || options.type === 'better-sqlite3';
    this.sql = {
      peek: sql(`SELECT ${count} AS count, ${resetAt} AS reset_at, ${lastAt} AS last_at FROM ${table} WHERE ${key} = :key`, ['key']),
      reset: sql(`DELETE FROM ${table} WHERE ${key} = :key`, ['key']),
      expire: sql(`DELETE FROM ${table} WHERE ${key} = :key AND ${resetAt} <= :now`, ['key', 'now']),
      decrement: sql(`UPDATE ${table} SET ${count} = ${count} - 1 WHERE ${key} = :key AND ${resetAt} > :now AND ${count} > 0`, [
        'key',
        'now',
      ]),
      decrementInWindow: sql(
        `UPDATE ${table} SET ${count} = ${count} - 1 WHERE ${key} = :key AND ${resetAt} > :now AND ${resetAt} = :resetAt AND ${count} > 0`,
        ['key', 'now', 'resetAt'],
      ),
      upsert: upsertable
        ? sql(
            `INSERT INTO ${table} (${key}, ${count}, ${resetAt}, ${lastAt}) VALUES (:key, 1, :resetAt, :now) ` +
              `ON CONFLICT (${key}) DO UPDATE SET ` +
              `${count} = CASE WHEN ${table}.${resetAt} > :now THEN ${table}.${count} + 1 ELSE 1 END, ` +
              `${resetAt} = CASE WHEN ${table}.${resetAt} > :now THEN ${table}.${resetAt} ELSE :resetAt END, ` +
              `${lastAt} = :now ` +
              `RETURNING ${count} AS count, ${resetAt} AS reset_at, ${lastAt} AS last_at`,
            ['key', 'resetAt', 'now'],
          )
        : null,
    };
    return this.sql;
  }

  /** `count + 1` as raw SQL on the escaped column. */
  private plusOne(): () => string {
    const escaped = this.dataSource.driver.escape(this.column('count'));
    return () => `${escaped} + 1`;
  }

  /** The database column name of `property`, looked up once (getMetadata scans every entity). */
  private column(property: 'key' | 'count'): string {
    this.columnNames ??= {
      key: this.dataSource.getMetadata(this.entity).findColumnWithPropertyName('key')?.databaseName ?? 'counter_key',
      count: this.dataSource.getMetadata(this.entity).findColumnWithPropertyName('count')?.databaseName ?? 'count',
    };
    return this.columnNames[property];
  }

  /** A conditional update of the counter; resolves the number of affected rows. */
  private async update(
    manager: EntityManager,
    key: string,
    resetAt: FindOperator<number>,
    values: { count: number | (() => string); resetAt?: number; lastAt: number },
    recheck?: () => Promise<number>,
  ): Promise<number> {
    const result = await manager.createQueryBuilder().update(this.entity).set(values).where({ key, resetAt }).execute();
    return updatedRows(this.dataSource, result.affected, STORE, recheck);
  }
}

type ParameterName = 'key' | 'resetAt' | 'now';

/** A statement and the order of its positional parameters. */
interface Statement {
  query: string;
  order: ParameterName[];
}

interface CompiledSql {
  peek: Statement;
  reset: Statement;
  expire: Statement;
  decrement: Statement;
  decrementInWindow: Statement;
  /** The one-statement increment, or `null` where the dialect has no `ON CONFLICT ... RETURNING` (MySQL). */
  upsert: Statement | null;
}

/** Runs a compiled statement with its parameters in the driver's order. */
function run(dataSource: DataSource, statement: Statement, values: Partial<Record<ParameterName, unknown>>): Promise<unknown> {
  return dataSource.query(
    statement.query,
    statement.order.map((name) => values[name]),
  );
}

/** A counter from a raw row (`count`, `reset_at`, `last_at`; bigint columns may come back as strings). */
function counterState(row: Record<string, unknown> | undefined): CounterState {
  if (!row) throw new Error(`${STORE}: the counter statement returned no row`);
  return { count: Number(row['count']), resetAt: Number(row['reset_at']), lastAt: Number(row['last_at']) };
}
