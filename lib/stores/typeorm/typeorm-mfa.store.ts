import type { DataSource, EntityManager, EntitySchema, ObjectLiteral } from 'typeorm';
import { typeorm } from './typeorm-runtime.js';
import type { DeliveredMfaMethod, MfaStore, MfaUserState, StoredOneTimeCode, StoredTrustedDevice } from '../mfa.store.js';
import { authEntities, type AuthEntities, type AuthMfaRow, type AuthTrustedDeviceRow } from './auth-entities.js';
import { insertIfAbsent, insertUnlessDuplicate } from './typeorm-dialect.js';
import { affectedRows, withStoreErrors } from './typeorm-error.mapper.js';
import { inTransaction, serializeWrite } from './typeorm-write.lock.js';

const STORE = 'TypeOrmMfaStore';

/**
 * An {@link MfaStore} on a TypeORM `DataSource` (PostgreSQL, SQLite via better-sqlite3, MySQL/MariaDB)
 * using the `auth_mfa`, `auth_mfa_recovery_codes`, `auth_mfa_codes`, `auth_mfa_finished_pending`
 * and `auth_trusted_devices` tables of {@link createAuthEntities}. The entity set must be registered
 * in the DataSource's `entities`; share the database across instances.
 *
 * Guarantees (each atomic operation is one conditional statement whose affected-row count decides
 * the outcome, so the database's row locks make it hold across processes; on SQLite, whose writes
 * the adapters serialise because TypeORM shares one connection, within the process):
 * - `acceptTotpStep`: `UPDATE auth_mfa SET totp_last_step = :step WHERE user_id = :id AND
 *   totp_secret IS NOT NULL AND totp_last_step < :step`.
 * - `activateTotp`: `UPDATE auth_mfa SET totp_secret = :secret, totp_last_step = :step,
 *   totp_pending_secret = NULL WHERE user_id = :id AND totp_pending_secret = :secret`.
 * - `consumeRecoveryCode`: `DELETE ... WHERE user_id = :id AND code_hash = :hash`.
 * - `consumeCode`: `DELETE ... WHERE user_id AND pending_id AND method AND code_hash AND
 *   expires_at > :now` (the hash is keyed, so comparing it in SQL leaks nothing useful by timing).
 * - `finishPending`: insert-or-ignore (`ON CONFLICT DO NOTHING`; on MySQL/MariaDB a plain INSERT
 *   whose duplicate-key error means "already finished"); the caller that inserted the row wins. Any
 *   existing row counts as finished, even an expired one not yet removed by {@link deleteExpired}:
 *   pending ids are random, so a leftover row never meets a new login.
 * - `setPendingTotp`, `setActiveTotp`, `putCode` are single-statement upserts (`ON CONFLICT DO
 *   UPDATE` / `ON DUPLICATE KEY UPDATE`), safe under concurrency on every supported database.
 * - `replaceRecoveryCodes` runs in one READ COMMITTED transaction that first locks the user's
 *   `auth_mfa` row, so concurrent replacements apply one after the other (never a union of both).
 * - No outcome depends on MySQL's CLIENT_FOUND_ROWS flag: every conditional UPDATE above changes
 *   the row it matches, so "changed rows" and "matched rows" agree.
 * - Times and steps are returned as JS numbers (stored as `bigint`).
 * - An unreachable database rejects with `StoreUnavailableError` (driver error as `cause`).
 * - Returned objects are fresh.
 */
export class TypeOrmMfaStore implements MfaStore {
  /** Database column names by entity and property, looked up once (getMetadata scans every entity). */
  private readonly columnNames = new Map<EntitySchema<ObjectLiteral>, Map<string, string>>();

