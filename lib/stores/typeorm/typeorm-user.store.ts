import { randomUUID } from 'node:crypto';
import type { DataSource, EntityMetadata, ObjectLiteral, Repository } from 'typeorm';
import { DuplicateUserError } from '../../errors/store.errors.js';
import type { AuthUser, MfaMethod, NewUser, UserStore } from '../user.store.js';
import { authEntities, type AuthEntities, type AuthUserRow } from './auth-entities.js';
import { updatedRows } from './typeorm-dialect.js';
import { affectedRows, toStoreError, uniqueViolation } from './typeorm-error.mapper.js';
import { serializeWrite } from './typeorm-write.lock.js';

/**
 * A {@link UserStore} on a TypeORM `DataSource` (PostgreSQL, SQLite via better-sqlite3, MySQL/MariaDB)
 * using the `auth_users` table of {@link createAuthEntities}. The entity set must be registered in
 * the DataSource's `entities`, and the DataSource initialised before the store is used.
 *
 * Guarantees:
 * - Uniqueness of `username` and `email` is enforced by the database's unique constraints, so of
 *   concurrent creations with the same username or e-mail exactly one succeeds, across processes;
 *   the others reject with `DuplicateUserError('username' | 'email')` (`'unknown'` when the driver
 *   does not say which constraint failed).
 * - An unreachable database rejects with `StoreUnavailableError` (driver error as `cause`).
 * - Ids are random UUIDs; new users have `mfaEnabled: false`, no MFA methods, no phone and are not
 *   disabled. `setMfaMethods` writes the methods and `mfaEnabled` in one `UPDATE`.
 * - `updatePasswordHash` and `setMfaMethods` resolve whether the user exists, also when they write
 *   the values it already has (on MySQL/MariaDB without CLIENT_FOUND_ROWS a 0-row UPDATE is
 *   re-checked with a SELECT).
 * - `phone` (column `phone`, nullable) is returned only when set.
 * - `emailVerified` (column `email_verified`, default `false`) is always returned; `create` takes
 *   it from `NewUser.emailVerified` (default `false`). The optional methods are implemented:
 *   `setEmailVerified` (with `expectedEmail`, only while the e-mail is that address), `updateEmail`
 *   (one `UPDATE` of `email` and `email_verified`; the unique constraint makes one of concurrent
 *   changes to an address succeed, the others reject with `DuplicateUserError('email')`) and
 *   `delete`. `delete` removes the `auth_users` row only: no foreign key ties the other tables to
 *   it, so the user's sessions, MFA state and account tokens are deleted through their own stores.
 * - Returned users are fresh objects: changing them never changes the stored state.
 */
export class TypeOrmUserStore implements UserStore {
  private readonly repository: Repository<AuthUserRow>;
  private finders: Record<'id' | 'username' | 'email', string> | undefined;
  /** The user entity's columns, looked up once (getMetadata scans every entity). */
  private userColumns: EntityMetadata['columns'] | undefined;

  /**
   * @param dataSource an initialised DataSource whose `entities` include `entities`.
   * @param entities the entity set (default {@link authEntities}; pass your own for a table prefix).
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly entities: AuthEntities = authEntities,
  ) {
    this.repository = dataSource.getRepository(entities.user);
  }

  async findById(id: string): Promise<AuthUser | null> {
    return this.findOne({ id });
  }

  async findByUsername(username: string): Promise<AuthUser | null> {
    return this.findOne({ username });
  }

  async findByEmail(email: string): Promise<AuthUser | null> {
    return this.findOne({ email });
  }

  async create(input: NewUser): Promise<AuthUser> {
    const row: AuthUserRow = {
      id: randomUUID(),
      username: input.username,
      email: input.email,
      passwordHash: input.passwordHash,
      roles: [...input.roles],
      mfaEnabled: false,
      mfaMethods: [],
      emailVerified: input.emailVerified ?? false,
      disabled: false,
      profile: input.profile ? structuredClone(input.profile) : null,
      phone: null,
      createdAt: Date.now(),
    };
    try {
      // updateEntity(false): no RETURNING / re-SELECT of the defaulted columns, we know them.
      // into<ObjectLiteral>: TypeORM's QueryDeepPartialEntity recurses forever on the recursive
      // JsonValue type of `profile` (TS2589); `row` is typed as AuthUserRow above.
      await serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().insert().into<ObjectLiteral>(this.entities.user).values(row).updateEntity(false).execute(),
      );
    } catch (error) {
      const violation = uniqueViolation(error);
      if (violation) throw new DuplicateUserError(this.duplicateField(violation.constraint, violation.columns));
      throw toStoreError(error);
    }
    return toAuthUser(row);
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<boolean> {
    return this.update({ id }, { passwordHash });
  }

  async setMfaMethods(id: string, methods: readonly MfaMethod[]): Promise<boolean> {
    return this.update({ id }, { mfaMethods: [...methods], mfaEnabled: methods.length > 0 });
  }

  /**
   * Sets `emailVerified` in one `UPDATE ... WHERE id [AND email = :expectedEmail]`: a verification
   * racing with an e-mail change verifies the new address only if it was sent to it.
   */
  async setEmailVerified(id: string, verified: boolean, expectedEmail?: string): Promise<boolean> {
    return this.update(expectedEmail === undefined ? { id } : { id, email: expectedEmail }, { emailVerified: verified });
  }

