import type { DataSource, EntityManager, EntityMetadata, Repository } from 'typeorm';
import { typeorm } from './typeorm-runtime.js';
import type { SessionRevocation, SessionRotation, SessionStore, StoredSession } from '../session.store.js';
import { authEntities, type AuthEntities, type AuthSessionRow } from './auth-entities.js';
import { updatedRows } from './typeorm-dialect.js';
import { affectedRows, withStoreErrors } from './typeorm-error.mapper.js';
import { inTransaction, serializeWrite } from './typeorm-write.lock.js';

/**
 * A {@link SessionStore} on a TypeORM `DataSource` (PostgreSQL, SQLite via better-sqlite3, MySQL/MariaDB)
 * using the `auth_sessions` table of {@link createAuthEntities}. The entity set must be registered in
 * the DataSource's `entities`. (`auth_refresh_history` is no longer written: older refresh-token
 * generations are recognised by the token's MAC. `deleteExpired` still deletes the rows of ended
 * sessions, so a table filled by an earlier version drains.)
 *
 * Guarantees:
 * - `rotate` is one conditional `UPDATE ... WHERE id = ? AND refresh_token_hash = ? AND
 *   revoked_at IS NULL` whose affected-row count decides the outcome; it writes one row, whatever
 *   the number of rotations before (no history grows). The database's row lock makes exactly one
 *   of any number of concurrent rotations with the same expected hash succeed, across processes (PostgreSQL, MySQL) or within the process (SQLite, whose writes the
 *   adapters serialise because TypeORM shares one connection).
 * - `revoke` and `revokeAllForUser` are conditional updates too: a session is revoked at most once.
 * - No outcome depends on MySQL's CLIENT_FOUND_ROWS flag (whether an UPDATE counts matched or only
 *   changed rows): the conditional updates always change the row they match, and a rotation that
 *   keeps the hash is re-checked.
 * - Times are returned as JS numbers (stored as `bigint` epoch milliseconds).
 * - An unreachable database rejects with `StoreUnavailableError` (driver error as `cause`).
 * - Returned sessions are fresh objects.
 */
export class TypeOrmSessionStore implements SessionStore {
  private readonly sessions: Repository<AuthSessionRow>;
  /** SQL built once from the entity metadata (escaped names, the driver's placeholders); see {@link compiled}. */
  private sql: { findById: string; rotate: string | null; revokedSince: string; columns: EntityMetadata['columns'] } | undefined;

  /**
   * @param dataSource an initialised DataSource whose `entities` include `entities`.
   * @param entities the entity set (default {@link authEntities}; pass your own for a table prefix).
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly entities: AuthEntities = authEntities,
  ) {
    this.sessions = dataSource.getRepository(entities.session);
  }

  async create(session: StoredSession): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().insert().into(this.entities.session).values(toRow(session)).updateEntity(false).execute(),
      ),
    );
  }

  /** One precompiled `SELECT` (a tenth of `Repository.findOne`'s cost; it runs on every refresh). */
  async findById(id: string): Promise<StoredSession | null> {
    const sql = this.compiled();
    const rows = await withStoreErrors<Record<string, unknown>[]>(() => this.dataSource.query(sql.findById, [id]));
    if (rows.length === 0) return null;
    const { driver } = this.dataSource;
    const row: Record<string, unknown> = {};
    for (const column of sql.columns) row[column.propertyName] = driver.prepareHydratedValue(rows[0][column.databaseName], column);
    return toRow(row as unknown as StoredSession);
  }

  async rotate(id: string, expectedHash: string, rotation: SessionRotation): Promise<boolean> {
    const single = this.compiled().rotate;
    if (single !== null) {
      // PostgreSQL: the conditional UPDATE and its count in one statement (a data-modifying CTE), so
      // one round trip instead of a three-statement transaction, and just as atomic.
      const rows = await withStoreErrors<{ rotated: number }[]>(() =>
        this.dataSource.query(single, [
          id,
          expectedHash,
          rotation.refreshTokenHash,
          rotation.previousSuccessor,
          rotation.rotatedAt,
          rotation.lastUsedAt,
          rotation.expiresAt,
        ]),
      );
      return rows[0]?.rotated === 1;
    }
    return withStoreErrors(() =>
      inTransaction(this.dataSource, async (manager: EntityManager) => {
        const matching = { id, refreshTokenHash: expectedHash, revokedAt: typeorm().IsNull() };
        const result = await manager
          .createQueryBuilder()
          .update(this.entities.session)
          .set({
            refreshTokenHash: rotation.refreshTokenHash,
            previousTokenHash: expectedHash,
            previousSuccessor: rotation.previousSuccessor,
            rotatedAt: rotation.rotatedAt,
            lastUsedAt: rotation.lastUsedAt,
            expiresAt: rotation.expiresAt,
          })
          .where(matching)
          .execute();
        // A rotation to a new hash always changes the row. Only one that keeps the hash may write
        // identical values, which MySQL without CLIENT_FOUND_ROWS reports as 0 rows; the row then
        // still matches (and is locked by this transaction).
        const recheck =
          rotation.refreshTokenHash === expectedHash
            ? async () => ((await manager.exists(this.entities.session, { where: matching })) ? 1 : 0)
            : undefined;
        return (await updatedRows(this.dataSource, result.affected, 'TypeOrmSessionStore', recheck)) === 1;
      }),
    );
  }

  async listActiveByUser(userId: string, now: number): Promise<StoredSession[]> {
    const rows = await withStoreErrors(() =>
      this.sessions.find({
        where: { userId, revokedAt: typeorm().IsNull(), expiresAt: typeorm().MoreThan(now), absoluteExpiresAt: typeorm().MoreThan(now) },
        order: { createdAt: 'DESC', id: 'ASC' },
      }),
    );
    return rows.map(toRow);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const result = await withStoreErrors(() =>
      serializeWrite(this.dataSource, () => this.sessions.update({ id, revokedAt: typeorm().IsNull() }, { revokedAt: at })),
    );
    return affectedRows(result.affected, 'TypeOrmSessionStore') === 1;
  }

