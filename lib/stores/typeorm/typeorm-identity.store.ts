import type { DataSource, ObjectLiteral, Repository } from 'typeorm';
import type { IdentityStore, StoredIdentity } from '../identity.store.js';
import { authEntities, type AuthEntities, type AuthIdentityRow } from './auth-entities.js';
import { insertIfAbsent, updatedRows } from './typeorm-dialect.js';
import { affectedRows, withStoreErrors } from './typeorm-error.mapper.js';
import { serializeWrite } from './typeorm-write.lock.js';

const STORE = 'TypeOrmIdentityStore';

/**
 * An {@link IdentityStore} on a TypeORM `DataSource` (PostgreSQL, SQLite via better-sqlite3,
 * MySQL/MariaDB) using the `auth_identities` table of {@link createAuthEntities} (created by the
 * `NestGatekeeperIdentities` migration of {@link createAuthMigrations}). Share the database across
 * instances.
 *
 * Guarantees:
 * - `link` is one `INSERT` that skips an existing (`provider`, `subject`) (`ON CONFLICT DO NOTHING`;
 *   a duplicate-key error on MySQL/MariaDB): the primary key lets exactly one of concurrent links win.
 * - `unlink` matches on (`user_id`, `provider`, `subject`): another user's identity is never touched.
 * - On MySQL/MariaDB the migrations give the columns a binary collation: subjects differing in
 *   letter case are different accounts, as at the providers.
 * - An unreachable database rejects with `StoreUnavailableError`.
 */
export class TypeOrmIdentityStore implements IdentityStore {
  private readonly repository: Repository<AuthIdentityRow>;

  /**
   * @param dataSource an initialised DataSource whose `entities` include `entities`.
   * @param entities the entity set (default {@link authEntities}; pass your own for a table prefix).
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly entities: AuthEntities = authEntities,
  ) {
    this.repository = dataSource.getRepository(entities.identity);
  }

  async link(identity: StoredIdentity): Promise<'linked' | 'taken'> {
    const row = toRow(identity);
    const linked = await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        insertIfAbsent(
          this.dataSource.manager,
          // ObjectLiteral: see TypeOrmUserStore.create (TS2589).
          this.dataSource.createQueryBuilder().insert().into<ObjectLiteral>(this.entities.identity).values(row).updateEntity(false),
          STORE,
        ),
      ),
    );
    return linked ? 'linked' : 'taken';
  }

  async find(provider: string, subject: string): Promise<StoredIdentity | null> {
    const row = await withStoreErrors(() => this.repository.findOne({ where: { provider, subject } }));
    return row ? toRow(row) : null;
  }

  async listByUser(userId: string): Promise<StoredIdentity[]> {
    const rows = await withStoreErrors(() =>
      this.repository.find({ where: { userId }, order: { createdAt: 'ASC', provider: 'ASC', subject: 'ASC' } }),
    );
    return rows.map(toRow);
  }

  async recordUse(provider: string, subject: string, email: string | null, emailVerified: boolean, now: number): Promise<boolean> {
    return withStoreErrors(async () => {
      const result = await serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .update(this.entities.identity)
          .set({ email, emailVerified, lastUsedAt: now })
          .where({ provider, subject })
          .execute(),
      );
      // MySQL without CLIENT_FOUND_ROWS: a use that writes what the row holds reports 0.
      const recheck = (): Promise<number> => this.repository.count({ where: { provider, subject } });
      return (await updatedRows(this.dataSource, result.affected, STORE, recheck)) === 1;
    });
  }

  async unlink(userId: string, provider: string, subject: string): Promise<boolean> {
    return withStoreErrors(async () => {
      const result = await serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().delete().from(this.entities.identity).where({ userId, provider, subject }).execute(),
      );
      return affectedRows(result.affected, STORE) === 1;
    });
  }

  async deleteForUser(userId: string): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().delete().from(this.entities.identity).where({ userId }).execute(),
      ),
    );
  }
}

/** A fresh row (or record) with exactly the {@link StoredIdentity} fields. */
function toRow(i: StoredIdentity): AuthIdentityRow {
  return {
    provider: i.provider,
    subject: i.subject,
    userId: i.userId,
    email: i.email,
    emailVerified: Boolean(i.emailVerified),
    createdAt: i.createdAt,
    lastUsedAt: i.lastUsedAt,
  };
}
