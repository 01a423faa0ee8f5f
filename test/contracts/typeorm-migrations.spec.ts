import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions, type EntitySchema, type ObjectLiteral } from 'typeorm';
import { createAuthEntities, type AuthEntities } from '../../lib/stores/typeorm/auth-entities.js';
import { createAuthMigrations, type AuthMigrationsOptions } from '../../lib/stores/typeorm/auth-migrations.js';
import { createRateLimitEntity, type AuthRateLimitRow } from '../../lib/stores/typeorm/rate-limit.entity.js';
import { TypeOrmAccountTokenStore } from '../../lib/stores/typeorm/typeorm-account-token.store.js';
import { TypeOrmIdentityStore } from '../../lib/stores/typeorm/typeorm-identity.store.js';
import { TypeOrmPasskeyStore } from '../../lib/stores/typeorm/typeorm-passkey.store.js';
import { TypeOrmActivityStore } from '../../lib/stores/typeorm/typeorm-activity.store.js';
import { TypeOrmMfaStore } from '../../lib/stores/typeorm/typeorm-mfa.store.js';
import { TypeOrmRateLimitStore } from '../../lib/stores/typeorm/typeorm-rate-limit.store.js';
import { TypeOrmSessionStore } from '../../lib/stores/typeorm/typeorm-session.store.js';
import { TypeOrmUserStore } from '../../lib/stores/typeorm/typeorm-user.store.js';
import { session } from './typeorm-fixture.js';

/**
 * The shipped migrations (`createAuthMigrations`) on PostgreSQL, MariaDB (as TypeORM types
 * `mariadb` and `mysql`) and SQLite: they create exactly the entities' schema (TypeORM's schema
 * diff finds nothing to do), the stores work on it, and undoing them removes the tables.
 * PostgreSQL and MariaDB must be reachable (CI starts them): an unreachable server fails the tests.
 */