  async revokeAllForUser(userId: string, at: number, exceptId?: string): Promise<number> {
    const where =
      exceptId === undefined
        ? { userId, revokedAt: typeorm().IsNull() }
        : { userId, revokedAt: typeorm().IsNull(), id: typeorm().Not(exceptId) };
    const result = await withStoreErrors(() => serializeWrite(this.dataSource, () => this.sessions.update(where, { revokedAt: at })));
    return affectedRows(result.affected, 'TypeOrmSessionStore');
  }

  /**
   * Sessions revoked at or after `since`, oldest first: one precompiled `SELECT id, revoked_at …
   * WHERE revoked_at >= ? ORDER BY revoked_at, id` on the `revoked_at` index (the revocation feed
   * runs it every `revocation.pollInterval`).
   */
  async listRevokedSince(since: number, limit: number): Promise<SessionRevocation[]> {
    const sql = this.compiled().revokedSince;
    const rows = await withStoreErrors<{ id: string; revoked_at: unknown }[]>(() => this.dataSource.query(sql, [since, limit]));
    return rows.map((row) => ({ id: String(row.id), revokedAt: Number(row.revoked_at) }));
  }

  async deleteExpired(before: number): Promise<number> {
    return withStoreErrors(() =>
      inTransaction(this.dataSource, async (manager: EntityManager) => {
        const ended = [
          { expiresAt: typeorm().LessThan(before) },
          { absoluteExpiresAt: typeorm().LessThan(before) },
          { revokedAt: typeorm().LessThan(before) },
        ];
        // Rows of auth_refresh_history (written by earlier versions) go with their session, so an old
        // table drains. They also go by ON DELETE CASCADE; deleting them first keeps schemas without
        // the foreign key (hand-written migrations) clean too.
        const endedIds = manager.createQueryBuilder().subQuery().select('ended.id').from(this.entities.session, 'ended').where(ended);
        const historyMetadata = this.dataSource.getMetadata(this.entities.refreshHistory);
        const sessionIdColumn = historyMetadata.findColumnWithPropertyName('sessionId')?.databaseName ?? 'session_id';
        await manager
          .createQueryBuilder()
          .delete()
          .from(this.entities.refreshHistory)
          .where(`${this.dataSource.driver.escape(sessionIdColumn)} IN ${endedIds.getQuery()}`)
          .setParameters(endedIds.getParameters())
          .execute();
        const result = await manager.createQueryBuilder().delete().from(this.entities.session).where(ended).execute();
        return affectedRows(result.affected, 'TypeOrmSessionStore');
      }),
    );
  }
  /** The SQL of `findById` and `listRevokedSince` (every driver) and of the one-statement `rotate` (PostgreSQL only), built once. */
  private compiled(): NonNullable<TypeOrmSessionStore['sql']> {
    if (this.sql) return this.sql;
    const { driver } = this.dataSource;
    const path = (metadata: EntityMetadata): string =>
      metadata.tablePath
        .split('.')
        .map((part) => driver.escape(part))
        .join('.');
    const name = (metadata: EntityMetadata, property: string): string => {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`TypeOrmSessionStore: the entity ${metadata.name} has no ${property} column`);
      return driver.escape(column.databaseName);
    };
    const session = this.dataSource.getMetadata(this.entities.session);
    const s = (property: string): string => name(session, property);
    const select = `SELECT ${session.columns.map((c) => driver.escape(c.databaseName)).join(', ')} FROM ${path(session)} WHERE ${s('id')} = :id`;
    const [findById] = driver.escapeQueryWithParameters(select, { id: '' });
    const rotate =
      this.dataSource.options.type === 'postgres'
        ? `WITH rotated AS (UPDATE ${path(session)} SET ${s('refreshTokenHash')} = $3, ${s('previousTokenHash')} = $2, ` +
          `${s('previousSuccessor')} = $4, ${s('rotatedAt')} = $5, ${s('lastUsedAt')} = $6, ${s('expiresAt')} = $7 ` +
          `WHERE ${s('id')} = $1 AND ${s('refreshTokenHash')} = $2 AND ${s('revokedAt')} IS NULL RETURNING ${s('id')} AS id) ` +
          `SELECT count(*)::int AS rotated FROM rotated`
        : null;
    const [revokedSince] = driver.escapeQueryWithParameters(
      `SELECT ${s('id')} AS id, ${s('revokedAt')} AS revoked_at FROM ${path(session)} WHERE ${s('revokedAt')} >= :since ` +
        `ORDER BY ${s('revokedAt')}, ${s('id')} LIMIT :limit`,
      { since: '', limit: '' }, // strings: placeholders (numbers would be inlined as literals)
    );
    this.sql = { findById, rotate, revokedSince, columns: session.columns };
    return this.sql;
  }
}

/** A fresh session object with exactly the {@link StoredSession} fields. */
function toRow(s: StoredSession): AuthSessionRow {
  return {
    id: s.id,
    userId: s.userId,
    refreshTokenHash: s.refreshTokenHash,
    previousTokenHash: s.previousTokenHash,
    previousSuccessor: s.previousSuccessor,
    rotatedAt: s.rotatedAt,
    createdAt: s.createdAt,
    lastUsedAt: s.lastUsedAt,
    expiresAt: s.expiresAt,
    absoluteExpiresAt: s.absoluteExpiresAt,
    revokedAt: s.revokedAt,
    userAgent: s.userAgent,
    ip: s.ip,
  };
}
