/**
 * Bring your own UserStore: nest-gatekeeper on an existing `accounts` table whose columns have other
 * names than the module's. This file is the example of docs/stores.md ("Your own user table") and is
 * run by the UserStore contract suite in test/contracts/custom-user-store.spec.ts, so it stays true.
 *
 * The existing table (the app's, created by the app's own migrations):
 *
 * | column            | type          | maps to                           |
 * |-------------------|---------------|-----------------------------------|
 * | `account_id`      | varchar(36) PK| `AuthUser.id`                     |
 * | `login`           | varchar UNIQUE| `username` (stored lower-case)    |
 * | `email_address`   | varchar UNIQUE| `email` (stored lower-case)       |
 * | `password_digest` | varchar       | `passwordHash` (PHC string)       |
 * | `role_list`       | varchar       | `roles` (comma-separated)         |
 * | `is_locked`       | boolean       | `disabled`                        |
 * | `given_name`      | varchar NULL  | `profile.firstName`               |
 * | `family_name`     | varchar NULL  | `profile.lastName`                |
 * | `mobile`          | varchar NULL  | `phone`                           |
 * | `second_factors`  | varchar       | `mfaMethods` (added for MFA; comma-separated, `''` = none) |
 */
import { randomUUID } from 'node:crypto';
import {
  DuplicateUserError,
  MFA_METHODS,
  type AuthUser,
  type JsonValue,
  type MfaMethod,
  type NewUser,
  type UserStore,
} from 'nest-gatekeeper';
import { withTypeOrmStoreErrors } from 'nest-gatekeeper/typeorm';
import { EntitySchema, type DataSource, type Repository } from 'typeorm';

/** One row of the existing `accounts` table, as TypeORM maps it. */
export interface AccountRow {
  accountId: string;
  login: string;
  emailAddress: string;
  passwordDigest: string;
  roleList: string;
  isLocked: boolean;
  givenName: string | null;
  familyName: string | null;
  mobile: string | null;
  secondFactors: string;
}

/** The mapping of the existing table: only names and types, no change to the table itself. */
export const AccountEntity = new EntitySchema<AccountRow>({
  name: 'Account',
  tableName: 'accounts',
  columns: {
    accountId: { name: 'account_id', type: 'varchar', length: 36, primary: true },
    login: { type: 'varchar', length: 255, unique: true },
    emailAddress: { name: 'email_address', type: 'varchar', length: 255, unique: true },
    passwordDigest: { name: 'password_digest', type: 'varchar', length: 1024 },
    roleList: { name: 'role_list', type: 'varchar', length: 1024, default: '' },
    isLocked: { name: 'is_locked', type: 'boolean', default: false },
    givenName: { name: 'given_name', type: 'varchar', length: 255, nullable: true },
    familyName: { name: 'family_name', type: 'varchar', length: 255, nullable: true },
    mobile: { type: 'varchar', length: 32, nullable: true },
    secondFactors: { name: 'second_factors', type: 'varchar', length: 64, default: '' },
  },
});

/** Comma-separated list ↔ array (`''` is the empty list). */
const splitList = (value: string): string[] => (value === '' ? [] : value.split(','));

/**
 * A {@link UserStore} on the `accounts` table. The profile is the fixed pair `firstName`/`lastName`
 * (the contract suite runs with `profileFields: ['firstName', 'lastName']`).
 */
export class AccountUserStore implements UserStore {
  private readonly accounts: Repository<AccountRow>;

  constructor(dataSource: DataSource) {
    this.accounts = dataSource.getRepository(AccountEntity);
  }

  findById(id: string): Promise<AuthUser | null> {
    return this.findOne({ accountId: id });
  }

  findByUsername(username: string): Promise<AuthUser | null> {
    return this.findOne({ login: username });
  }

  findByEmail(email: string): Promise<AuthUser | null> {
    return this.findOne({ emailAddress: email });
  }

  async create(user: NewUser): Promise<AuthUser> {
    const row: AccountRow = {
      accountId: randomUUID(),
      login: user.username,
      emailAddress: user.email,
      passwordDigest: user.passwordHash,
      roleList: user.roles.join(','),
      isLocked: false,
      givenName: textField(user.profile?.['firstName']),
      familyName: textField(user.profile?.['lastName']),
      mobile: null,
      secondFactors: '',
    };
    try {
      await withTypeOrmStoreErrors(() => this.accounts.insert(row));
    } catch (error) {
      // Which unique column was hit? Ask the table (portable across databases and drivers).
      if (await this.accounts.exists({ where: { login: row.login } })) throw new DuplicateUserError('username');
      if (await this.accounts.exists({ where: { emailAddress: row.emailAddress } })) throw new DuplicateUserError('email');
      throw error;
    }
    return toAuthUser(row);
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<boolean> {
    // Existence is decided by a read, not by the affected-row count (MySQL counts changed rows only).
    await withTypeOrmStoreErrors(() => this.accounts.update({ accountId: id }, { passwordDigest: passwordHash }));
    return withTypeOrmStoreErrors(() => this.accounts.exists({ where: { accountId: id } }));
  }

  async setMfaMethods(id: string, methods: readonly MfaMethod[]): Promise<boolean> {
    await withTypeOrmStoreErrors(() => this.accounts.update({ accountId: id }, { secondFactors: methods.join(',') }));
    return withTypeOrmStoreErrors(() => this.accounts.exists({ where: { accountId: id } }));
  }

  private async findOne(where: Partial<Pick<AccountRow, 'accountId' | 'login' | 'emailAddress'>>): Promise<AuthUser | null> {
    const row = await withTypeOrmStoreErrors(() => this.accounts.findOne({ where }));
    return row ? toAuthUser(row) : null;
  }
}

/** The module's view of an account row (a fresh object every time). */
function toAuthUser(row: AccountRow): AuthUser {
  const mfaMethods = splitList(row.secondFactors).filter((m): m is MfaMethod => (MFA_METHODS as readonly string[]).includes(m));
  const profile: Record<string, JsonValue> = {};
  if (row.givenName !== null) profile['firstName'] = row.givenName;
  if (row.familyName !== null) profile['lastName'] = row.familyName;
  return {
    id: row.accountId,
    username: row.login,
    email: row.emailAddress,
    passwordHash: row.passwordDigest,
    roles: splitList(row.roleList),
    mfaEnabled: mfaMethods.length > 0,
    mfaMethods,
    disabled: row.isLocked,
    ...(row.mobile !== null ? { phone: row.mobile } : {}),
    ...(Object.keys(profile).length > 0 ? { profile } : {}),
  };
}

/** A profile value kept in a text column, or `null`. */
function textField(value: JsonValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}