const PG_URL = process.env['PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';

/** An empty database (a schema of its own on PostgreSQL) and how to remove it. */
interface Scratch {
  options: DataSourceOptions;
  drop(): Promise<void>;
}

interface Database {
  name: string;
  scratch(): Promise<Scratch>;
  /**
   * TypeORM's own diff on a schema that `synchronize` made for `sets` (nothing, except where
   * TypeORM misreads the database: its `mysql` type takes MariaDB's `NULL` column defaults for
   * changes, so it "changes" every nullable column after a synchronize too).
   */
  diffAfterSynchronize?(sets: readonly TableSet[]): Promise<string[]>;
}

/** Runs `work` on a short-lived DataSource without entities (to create or drop a database). */
async function withAdmin(options: DataSourceOptions, work: (admin: DataSource) => Promise<void>): Promise<void> {
  const admin = await new DataSource(options).initialize();
  try {
    await work(admin);
  } finally {
    await admin.destroy();
  }
}

const postgres: Database = {
  name: 'postgres',
  scratch: async () => {
    const schema = `gk_mig_${randomBytes(6).toString('hex')}`;
    const admin: DataSourceOptions = { type: 'postgres', url: PG_URL, connectTimeoutMS: 5000 };
    await withAdmin(admin, (a) => a.query(`CREATE SCHEMA "${schema}"`));
    return {
      options: { ...admin, schema },
      drop: () => withAdmin(admin, (a) => a.query(`DROP SCHEMA "${schema}" CASCADE`)),
    };
  },
};

function mysqlFamily(type: 'mariadb' | 'mysql'): Database {
  const db: Database = {
    name: `MariaDB as type '${type}'`,
    scratch: async () => {
      const database = `gk_mig_${randomBytes(6).toString('hex')}`;
      const admin: DataSourceOptions = { type, url: MYSQL_URL, connectTimeout: 5000 };
      await withAdmin(admin, (a) => a.query(`CREATE DATABASE \`${database}\``));
      const url = new URL(MYSQL_URL);
      url.pathname = `/${database}`;
      return {
        options: { ...admin, url: url.toString() },
        drop: () => withAdmin(admin, (a) => a.query(`DROP DATABASE \`${database}\``)),
      };
    },
  };
  if (type === 'mysql') {
    db.diffAfterSynchronize = async (sets) => {
      const scratch = await db.scratch();
      try {
        const dataSource = await open(scratch, sets, { synchronize: true });
        try {
          return await pendingSchemaChanges(dataSource);
        } finally {
          await dataSource.destroy();
        }
      } finally {
        await scratch.drop();
      }
    };
  }
  return db;
}

const sqlite: Database = {
  name: 'better-sqlite3',
  // A file, so that a test can close the DataSource and open the same database again.
  scratch: () => {
    const file = join(tmpdir(), `gk-mig-${randomBytes(6).toString('hex')}.sqlite`);
    return Promise.resolve({
      options: { type: 'better-sqlite3', database: file },
      drop: () => rm(file, { force: true }),
    });
  },
};

/** One set of auth tables: its entities and the options of its migrations. */
interface TableSet {
  entities: AuthEntities;
  rateLimit: EntitySchema<AuthRateLimitRow>;
  migrations: AuthMigrationsOptions;
}

function tableSet(tablePrefix?: string): TableSet {
  return {
    entities: createAuthEntities({ tablePrefix }),
    rateLimit: createRateLimitEntity({ tablePrefix }),
    migrations: { tablePrefix },
  };
}

/** The tables later migrations add (undone before the first two). */
const LATER: ReadonlySet<string> = new Set(['auth_account_tokens', 'auth_audit_log', 'auth_passkeys', 'auth_identities']);

const TABLES = [
  'auth_users',
  'auth_sessions',
  'auth_refresh_history',
  'auth_mfa',
  'auth_mfa_recovery_codes',
  'auth_mfa_codes',
  'auth_mfa_finished_pending',
  'auth_trusted_devices',
  'auth_rate_limits',
  'auth_account_tokens',
  'auth_audit_log',
  'auth_passkeys',
  'auth_identities',
];

/** A DataSource on `scratch` for the sets' entities and migrations (nothing run yet). */
async function open(scratch: Scratch, sets: readonly TableSet[], overrides: Partial<DataSourceOptions> = {}): Promise<DataSource> {
  const options = {
    ...scratch.options,
    entities: sets.flatMap((s): EntitySchema<ObjectLiteral>[] => [
      ...(Object.values(s.entities) as EntitySchema<ObjectLiteral>[]),
      s.rateLimit as EntitySchema<ObjectLiteral>,
    ]),
    migrations: sets.flatMap((s) => createAuthMigrations(s.migrations)),
    migrationsRun: false,
    synchronize: false,
    ...overrides,
  } as DataSourceOptions;
  return new DataSource(options).initialize();
}

/** The SQL TypeORM's schema diff would run to make the database match the entities. */
async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  return (await dataSource.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
}

async function hasTables(dataSource: DataSource, prefix: string): Promise<boolean[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const found: boolean[] = [];
    for (const table of TABLES) found.push(await runner.hasTable(`${prefix}${table}`));
    return found;
  } finally {
    await runner.release();
  }
}

