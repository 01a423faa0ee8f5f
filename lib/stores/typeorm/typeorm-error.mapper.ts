import { mapStoreErrors, StoreUnavailableError, toStoreError as toStoreErrorBy } from '../../errors/store.errors.js';

/**
 * Driver-error classification for the TypeORM adapters (internal; not re-exported).
 * Works on TypeORM's `QueryFailedError` (which carries the driver's error as `driverError`) and on
 * raw driver errors, for pg, better-sqlite3 and mysql/mysql2.
 */

/** What a unique violation tells about the violated constraint. */
export interface UniqueViolation {
  /** The constraint or index name, when the driver reports it (pg, mysql). */
  constraint: string | null;
  /** The violated column names, when the driver reports them (SQLite, pg `detail`). */
  columns: string[];
}

/** Node socket errors that mean the database server cannot be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

/** PostgreSQL SQLSTATEs besides class 08 that mean the server is not serving us. */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * MySQL/MariaDB codes that mean the server is not serving us (mysql2 also marks a lost connection
 * `fatal`, which {@link isUnavailable} checks; e.g. `PROTOCOL_CONNECTION_LOST`, then `ECONNREFUSED`
 * for new connections while the server is down).
 */
const MYSQL_UNAVAILABLE = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR',
]);

/** SQLite result codes (better-sqlite3 `code`) that mean the database file cannot be used now. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|NOTADB|CORRUPT|FULL|READONLY)/;

/** Messages of errors that carry no code (pg pool, better-sqlite3 after close, TypeORM). */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|pool after calling end|database connection is not open|Connection is not established|not initialized|Driver not Connected|Cannot execute operation on .* connection because connection is not yet established/i;

/** The error and what it wraps (`driverError`, `cause`), outermost first, without cycles. */
function chain(error: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !out.includes(current as Record<string, unknown>)) {
    const record = current as Record<string, unknown>;
    out.push(record);
    current = record['driverError'] ?? record['cause'];
  }
  return out;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The unique violation this error reports (PG `23505`, SQLite `SQLITE_CONSTRAINT_UNIQUE` /
 * `SQLITE_CONSTRAINT_PRIMARYKEY` / plain `SQLITE_CONSTRAINT` with a UNIQUE message, MySQL
 * `ER_DUP_ENTRY` / errno 1062), or `null` when it is another error.
 */
export function uniqueViolation(error: unknown): UniqueViolation | null {
  for (const e of chain(error)) {
    const code = str(e['code']);
    const message = str(e['message']) ?? '';
    if (code === '23505') {
      const detail = /^Key \(([^)]+)\)=/.exec(str(e['detail']) ?? '');
      return {
        constraint: str(e['constraint']),
        columns: detail ? detail[1].split(',').map((c) => c.trim().replace(/^"|"$/g, '')) : [],
      };
    }
    const sqliteUnique =
      code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
      (code === 'SQLITE_CONSTRAINT' && /UNIQUE constraint failed/.test(message));
    if (sqliteUnique) {
      const failed = /constraint failed: (.+)$/.exec(message);
      return {
        constraint: null,
        // "UNIQUE constraint failed: auth_users.username, auth_users.email"
        columns: failed ? failed[1].split(',').map((c) => c.trim().split('.').pop() ?? '') : [],
      };
    }
    if (code === 'ER_DUP_ENTRY' || e['errno'] === 1062) {
      // "Duplicate entry 'x' for key 'auth_users.UQ_auth_users_username'" (MySQL 8 adds the table).
      const key = /for key '([^']+)'\s*$/.exec(message);
      return { constraint: key ? (key[1].split('.').pop() ?? null) : null, columns: [] };
    }
  }
  return null;
}

/** Whether the error means the database cannot be reached or used right now. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  return chain(error).some((e) => {
    const code = str(e['code']);
    if (code !== null) {
      if (NETWORK_CODES.has(code) || PG_UNAVAILABLE.has(code) || MYSQL_UNAVAILABLE.has(code)) return true;
      if (/^08[0-9A-Z]{3}$/.test(code) || SQLITE_UNAVAILABLE.test(code)) return true;
    }
    if (e['fatal'] === true) return true; // mysql/mysql2: the connection is gone
    return UNAVAILABLE_MESSAGE.test(str(e['message']) ?? '');
  });
}

/** The error a TypeORM store rethrows (see `toStoreError` in store.errors.ts, with {@link isUnavailable}). */
export function toStoreError(error: unknown): unknown {
  return toStoreErrorBy(error, isUnavailable);
}

/** Runs `work`, rethrowing database connection failures as `StoreUnavailableError`. */
export function withStoreErrors<T>(work: () => Promise<T>): Promise<T> {
  return mapStoreErrors(work, isUnavailable);
}

/**
 * The number of affected rows, or an error when the driver does not report it (the stores rely on
 * it). On MySQL/MariaDB an UPDATE's count may be the rows it changed: see `updatedRows`.
 */
export function affectedRows(affected: number | null | undefined, store: string): number {
  if (typeof affected !== 'number') {
    throw new Error(`The TypeORM driver does not report affected rows; ${store} cannot use it.`);
  }
  return affected;
}
