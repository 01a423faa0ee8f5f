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

  /**
   * @param dataSource an initialised DataSource whose `entities` include `entity`.
   * @param entity the counter entity (default {@link rateLimitEntity}).
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly entity: EntitySchema<AuthRateLimitRow> = rateLimitEntity(),
  ) {}

  async increment(key: string, windowMs: number, now: number): Promise<CounterState> {
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
            manager
              .createQueryBuilder()
              .insert()
              .into(this.entity)
              .values({ key, count: 0, resetAt: 0, lastAt: 0 })
              .updateEntity(false),
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

  /** One conditional `UPDATE ... SET count = count - 1 WHERE key = ? AND reset_at > now AND count > 0`. */
  async decrement(key: string, now: number): Promise<void> {
    const escaped = this.dataSource.driver.escape(this.column('count'));
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .update(this.entity)
          .set({ count: () => `${escaped} - 1` })
          .where({ key, resetAt: typeorm().MoreThan(now), count: typeorm().MoreThan(0) })
          .execute(),
      ),
    );
  }

  async peek(key: string, now: number): Promise<CounterState> {
    const row = await withStoreErrors(() => this.dataSource.getRepository(this.entity).findOne({ where: { key } }));
    return row && row.resetAt > now
      ? { count: row.count, resetAt: row.resetAt, lastAt: row.lastAt }
      : { count: 0, resetAt: 0, lastAt: 0 };
  }

  async reset(key: string): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () => this.dataSource.getRepository(this.entity).delete({ key })),
    );
  }

  /**
   * Deletes counters whose window ended before `before` (they already read as absent); resolves how
   * many. Call it periodically to keep the table small.
   */
  async deleteExpired(before: number): Promise<number> {
    const result = await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource.getRepository(this.entity).delete({ resetAt: typeorm().LessThan(before) }),
      ),
    );
    return affectedRows(result.affected, STORE);
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
    const result = await manager
      .createQueryBuilder()
      .update(this.entity)
      .set(values)
      .where({ key, resetAt })
      .execute();
    return updatedRows(this.dataSource, result.affected, STORE, recheck);
  }
}