/** A short tour of every store on the set's tables. */
async function smoke(dataSource: DataSource, set: TableSet): Promise<void> {
  const users = new TypeOrmUserStore(dataSource, set.entities);
  const user = await users.create({ username: 'smoke', email: 'smoke@example.test', passwordHash: 'h', roles: ['r'] });
  await expect(users.create({ username: 'smoke', email: 'other@example.test', passwordHash: 'h', roles: [] })).rejects.toMatchObject({
    name: 'DuplicateUserError',
    field: 'username',
  });
  await expect(users.create({ username: 'other', email: 'smoke@example.test', passwordHash: 'h', roles: [] })).rejects.toMatchObject({
    name: 'DuplicateUserError',
    field: 'email',
  });
  expect(await users.setMfaMethods(user.id, ['totp'])).toBe(true);
  expect((await users.findByEmail('smoke@example.test'))?.mfaEnabled).toBe(true);
  expect(user.emailVerified).toBe(false);
  expect(await users.setEmailVerified?.(user.id, true, 'smoke@example.test')).toBe(true);
  expect((await users.findById(user.id))?.emailVerified).toBe(true);

  const tokens = new TypeOrmAccountTokenStore(dataSource, set.entities);
  const token = { userId: user.id, purpose: 'email-verification' as const, tokenHash: 'h1', email: 'smoke@example.test', expiresAt: 10 };
  await tokens.put(token);
  await tokens.put({ ...token, userId: 'other', tokenHash: 'h2' });
  await tokens.put({ ...token, purpose: 'login-code' });
  const consumed = await Promise.all(Array.from({ length: 10 }, () => tokens.consume('login-code', 'h1', 5)));
  expect(consumed.filter((t) => t !== null)).toHaveLength(1);

  const sessions = new TypeOrmSessionStore(dataSource, set.entities);
  const s = session({ userId: user.id });
  await sessions.create(s);
  const rotation = { refreshTokenHash: 'next', previousSuccessor: 'enc', rotatedAt: 1, lastUsedAt: 1, expiresAt: s.expiresAt };
  const results = await Promise.all(Array.from({ length: 10 }, () => sessions.rotate(s.id, s.refreshTokenHash, rotation)));
  expect(results.filter((ok) => ok)).toHaveLength(1);
  expect((await sessions.findById(s.id))?.previousTokenHash).toBe(s.refreshTokenHash);
  expect(await sessions.deleteExpired(s.absoluteExpiresAt + 1)).toBe(1);
  expect(await sessions.findById(s.id)).toBeNull();

  const mfa = new TypeOrmMfaStore(dataSource, set.entities);
  await mfa.setPendingTotp(user.id, 'enc-secret');
  expect(await mfa.activateTotp(user.id, 'enc-secret', 7)).toBe(true);
  await mfa.replaceRecoveryCodes(user.id, ['r1', 'r2']);
  expect(await mfa.consumeRecoveryCode(user.id, 'r1')).toBe(true);
  expect(await mfa.getState(user.id)).toEqual({ totpSecret: 'enc-secret', totpLastStep: 7, totpPendingSecret: null, recoveryCodesLeft: 1 });
  const pendingId = randomUUID();
  expect(await mfa.finishPending(pendingId, 10)).toBe(true);
  expect(await mfa.finishPending(pendingId, 10)).toBe(false);

  const activity = new TypeOrmActivityStore(dataSource, set.entities, { maxPerUser: 2 });
  const at = (ms: number): string => new Date(1_750_000_000_000 + ms).toISOString();
  const base = { userId: user.id, sessionId: null, ip: '203.0.113.9', userAgent: 'Smoke ✓', requestId: null, reason: null };
  await activity.record([
    { ...base, type: 'login.failed', id: 'e1', at: at(0), reason: 'invalid_credentials' },
    { ...base, type: 'login.succeeded', id: 'e2', at: at(1), method: 'password' },
    { ...base, type: 'logout', id: 'e3', at: at(2), allSessions: true },
  ]);
  expect((await activity.listByUser(user.id, 10)).map((e) => [e.id, e.type, e.userAgent])).toEqual([
    ['e3', 'logout', 'Smoke ✓'],
    ['e2', 'login.succeeded', 'Smoke ✓'],
  ]);
  expect(await activity.deleteOlderThan(1_750_000_000_000 + 2)).toBe(1);

  const passkeys = new TypeOrmPasskeyStore(dataSource, set.entities);
  const credential = {
    id: 'pk-1',
    credentialId: 'A'.repeat(1_364),
    userId: user.id,
    userHandle: 'h'.repeat(43),
    publicKey: 'pQECAyYgASFYIA',
    counter: 0,
  };
  const key = {
    ...credential,
    transports: ['internal' as const],
    backedUp: true,
    deviceType: 'multiDevice' as const,
    name: 'Smoke ✓',
    createdAt: 1,
    lastUsedAt: null,
  };
  expect(await passkeys.add(key, 2)).toBe('added');
  expect(await passkeys.add({ ...key, userId: 'other' }, 2)).toBe('duplicate');
  expect(await passkeys.recordUse('pk-1', 0, 4_294_967_295, 2)).toBe(true);
  expect(await passkeys.listByUser(user.id)).toEqual([{ ...key, counter: 4_294_967_295, lastUsedAt: 2 }]);

  const identities = new TypeOrmIdentityStore(dataSource, set.entities);
  const github = {
    provider: 'github',
    subject: 'Ab1',
    userId: user.id,
    email: 'smoke@example.test',
    emailVerified: true,
    createdAt: 1,
    lastUsedAt: null,
  };
  expect(await identities.link(github)).toBe('linked');
  expect(await identities.link({ ...github, subject: 'ab1' })).toBe('linked'); // case-sensitive
  expect(await identities.link({ ...github, userId: 'other' })).toBe('taken');
  expect(await identities.listByUser(user.id)).toHaveLength(2);

  const limits = new TypeOrmRateLimitStore(dataSource, set.rateLimit);
  const counts = await Promise.all(Array.from({ length: 10 }, () => limits.increment('smoke', 60_000, 1_000)));
  expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
}

