import type { DataSource, EntityManager, InsertQueryBuilder, ObjectLiteral } from 'typeorm';
import { affectedRows, uniqueViolation } from './typeorm-error.mapper.js';

/**
 * SQL dialect differences the TypeORM adapters must handle (internal; not re-exported).
 *
 * MySQL/MariaDB differ from PostgreSQL and SQLite in two ways that matter to compare-and-set stores:
 * - `INSERT IGNORE` (TypeORM's `orIgnore()` there) ignores far more than a duplicate key: it turns
 *   "data too long", NOT NULL and foreign-key errors into warnings (truncating or dropping the row),
 *   and on a duplicate it takes a SHARED lock on the existing row, so two transactions that then
 *   update that row deadlock. The adapters use `INSERT ... ON DUPLICATE KEY UPDATE pk = pk` instead
 *   (only a duplicate key is skipped, and it takes the exclusive lock at once).
 * - An UPDATE's affected-row count is the number of rows it CHANGED, unless the client sets the
 *   `CLIENT_FOUND_ROWS` flag (mysql2 does by default; `flags: ['-FOUND_ROWS']` clears it): an UPDATE
 *   that writes the values a row already has reports 0. Where a store's UPDATE can do that, it
 *   re-checks with a SELECT after a 0 (see {@link updatedRows}), so its answer never depends on the
 *   connection's flags.
 */

/** Driver types of the MySQL family (one dialect, `MysqlDriver`). */
const MYSQL_TYPES: ReadonlySet<string> = new Set(['mysql', 'mariadb', 'aurora-mysql']);

/** Whether the DataSource talks to MySQL or MariaDB. */
export function isMySqlFamily(dataSource: DataSource): boolean {
  return MYSQL_TYPES.has(dataSource.options.type);
}

/**
 * Runs `insert` (built on `manager`, without `orIgnore`/`orUpdate`) unless a row with the same
 * primary key exists; only a duplicate key is skipped, any other error rejects. `keyColumn` is the
 * database name of one primary-key column. PostgreSQL and SQLite: `ON CONFLICT DO NOTHING`;
 * MySQL/MariaDB: `ON DUPLICATE KEY UPDATE <key> = <key>` (locks the existing row exclusively).
 */
export async function insertUnlessDuplicate(
  manager: EntityManager,
  insert: InsertQueryBuilder<ObjectLiteral>,
  keyColumn: string,
): Promise<void> {
  if (!isMySqlFamily(manager.connection)) {
    await insert.orIgnore().execute();
    return;
  }
  const [sql, parameters] = insert.getQueryAndParameters();
  const key = manager.connection.driver.escape(keyColumn);
  await manager.query(`${sql} ON DUPLICATE KEY UPDATE ${key} = ${key}`, parameters);
}

/**
 * Runs `insert` (built on `manager`) and resolves whether it inserted the row: `false` when a row
 * with the same primary key exists, so that exactly one of concurrent callers gets `true`.
 * PostgreSQL and SQLite: `ON CONFLICT DO NOTHING` and the affected-row count; MySQL/MariaDB: a plain
 * INSERT whose duplicate-key error means `false` (neither `INSERT IGNORE`, which hides other
 * errors, nor `ON DUPLICATE KEY UPDATE`, whose count is 1 for a duplicate under CLIENT_FOUND_ROWS).
 */
export async function insertIfAbsent(manager: EntityManager, insert: InsertQueryBuilder<ObjectLiteral>, store: string): Promise<boolean> {
  if (isMySqlFamily(manager.connection)) {
    try {
      await insert.execute();
      return true;
    } catch (error) {
      if (uniqueViolation(error)) return false;
      throw error;
    }
  }
  // TypeORM's InsertResult has no count: run the SQL through a query runner with a structured
  // result, whose `affected` pg (`rowCount`) and better-sqlite3 (`changes`) fill in.
  const [sql, parameters] = insert.orIgnore().getQueryAndParameters();
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, parameters, true);
    return affectedRows(result.affected, store) === 1;
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}

/**
 * The number of rows an UPDATE matched, from its affected-row count `affected`. On MySQL/MariaDB a
 * count of 0 can also mean "matched, but the row already had these values" (without
 * CLIENT_FOUND_ROWS); when the UPDATE could write identical values, pass `recheck`, which must
 * resolve how many rows now hold the values the UPDATE would have written (only rows the UPDATE
 * matched can, so the answer is exact). Elsewhere, and without `recheck`, `affected` is returned.
 */
export async function updatedRows(
  dataSource: DataSource,
  affected: number | null | undefined,
  store: string,
  recheck?: () => Promise<number>,
): Promise<number> {
  const rows = affectedRows(affected, store);
  if (rows !== 0 || recheck === undefined || !isMySqlFamily(dataSource)) return rows;
  return recheck();
}