  /**
   * @param dataSource an initialised DataSource whose `entities` include `entities`.
   * @param entities the entity set (default {@link authEntities}; pass your own for a table prefix).
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly entities: AuthEntities = authEntities,
  ) {}

  async getState(userId: string): Promise<MfaUserState> {
    return withStoreErrors(async () => {
      const row = await this.dataSource.getRepository(this.entities.mfa).findOne({ where: { userId } });
      const recoveryCodesLeft = await this.dataSource.getRepository(this.entities.mfaRecoveryCode).count({ where: { userId } });
      return {
        totpSecret: row?.totpSecret ?? null,
        totpLastStep: row?.totpLastStep ?? -1,
        totpPendingSecret: row?.totpPendingSecret ?? null,
        recoveryCodesLeft,
      };
    });
  }

  async setPendingTotp(userId: string, encryptedSecret: string): Promise<void> {
    await this.upsertMfa({ userId, totpSecret: null, totpLastStep: -1, totpPendingSecret: encryptedSecret }, ['totpPendingSecret']);
  }

  async activateTotp(userId: string, encryptedSecret: string, step: number): Promise<boolean> {
    const result = await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .update(this.entities.mfa)
          .set({ totpSecret: encryptedSecret, totpLastStep: step, totpPendingSecret: null })
          .where({ userId, totpPendingSecret: encryptedSecret })
          .execute(),
      ),
    );
    return affectedRows(result.affected, STORE) === 1;
  }

  async setActiveTotp(userId: string, encryptedSecret: string): Promise<void> {
    await this.upsertMfa({ userId, totpSecret: encryptedSecret, totpLastStep: -1, totpPendingSecret: null }, [
      'totpSecret',
      'totpLastStep',
    ]);
  }

  async clearTotp(userId: string): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .update(this.entities.mfa)
          .set({ totpSecret: null, totpLastStep: -1, totpPendingSecret: null })
          .where({ userId })
          .execute(),
      ),
    );
  }

  async acceptTotpStep(userId: string, step: number): Promise<boolean> {
    const { IsNull, LessThan, Not } = typeorm();
    const result = await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .update(this.entities.mfa)
          .set({ totpLastStep: step })
          .where({ userId, totpSecret: Not(IsNull()), totpLastStep: LessThan(step) })
          .execute(),
      ),
    );
    return affectedRows(result.affected, STORE) === 1;
  }

  async replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void> {
    const unique = [...new Set(codeHashes)];
    await withStoreErrors(() =>
      inTransaction(this.dataSource, async (manager: EntityManager) => {
        // Make sure the user's auth_mfa row exists, then lock it (a no-op UPDATE takes the row lock
        // on PostgreSQL and InnoDB): concurrent replacements queue here instead of interleaving.
        // (On MySQL the insert itself locks an existing row exclusively: see insertUnlessDuplicate.)
        await insertUnlessDuplicate(
          manager,
          manager
            .createQueryBuilder()
            .insert()
            .into(this.entities.mfa)
            .values({ userId, totpSecret: null, totpLastStep: -1, totpPendingSecret: null })
            .updateEntity(false),
          this.column(this.entities.mfa, 'userId'),
        );
        await manager
          .createQueryBuilder()
          .update(this.entities.mfa)
          .set({ totpLastStep: () => this.dataSource.driver.escape(this.column(this.entities.mfa, 'totpLastStep')) })
          .where({ userId })
          .execute();
        await manager.createQueryBuilder().delete().from(this.entities.mfaRecoveryCode).where({ userId }).execute();
        if (unique.length > 0) {
          await manager
            .createQueryBuilder()
            .insert()
            .into(this.entities.mfaRecoveryCode)
            .values(unique.map((codeHash) => ({ userId, codeHash })))
            .updateEntity(false)
            .execute();
        }
      }),
    );
  }

  async consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const result = await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().delete().from(this.entities.mfaRecoveryCode).where({ userId, codeHash }).execute(),
      ),
    );
    return affectedRows(result.affected, STORE) === 1;
  }

  async deleteRecoveryCodes(userId: string): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().delete().from(this.entities.mfaRecoveryCode).where({ userId }).execute(),
      ),
    );
  }

  async putCode(userId: string, code: StoredOneTimeCode): Promise<void> {
    const row = { userId, pendingId: code.pendingId, method: code.method, codeHash: code.codeHash, expiresAt: code.expiresAt };
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .insert()
          .into(this.entities.mfaCode)
          .values(row)
          .orUpdate(this.columns(this.entities.mfaCode, ['pendingId', 'method', 'codeHash', 'expiresAt']), [
            this.column(this.entities.mfaCode, 'userId'),
          ])
          .updateEntity(false)
          .execute(),
      ),
    );
  }

  async consumeCode(userId: string, pendingId: string, method: DeliveredMfaMethod, codeHash: string, now: number): Promise<boolean> {
    const result = await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .delete()
          .from(this.entities.mfaCode)
          .where({ userId, pendingId, method, codeHash, expiresAt: typeorm().MoreThan(now) })
          .execute(),
      ),
    );
    return affectedRows(result.affected, STORE) === 1;
  }

  async deleteCode(userId: string): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().delete().from(this.entities.mfaCode).where({ userId }).execute(),
      ),
    );
  }

  async finishPending(pendingId: string, expiresAt: number): Promise<boolean> {
    return withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        insertIfAbsent(
          this.dataSource.manager,
          this.dataSource
            .createQueryBuilder()
            .insert()
            .into(this.entities.mfaFinishedPending)
            .values({ pendingId, expiresAt })
            .updateEntity(false),
          STORE,
        ),
      ),
    );
  }

  async isPendingFinished(pendingId: string, now: number): Promise<boolean> {
    return withStoreErrors(() =>
      this.dataSource.getRepository(this.entities.mfaFinishedPending).exists({ where: { pendingId, expiresAt: typeorm().MoreThan(now) } }),
    );
  }

  async addTrustedDevice(device: StoredTrustedDevice): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .insert()
          .into(this.entities.trustedDevice)
          .values(toDevice(device))
          .updateEntity(false)
          .execute(),
      ),
    );
  }

  async findTrustedDevice(id: string): Promise<StoredTrustedDevice | null> {
    const row = await withStoreErrors(() => this.dataSource.getRepository(this.entities.trustedDevice).findOne({ where: { id } }));
    return row ? toDevice(row) : null;
  }

  async touchTrustedDevice(id: string, now: number): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().update(this.entities.trustedDevice).set({ lastUsedAt: now }).where({ id }).execute(),
      ),
    );
  }

  async listTrustedDevices(userId: string, now: number): Promise<StoredTrustedDevice[]> {
    const rows = await withStoreErrors(() =>
      this.dataSource.getRepository(this.entities.trustedDevice).find({
        where: { userId, expiresAt: typeorm().MoreThan(now) },
        order: { createdAt: 'DESC', id: 'ASC' },
      }),
    );
    return rows.map(toDevice);
  }

  async deleteTrustedDevice(userId: string, id: string): Promise<boolean> {
    const result = await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().delete().from(this.entities.trustedDevice).where({ id, userId }).execute(),
      ),
    );
    return affectedRows(result.affected, STORE) === 1;
  }

  async deleteTrustedDevices(userId: string): Promise<number> {
    const result = await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource.createQueryBuilder().delete().from(this.entities.trustedDevice).where({ userId }).execute(),
      ),
    );
    return affectedRows(result.affected, STORE);
  }

  /** Deletes codes, finished-pending marks and trusted devices that expired at or before `now`. */
  async deleteExpired(now: number): Promise<void> {
    const expired = { expiresAt: typeorm().LessThanOrEqual(now) };
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, async () => {
        for (const entity of [this.entities.mfaCode, this.entities.mfaFinishedPending, this.entities.trustedDevice]) {
          await this.dataSource.createQueryBuilder().delete().from(entity).where(expired).execute();
        }
      }),
    );
  }

  /** Inserts the `auth_mfa` row or, when the user has one, overwrites the `overwrite` properties. */
  private async upsertMfa(row: AuthMfaRow, overwrite: readonly (keyof AuthMfaRow)[]): Promise<void> {
    await withStoreErrors(() =>
      serializeWrite(this.dataSource, () =>
        this.dataSource
          .createQueryBuilder()
          .insert()
          .into(this.entities.mfa)
          .values(row)
          .orUpdate(this.columns(this.entities.mfa, overwrite), [this.column(this.entities.mfa, 'userId')])
          .updateEntity(false)
          .execute(),
      ),
    );
  }

  /** The database column name of `property`. */
  private column<T extends ObjectLiteral>(entity: EntitySchema<T>, property: keyof T & string): string {
    let names = this.columnNames.get(entity);
    if (!names) {
      names = new Map(this.dataSource.getMetadata(entity).columns.map((c) => [c.propertyName, c.databaseName]));
      this.columnNames.set(entity, names);
    }
    const name = names.get(property);
    if (name === undefined) throw new Error(`${STORE}: entity ${entity.options.name} has no ${property} column`);
    return name;
  }

  private columns<T extends ObjectLiteral>(entity: EntitySchema<T>, properties: readonly (keyof T & string)[]): string[] {
    return properties.map((p) => this.column(entity, p));
  }
}

/** A fresh trusted device with exactly the {@link StoredTrustedDevice} fields. */
function toDevice(d: StoredTrustedDevice): AuthTrustedDeviceRow {
  return {
    id: d.id,
    userId: d.userId,
    tokenHash: d.tokenHash,
    label: d.label,
    createdAt: d.createdAt,
    lastUsedAt: d.lastUsedAt,
    expiresAt: d.expiresAt,
  };
}