describe('createAuthMigrations', () => {
  it('names the migrations after the prefix, with a JavaScript timestamp at the end', () => {
    const names = (options?: AuthMigrationsOptions): string[] =>
      createAuthMigrations(options).map((Migration) => new Migration().name ?? '');
    expect(names()).toEqual([
      expect.stringMatching(/^NestGatekeeperAuth\d{13}$/),
      expect.stringMatching(/^NestGatekeeperRateLimits\d{13}$/),
      expect.stringMatching(/^NestGatekeeperRevokedAtIndex\d{13}$/),
      expect.stringMatching(/^NestGatekeeperAccountTokens\d{13}$/),
      expect.stringMatching(/^NestGatekeeperEmailVerified\d{13}$/),
      expect.stringMatching(/^NestGatekeeperAuditLog\d{13}$/),
      expect.stringMatching(/^NestGatekeeperPasskeys\d{13}$/),
      expect.stringMatching(/^NestGatekeeperIdentities\d{13}$/),
    ]);
    expect(names({ tablePrefix: 'app_' })).toEqual([
      expect.stringMatching(/^NestGatekeeperAuth_app_\d{13}$/),
      expect.stringMatching(/^NestGatekeeperRateLimits_app_\d{13}$/),
      expect.stringMatching(/^NestGatekeeperRevokedAtIndex_app_\d{13}$/),
      expect.stringMatching(/^NestGatekeeperAccountTokens_app_\d{13}$/),
      expect.stringMatching(/^NestGatekeeperEmailVerified_app_\d{13}$/),
      expect.stringMatching(/^NestGatekeeperAuditLog_app_\d{13}$/),
      expect.stringMatching(/^NestGatekeeperPasskeys_app_\d{13}$/),
      expect.stringMatching(/^NestGatekeeperIdentities_app_\d{13}$/),
    ]);
    expect(names({ tablePrefix: 'app_', rateLimitTable: { tablePrefix: 'rl_' } })[1]).toMatch(/^NestGatekeeperRateLimits_rl_\d{13}$/);
    expect(names({ rateLimitTable: false })).toHaveLength(7);
    // Released migrations never change: later schema changes are new classes, ordered after them.
    const stamps = names().map((n) => Number(n.slice(-13)));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(new Set(stamps).size).toBe(8);
  });
});

