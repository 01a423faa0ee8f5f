import type { DataSource, ObjectLiteral, Repository } from 'typeorm';
import type { PasskeyStore, StoredPasskey } from '../passkey.store.js';
import { authEntities, type AuthEntities, type AuthPasskeyRow } from './auth-entities.js';
import { insertIfAbsent, updatedRows } from './typeorm-dialect.js';
import { affectedRows, withStoreErrors } from './typeorm-error.mapper.js';
import { serializeWrite } from './typeorm-write.lock.js';

const STORE = 'TypeOrmPasskeyStore';

/**
 * A {@link PasskeyStore} on a TypeORM `DataSource` (PostgreSQL, SQLite via better-sqlite3,
 * MySQL/MariaDB) using the `auth_passkeys` table of {@link createAuthEntities} (created by the
 * `NestGatekeeperPasskeys` migration of {@link createAuthMigrations}). Share the database across
 * instances.
 *
 * Guarantees:
 * - `add` inserts unless the id exists (`ON CONFLICT DO NOTHING`; a duplicate-key error on
 *   MySQL/MariaDB), then counts the user's passkeys and deletes its own row again when there are more
 *   than `maxPerUser` (reserve, then check): two registrations racing for the last place may both be
 *   refused, never both kept. (SQLite: the adapters serialise writes, so the count is exact.)
 * - `recordUse` is one `UPDATE … WHERE id AND counter = <expected>`: the database's row lock lets one
 *   of concurrent uses with the same expected counter through.
 * - `rename` and `delete` match on (`id`, `user_id`): another user's passkey is never touched.
 * - An unreachable database rejects with `StoreUnavailableError`.
 */
export class TypeOrmPasskeyStore implements PasskeyStore {
  private readonly repository: Repository<AuthPasskeyRow>;

  /**
   * @param dataSource an initialised DataSource whose `entities` include `entities`.
   * @param entities the entity set (default {@link authEntities}; pass your own for a table prefix).
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly entities: AuthEntities = authEntities,
  ) {
    this.repository = dataSource.getRepository(entities.passkey);
  }

  async add(passkey: StoredPasskey, maxPerUser: number): Promise<'added' | 'duplicate' | 'limit'> {
    const row = toRow(passkey);
    return withStoreErrors(() =>
      serializeWrite(this.dataSource, async () => {
        if ((await this.repository.count({ where: { userId: row.userId } })) >= maxPerUser) {
          return (await this.repository.exists({ where: { id: row.id } })) ? 'duplicate' : 'limit';
        }
        const inserted = await insertIfAbsent(
          this.dataSource.manager,
          // ObjectLiteral: see TypeOrmUserStore.create (TS2589).
          this.dataSource.createQueryBuilder().insert().into<ObjectLiteral>(this.entities.passkey).values(row).updateEntity(false),
          STORE,
        );
        if (!inserted) return 'duplicate';
        if ((await this.repository.count({ where: { userId: row.userId } })) <= maxPerUser) return 'added';
        await this.dataSource.createQueryBuilder().delete().from(this.entities.passkey).where({ id: row.id }).execute();
        return 'limit';
      }),
    );
  }

  async findById(id: string): Promise<StoredPasskey | null> {
    const row = await withStoreErrors(() => this.repository.findOne({ where: { id } }));
    return row ? toRow(row) : null;
  }

  async listByUser(userId: string): Promise<StoredPasskey[]> {
    const rows = await withStoreErrors(() => this.repository.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } }));
    return rows.map(toRow);
  }

  async recordUse(id: string, expectedCounter: number, counter: number, now: number): Promise<boolean> {
    return withStoreErrors(async () => {
      const result = await serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .update(this.entities.passkey)
          .set({ counter, lastUsedAt: now })
          .where({ id, counter: expectedCounter })
          .execute(),
      );
      // MySQL without CLIENT_FOUND_ROWS counts changed rows: a use that writes what the row holds
      // (the same counter and time) reports 0.
      const recheck = (): Promise<number> => this.repository.count({ where: { id, counter, lastUsedAt: now } });
      return (await updatedRows(this.dataSource, result.affected, STORE, expectedCounter === counter ? recheck : undefined)) === 1;
    });
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    return withStoreErrors(async () => {
      const result = await serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().update(this.entities.passkey).set({ name }).where({ id, userId }).execute(),
      );
      const recheck = (): Promise<number> => this.repository.count({ where: { id, userId, name } });
      return (await updatedRows(this.dataSource, result.affected, STORE, recheck)) === 1;
    });
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return withStoreErrors(async () => {
      const result = await serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().delete().from(this.entities.passkey).where({ id, userId }).execute(),
      );
      return affectedRows(result.affected, STORE) === 1;
    });
  }

  async deleteForUser(userId: string): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().delete().from(this.entities.passkey).where({ userId }).execute(),
      ),
    );
  }
}

/** A fresh row (or record) with exactly the {@link StoredPasskey} fields. */
function toRow(p: StoredPasskey): AuthPasskeyRow {
  return {
    id: p.id,
    credentialId: p.credentialId,
    userId: p.userId,
    userHandle: p.userHandle,
    publicKey: p.publicKey,
    counter: p.counter,
    transports: [...p.transports],
    backedUp: Boolean(p.backedUp),
    deviceType: p.deviceType,
    name: p.name,
    createdAt: p.createdAt,
    lastUsedAt: p.lastUsedAt,
  };
}
