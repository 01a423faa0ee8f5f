import type { DataSource, Repository } from 'typeorm';
import { typeorm } from './typeorm-runtime.js';
import type { AccountTokenPurpose, AccountTokenStore, StoredAccountToken } from '../account-token.store.js';
import { authEntities, type AuthAccountTokenRow, type AuthEntities } from './auth-entities.js';
import { affectedRows, withStoreErrors } from './typeorm-error.mapper.js';
import { serializeWrite } from './typeorm-write.lock.js';

const STORE = 'TypeOrmAccountTokenStore';

/**
 * An {@link AccountTokenStore} on a TypeORM `DataSource` (PostgreSQL, SQLite via better-sqlite3,
 * MySQL/MariaDB) using the `auth_account_tokens` table of {@link createAuthEntities} (created by the
 * `NestGatekeeperAccountTokens` migration of {@link createAuthMigrations}). The entity set must be
 * registered in the DataSource's `entities`; share the database across instances.
 *
 * Guarantees:
 * - One token per user and purpose: the primary key is (`user_id`, `purpose`), and `put` is one
 *   upsert on it (`ON CONFLICT DO UPDATE` / `ON DUPLICATE KEY UPDATE`), so the newer token replaces
 *   the older in one statement, safe under concurrency on every supported database.
 * - Token hashes are unique per purpose (a unique index; hashes of random tokens, or keyed with the
 *   user, never collide in practice). Should another user's token of the purpose have the same hash,
 *   `put` rejects (PostgreSQL, SQLite) or takes that row over for its own user (MySQL/MariaDB, whose
 *   upsert resolves every unique key): a hash never ends up pointing at a user it was not put for.
 * - `consume` reads the unexpired row by (`purpose`, `token_hash`) (a unique index), then runs
 *   `DELETE ... WHERE user_id AND purpose AND token_hash AND expires_at = <the row's>` and returns
 *   the row only when that statement deleted it (affected rows = 1). The database's row lock lets
 *   exactly one of any number of concurrent consumers, across processes, delete it; a token
 *   replaced or deleted between the read and the DELETE matches nothing. (On SQLite, whose writes
 *   the adapters serialise because TypeORM shares one connection, within the process.)
 * - `findByHash` and `findForUser` are single reads that compare `expires_at > :now`; expired rows
 *   stay until {@link deleteExpired} (the module's janitor) removes them.
 * - Times are returned as JS numbers (stored as `bigint`); returned records are fresh objects.
 * - An unreachable database rejects with `StoreUnavailableError` (driver error as `cause`, never in
 *   the message).
 */
export class TypeOrmAccountTokenStore implements AccountTokenStore {
  private readonly repository: Repository<AuthAccountTokenRow>;
  /** The database names of the upsert's conflict and overwritten columns, looked up once. */
  private upsertColumns: { conflict: string[]; overwrite: string[] } | undefined;

  /**
   * @param dataSource an initialised DataSource whose `entities` include `entities`.
   * @param entities the entity set (default {@link authEntities}; pass your own for a table prefix).
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly entities: AuthEntities = authEntities,
  ) {
    this.repository = dataSource.getRepository(entities.accountToken);
  }

  /** Inserts the token or, when the user has one of the purpose, overwrites it (one upsert). */
  async put(token: StoredAccountToken): Promise<void> {
    const row = toToken(token);
    await withStoreErrors(() => {
      const columns = (this.upsertColumns ??= this.columns());
      return serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .insert()
          .into(this.entities.accountToken)
          .values(row)
          .orUpdate(columns.overwrite, columns.conflict)
          .updateEntity(false)
          .execute(),
      );
    });
  }

  /** The unexpired token of the purpose with this hash (one indexed read), or `null`. */
  async findByHash(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<StoredAccountToken | null> {
    const row = await withStoreErrors(() => this.repository.findOne({ where: { purpose, tokenHash, expiresAt: typeorm().MoreThan(now) } }));
    return row ? toToken(row) : null;
  }

  /** The user's unexpired token of the purpose (one read by primary key), or `null`. */
  async findForUser(userId: string, purpose: AccountTokenPurpose, now: number): Promise<StoredAccountToken | null> {
    const row = await withStoreErrors(() => this.repository.findOne({ where: { userId, purpose, expiresAt: typeorm().MoreThan(now) } }));
    return row ? toToken(row) : null;
  }

  /**
   * Deletes and returns the unexpired token of the purpose with this hash: a read, then a DELETE of
   * exactly that row whose affected-row count decides. Exactly one of concurrent calls (on any
   * instance) gets the record; the others, and calls for unknown, replaced or expired tokens, `null`.
   */
  async consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<StoredAccountToken | null> {
    return withStoreErrors(async () => {
      const row = await this.repository.findOne({ where: { purpose, tokenHash, expiresAt: typeorm().MoreThan(now) } });
      if (!row) return null;
      const result = await serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .delete()
          .from(this.entities.accountToken)
          .where({ userId: row.userId, purpose, tokenHash, expiresAt: row.expiresAt })
          .execute(),
      );
      return affectedRows(result.affected, STORE) === 1 ? toToken(row) : null;
    });
  }

  /** Deletes the user's token of `purpose`, or all of the user's tokens (one DELETE). */
  async deleteForUser(userId: string, purpose?: AccountTokenPurpose): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .delete()
          .from(this.entities.accountToken)
          .where(purpose === undefined ? { userId } : { userId, purpose })
          .execute(),
      ),
    );
  }

  /** Deletes the tokens that expired at or before `now` (one DELETE; the module's janitor calls it). */
  async deleteExpired(now: number): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .delete()
          .from(this.entities.accountToken)
          .where({ expiresAt: typeorm().LessThanOrEqual(now) })
          .execute(),
      ),
    );
  }

  private columns(): { conflict: string[]; overwrite: string[] } {
    const metadata = this.dataSource.getMetadata(this.entities.accountToken);
    const name = (property: keyof AuthAccountTokenRow): string => {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${STORE}: entity ${metadata.name} has no ${property} column`);
      return column.databaseName;
    };
    // `user_id` is overwritten too: a no-op for the primary-key conflict, and on MySQL/MariaDB, where
    // a conflict on the (purpose, token_hash) index updates THAT row, it moves the row to this user.
    return {
      conflict: [name('userId'), name('purpose')],
      overwrite: [name('userId'), name('tokenHash'), name('email'), name('expiresAt')],
    };
  }
}

/** A fresh token with exactly the {@link StoredAccountToken} fields. */
function toToken(t: StoredAccountToken): AuthAccountTokenRow {
  return { userId: t.userId, purpose: t.purpose, tokenHash: t.tokenHash, email: t.email ?? null, expiresAt: t.expiresAt };
}