for (const db of [postgres, mysqlFamily('mariadb'), mysqlFamily('mysql'), sqlite]) {
  describe(`auth migrations: ${db.name}`, () => {
    let scratch: Scratch | undefined;
    let dataSource: DataSource | undefined;

    beforeEach(async () => {
      scratch = await db.scratch();
    });

    afterEach(async () => {
      if (dataSource?.isInitialized) await dataSource.destroy();
      dataSource = undefined;
      await scratch?.drop();
      scratch = undefined;
    });

    const expectedChanges = async (sets: readonly TableSet[]): Promise<string[]> =>
      db.diffAfterSynchronize ? db.diffAfterSynchronize(sets) : [];

    const current = (): Scratch => {
      if (!scratch) throw new Error(`${db.name} is not reachable (see the beforeEach failure)`);
      return scratch;
    };

    it.each([
      ['without a table prefix', ''],
      ['with a table prefix', 'gk_'],
    ])('creates exactly the entities’ schema %s; the stores work on it; undo removes the tables', async (_, prefix) => {
      const set = tableSet(prefix || undefined);
      dataSource = await open(current(), [set]);
      expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map(() => false));
      expect(await pendingSchemaChanges(dataSource)).not.toEqual([]);

      const executed = await dataSource.runMigrations();
      expect(executed.map((m) => m.name)).toEqual(createAuthMigrations(set.migrations).map((M) => new M().name));
      expect(await pendingSchemaChanges(dataSource)).toEqual(await expectedChanges([set]));
      expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map(() => true));
      expect(await dataSource.runMigrations()).toEqual([]);

      await smoke(dataSource, set);

      await dataSource.undoLastMigration(); // the identity table
      expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map((t) => t !== 'auth_identities'));
      await dataSource.undoLastMigration(); // the passkey table
      expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map((t) => t !== 'auth_passkeys' && t !== 'auth_identities'));
      await dataSource.undoLastMigration(); // the audit-log table
      const beforeAuditLog = (t: string): boolean => t !== 'auth_audit_log' && t !== 'auth_passkeys' && t !== 'auth_identities';
      expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map(beforeAuditLog));
      await dataSource.undoLastMigration(); // the email_verified column
      expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map(beforeAuditLog));
      expect(await pendingSchemaChanges(dataSource)).not.toEqual(await expectedChanges([set]));
      await dataSource.undoLastMigration(); // the account-token table
      expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map((t) => !LATER.has(t)));
      await dataSource.undoLastMigration(); // the revoked_at index
      expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map((t) => !LATER.has(t)));
      await dataSource.undoLastMigration(); // the counter table
      expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map((t) => t !== 'auth_rate_limits' && !LATER.has(t)));
      await dataSource.undoLastMigration(); // the auth tables
      expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map(() => false));
      expect(await dataSource.showMigrations()).toBe(true);
    });

    it('runs two prefixed sets side by side in one database', async () => {
      const sets = [tableSet('one_'), tableSet('two_')];
      dataSource = await open(current(), sets);
      expect(await dataSource.runMigrations()).toHaveLength(16);
      expect(await pendingSchemaChanges(dataSource)).toEqual(await expectedChanges(sets));
      for (const set of sets) await smoke(dataSource, set);
      // Undo goes one migration at a time, the last first: the identity and passkey tables, the audit-log tables,
      // the email_verified columns, the account-token tables and the indexes of two_ and one_, then
      // two_'s counters.
      for (let i = 0; i < 12; i++) await dataSource.undoLastMigration();
      for (const prefix of ['one_', 'two_']) {
        expect(await hasTables(dataSource, prefix)).toEqual(TABLES.map((t) => !LATER.has(t)));
      }
      await dataSource.undoLastMigration();
      expect(await hasTables(dataSource, 'two_')).toEqual(TABLES.map((t) => t !== 'auth_rate_limits' && !LATER.has(t)));
      expect(await hasTables(dataSource, 'one_')).toEqual(TABLES.map((t) => !LATER.has(t)));
    });

    it('upgrades a database migrated by an earlier release: adds only the later changes', async () => {
      const set = tableSet();
      dataSource = await open(current(), [set], { migrations: createAuthMigrations().slice(0, 2) });
      expect(await dataSource.runMigrations()).toHaveLength(2);
      await dataSource.destroy();

      dataSource = await open(current(), [set]);
      expect((await dataSource.runMigrations()).map((m) => m.name)).toEqual([
        expect.stringMatching(/^NestGatekeeperRevokedAtIndex\d{13}$/),
        expect.stringMatching(/^NestGatekeeperAccountTokens\d{13}$/),
        expect.stringMatching(/^NestGatekeeperEmailVerified\d{13}$/),
        expect.stringMatching(/^NestGatekeeperAuditLog\d{13}$/),
        expect.stringMatching(/^NestGatekeeperPasskeys\d{13}$/),
        expect.stringMatching(/^NestGatekeeperIdentities\d{13}$/),
      ]);
      expect(await pendingSchemaChanges(dataSource)).toEqual(await expectedChanges([set]));
    });

    it('upgrades a database with users: they read as unverified, and their unique constraints stay', async () => {
      const set = tableSet();
      dataSource = await open(current(), [set], { migrations: createAuthMigrations().slice(0, 3) });
      expect(await dataSource.runMigrations()).toHaveLength(3);
      const { driver } = dataSource;
      const users = dataSource
        .getMetadata(set.entities.user)
        .tablePath.split('.')
        .map((part) => driver.escape(part))
        .join('.');
      await dataSource.query(
        `INSERT INTO ${users} (id, username, email, password_hash, roles, mfa_methods, created_at)
          VALUES ('u-1', 'early', 'early@example.test', 'h', '[]', '[]', 1)`,
      );
      await dataSource.destroy();

      dataSource = await open(current(), [set]);
      expect(await dataSource.runMigrations()).toHaveLength(5);
      expect(await pendingSchemaChanges(dataSource)).toEqual(await expectedChanges([set]));
      const store = new TypeOrmUserStore(dataSource, set.entities);
      expect(await store.findByUsername('early')).toMatchObject({ id: 'u-1', email: 'early@example.test', emailVerified: false });
      await expect(store.create({ username: 'early', email: 'x@example.test', passwordHash: 'h', roles: [] })).rejects.toMatchObject({
        name: 'DuplicateUserError',
        field: 'username',
      });
      await expect(store.create({ username: 'x', email: 'early@example.test', passwordHash: 'h', roles: [] })).rejects.toMatchObject({
        name: 'DuplicateUserError',
        field: 'email',
      });
      expect(await store.setEmailVerified?.('u-1', true)).toBe(true);
      expect((await store.findById('u-1'))?.emailVerified).toBe(true);
    });

    it('adopts tables created earlier by synchronize, keeping their rows', async () => {
      const set = tableSet();
      dataSource = await open(current(), [set], { synchronize: true });
      const user = await new TypeOrmUserStore(dataSource, set.entities).create({
        username: 'early',
        email: 'early@example.test',
        passwordHash: 'h',
        roles: [],
      });
      await dataSource.destroy();

      dataSource = await open(current(), [set], { migrationsRun: true });
      expect(await dataSource.showMigrations()).toBe(false);
      expect(await pendingSchemaChanges(dataSource)).toEqual(await expectedChanges([set]));
      expect((await new TypeOrmUserStore(dataSource, set.entities).findByUsername('early'))?.id).toBe(user.id);
    });

    it('creates only the counter table it is asked for', async () => {
      const set: TableSet = { ...tableSet('x_'), migrations: { tablePrefix: 'x_', rateLimitTable: { tablePrefix: 'y_' } } };
      dataSource = await open(current(), [set]);
      await dataSource.runMigrations();
      const runner = dataSource.createQueryRunner();
      try {
        expect(await runner.hasTable('y_auth_rate_limits')).toBe(true);
        expect(await runner.hasTable('x_auth_rate_limits')).toBe(false);
      } finally {
        await runner.release();
      }
      await dataSource.destroy();

      dataSource = await open(current(), [{ ...tableSet('z_'), migrations: { tablePrefix: 'z_', rateLimitTable: false } }]);
      expect(await dataSource.runMigrations()).toHaveLength(7);
      expect(await hasTables(dataSource, 'z_')).toEqual(TABLES.map((t) => t !== 'auth_rate_limits'));
    });
  });
}

describe('auth migrations: MariaDB collation', () => {
  it.each([
    ['utf8mb4_bin by default', undefined, 'utf8mb4_bin'],
    ['the one given as mysqlCollation', 'utf8mb4_nopad_bin', 'utf8mb4_nopad_bin'],
  ])('gives every string column %s', async (_, mysqlCollation, expected) => {
    const scratch = await mysqlFamily('mariadb').scratch();
    try {
      const set = { ...tableSet(), migrations: { mysqlCollation } };
      const dataSource = await open(scratch, [set]);
      try {
        await dataSource.runMigrations();
        const rows: { collation: string; charset: string }[] = await dataSource.query(
          `SELECT DISTINCT COLLATION_NAME AS collation, CHARACTER_SET_NAME AS charset FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'auth\\_%' AND COLLATION_NAME IS NOT NULL`,
        );
        expect(rows).toEqual([{ collation: expected, charset: 'utf8mb4' }]);
        expect(await pendingSchemaChanges(dataSource)).toEqual([]);
      } finally {
        await dataSource.destroy();
      }
    } finally {
      await scratch.drop();
    }
  });
});