  /**
   * Replaces the e-mail and sets `emailVerified` in one `UPDATE`. The unique constraint on `email`
   * decides between concurrent changes to one address (and a concurrent sign-up with it): exactly one
   * succeeds, across processes; the others reject with `DuplicateUserError('email')`.
   */
  async updateEmail(id: string, email: string): Promise<boolean> {
    return this.update({ id }, { email, emailVerified: true });
  }

  /** Deletes the user's row (one `DELETE`); resolves whether it existed. */
  async delete(id: string): Promise<boolean> {
    try {
      const result = await serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().delete().from(this.entities.user).where({ id }).execute(),
      );
      return affectedRows(result.affected, 'TypeOrmUserStore') === 1;
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /**
   * Updates the user matching `where` (its id, maybe more); resolves whether it matched. On
   * MySQL/MariaDB an UPDATE writing the values the row already has may report 0 rows (see
   * `updatedRows`), so a 0 is re-checked there. A unique violation (a changed e-mail) is a
   * `DuplicateUserError`.
   */
  private async update(
    where: Pick<AuthUserRow, 'id'> & Partial<Pick<AuthUserRow, 'email'>>,
    values: Partial<Pick<AuthUserRow, 'passwordHash' | 'mfaMethods' | 'mfaEnabled' | 'email' | 'emailVerified'>>,
  ): Promise<boolean> {
    try {
      const result = await serializeWrite(this.dataSource, () => this.repository.update(where, values));
      const rows = await updatedRows(this.dataSource, result.affected, 'TypeOrmUserStore', async () =>
        (await this.repository.exists({ where })) ? 1 : 0,
      );
      return rows === 1;
    } catch (error) {
      const violation = uniqueViolation(error);
      if (violation) throw new DuplicateUserError(this.duplicateField(violation.constraint, violation.columns));
      throw toStoreError(error);
    }
  }

  /**
   * One look-up by a unique column. The SQL is built once from the entity metadata (escaped names,
   * the driver's placeholder) and rows are hydrated by the driver itself (simple-json, booleans,
   * transformers): the same result as `Repository.findOne` at a tenth of its cost, which matters on
   * every refresh.
   */
  private async findOne(
    where: Pick<AuthUserRow, 'id'> | Pick<AuthUserRow, 'username'> | Pick<AuthUserRow, 'email'>,
  ): Promise<AuthUser | null> {
    const [field, value] = Object.entries(where)[0] as ['id' | 'username' | 'email', string];
    try {
      this.finders ??= this.buildFinders();
      const rows = await this.dataSource.query<Record<string, unknown>[]>(this.finders[field], [value]);
      return rows.length > 0 ? toAuthUser(this.hydrate(rows[0])) : null;
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private buildFinders(): Record<'id' | 'username' | 'email', string> {
    const { driver } = this.dataSource;
    const metadata = this.dataSource.getMetadata(this.entities.user);
    const table = metadata.tablePath
      .split('.')
      .map((part) => driver.escape(part))
      .join('.');
    const columns = metadata.columns.map((c) => driver.escape(c.databaseName)).join(', ');
    const finder = (property: string): string => {
      const column = metadata.findColumnWithPropertyName(property);
      if (!column) throw new Error(`auth user entity has no ${property} column`);
      const sql = `SELECT ${columns} FROM ${table} WHERE ${driver.escape(column.databaseName)} = :value`;
      return driver.escapeQueryWithParameters(sql, { value: '' })[0];
    };
    return { id: finder('id'), username: finder('username'), email: finder('email') };
  }

  private hydrate(raw: Record<string, unknown>): AuthUserRow {
    const { driver } = this.dataSource;
    const row: Record<string, unknown> = {};
    this.userColumns ??= this.dataSource.getMetadata(this.entities.user).columns;
    for (const column of this.userColumns) {
      row[column.propertyName] = driver.prepareHydratedValue(raw[column.databaseName], column);
    }
    return row as unknown as AuthUserRow;
  }

  /**
   * Which field a unique violation is about, from the constraint name or the column names. (TypeORM
   * turns the entity's unique constraints into unique indices on MySQL/MariaDB, which have no named
   * unique constraints; both are looked at.)
   */
  private duplicateField(constraint: string | null, columns: readonly string[]): 'username' | 'email' | 'unknown' {
    const metadata: EntityMetadata = this.dataSource.getMetadata(this.entities.user);
    const uniqueKeys = [...metadata.uniques, ...metadata.indices.filter((index) => index.isUnique)];
    for (const field of ['username', 'email'] as const) {
      const column = metadata.findColumnWithPropertyName(field)?.databaseName ?? field;
      const named = uniqueKeys.some((u) => u.name === constraint && u.columns.length === 1 && u.columns[0].propertyName === field);
      if (named || (columns.length === 1 && columns[0] === column)) return field;
    }
    return 'unknown';
  }
}

/** A fresh {@link AuthUser} from a row (arrays copied; a hydrated profile is already a fresh object). */
function toAuthUser(row: AuthUserRow): AuthUser {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    passwordHash: row.passwordHash,
    roles: [...row.roles],
    mfaEnabled: row.mfaEnabled,
    mfaMethods: [...row.mfaMethods],
    emailVerified: row.emailVerified,
    disabled: row.disabled,
    ...(row.phone ? { phone: row.phone } : {}),
    ...(row.profile ? { profile: row.profile } : {}),
  };
}
