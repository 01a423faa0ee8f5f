import type { DataSource, EntityManager } from 'typeorm';

/**
 * Write serialisation for the TypeORM adapters (internal; not re-exported).
 *
 * TypeORM's SQLite drivers use ONE connection and ONE query runner for the whole DataSource, and
 * their transactions are "nested": a second `dataSource.transaction()` started while one is open
 * becomes a SAVEPOINT inside it, so concurrent transactions interleave and may commit or roll back
 * each other's work. On those drivers every write of the adapters therefore runs through a
 * per-DataSource FIFO queue (nothing is lost: SQLite executes one statement at a time anyway).
 * Pooled drivers (PostgreSQL, MySQL, ...) run writes directly, each transaction on its own
 * connection.
 */

/** Driver types that share a single connection across the DataSource. */
const SINGLE_CONNECTION_TYPES: ReadonlySet<string> = new Set([
  'sqlite',
  'better-sqlite3',
  'sqljs',
  'capacitor',
  'cordova',
  'expo',
  'react-native',
  'nativescript',
]);

/** The settled tail of each single-connection DataSource's queue. */
const tails = new WeakMap<DataSource, Promise<void>>();

const settle = (): void => undefined;

/**
 * Runs `work` after every write queued before it on the same single-connection DataSource
 * (immediately on pooled drivers). Resolves or rejects as `work` does.
 */
export function serializeWrite<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  if (!SINGLE_CONNECTION_TYPES.has(dataSource.options.type)) return work();
  const previous = tails.get(dataSource) ?? Promise.resolve();
  const run = previous.then(work);
  tails.set(dataSource, run.then(settle, settle));
  return run;
}

/**
 * Runs `work` in a transaction, serialised as {@link serializeWrite} describes. Uses READ COMMITTED
 * where the driver supports it (so a DataSource-wide SERIALIZABLE default cannot turn a lost
 * compare-and-set race into a serialisation error); SQLite transactions are serialisable anyway.
 */
export function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return serializeWrite(dataSource, () =>
    dataSource.driver.supportedIsolationLevels.includes('READ COMMITTED')
      ? dataSource.transaction('READ COMMITTED', work)
      : dataSource.transaction(work),
  );
}
