import { randomUUID } from 'node:crypto';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { AuthEvent } from '../../lib/events/auth-event.js';
import { DuplicateUserError, StoreUnavailableError } from '../../lib/errors/store.errors.js';
import type { StoredSession } from '../../lib/stores/session.store.js';
import { createAuthEntities, type AuthEntities } from '../../lib/stores/typeorm/auth-entities.js';
import { rateLimitEntity as rateLimitEntityOf } from '../../lib/stores/typeorm/rate-limit.entity.js';
import { TypeOrmActivityStore } from '../../lib/stores/typeorm/typeorm-activity.store.js';
import { TypeOrmAccountTokenStore } from '../../lib/stores/typeorm/typeorm-account-token.store.js';
import { TypeOrmMfaStore } from '../../lib/stores/typeorm/typeorm-mfa.store.js';
import { TypeOrmRateLimitStore } from '../../lib/stores/typeorm/typeorm-rate-limit.store.js';
import { TypeOrmSessionStore } from '../../lib/stores/typeorm/typeorm-session.store.js';
import { TypeOrmUserStore } from '../../lib/stores/typeorm/typeorm-user.store.js';
import type { AuthUser } from '../../lib/stores/user.store.js';
import { TcpProxy } from '../fixtures/services.js';

/** Inserts users as they are (ids, MFA methods, disabled flag) into the entity set's user table. */
export async function seedUsers(dataSource: DataSource, entities: AuthEntities, users: readonly AuthUser[]): Promise<void> {
  if (users.length === 0) return;
  await dataSource
    .createQueryBuilder()
    .insert()
    .into<ObjectLiteral>(entities.user) // see TypeOrmUserStore.create (TS2589)
    .values(
      users.map((u) => ({
        id: u.id,
        username: u.username,
        email: u.email,
        passwordHash: u.passwordHash,
        roles: u.roles,
        mfaEnabled: u.mfaEnabled,
        mfaMethods: u.mfaMethods,
        emailVerified: u.emailVerified ?? false,
        disabled: u.disabled ?? false,
        profile: u.profile ?? null,
        phone: u.phone ?? null,
        createdAt: Date.now(),
      })),
    )
    .execute();
}

/** Deletes every row of the entity set's tables (children first). */
export async function clearTables(dataSource: DataSource, entities: AuthEntities): Promise<void> {
  const mfaTables: EntityTarget<ObjectLiteral>[] = [
    entities.mfa,
    entities.mfaRecoveryCode,
    entities.mfaCode,
    entities.mfaFinishedPending,
    entities.trustedDevice,
    entities.accountToken,
    entities.auditLog,
    entities.passkey,
    entities.identity,
  ];
  for (const entity of mfaTables) {
    await dataSource.createQueryBuilder().delete().from(entity).execute();
  }
  await dataSource.createQueryBuilder().delete().from(entities.refreshHistory).execute();
  await dataSource.createQueryBuilder().delete().from(entities.session).execute();
  await dataSource.createQueryBuilder().delete().from(entities.user).execute();
}

/**
 * The session store's footprint on SQL: rows of `auth_sessions` plus rows of `auth_refresh_history`
 * (the history earlier versions wrote at every rotation), times the history's weight so that one
 * history row shows.
 */
export async function sessionRowCount(dataSource: DataSource, entities: AuthEntities): Promise<number> {
  const sessions = await dataSource.createQueryBuilder().from(entities.session, 's').getCount();
  return sessions + 1_000_000 * (await historyRowCount(dataSource, entities));
}

/** Rows of `auth_refresh_history`. */
export function historyRowCount(dataSource: DataSource, entities: AuthEntities): Promise<number> {
  return dataSource.createQueryBuilder().from(entities.refreshHistory, 'h').getCount();
}

/** A session with every field set, for adapter-level checks. */
export function session(overrides: Partial<StoredSession> = {}): StoredSession {
  const now = 1_750_000_000_000;
  return {
    id: randomUUID(),
    userId: randomUUID(),
    refreshTokenHash: randomUUID(),
    previousTokenHash: null,
    previousSuccessor: null,
    rotatedAt: null,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + 60_000,
    absoluteExpiresAt: now + 86_400_000,
    revokedAt: null,
    userAgent: null,
    ip: null,
    ...overrides,
  };
}

/** How a spec gives the TypeORM-specific checks a DataSource. */
export interface TypeOrmHarness {
  /** An initialised DataSource registering `entities` (synchronised), and how to dispose of it. */
  open(entities: AuthEntities): Promise<{ dataSource: DataSource; close: () => Promise<void> }>;
}

/**
 * Checks of the TypeORM adapters beyond the store contracts: table prefixes, the SQL shape of the
 * data, and error mapping.
 */
export function runTypeOrmAdapterChecks(name: string, harness: TypeOrmHarness): void {
  describe(`TypeORM adapters: ${name}`, () => {
    it('uses prefixed tables and still reports which field was duplicated', async () => {
      const prefix = `p${randomUUID().slice(0, 6)}_`;
      const entities = createAuthEntities({ tablePrefix: prefix });
      const { dataSource, close } = await harness.open(entities);
      try {
        const runner = dataSource.createQueryRunner();
        try {
          for (const table of [
            'auth_users',
            'auth_sessions',
            'auth_refresh_history',
            'auth_mfa',
            'auth_mfa_recovery_codes',
            'auth_mfa_codes',
            'auth_mfa_finished_pending',
            'auth_trusted_devices',
            'auth_account_tokens',
          ]) {
            expect(await runner.hasTable(`${prefix}${table}`)).toBe(true);
          }
        } finally {
          await runner.release();
        }
        const users = new TypeOrmUserStore(dataSource, entities);
        const user = await users.create({ username: 'prefixed', email: 'prefixed@example.test', passwordHash: 'h', roles: [] });
        expect((await users.findByUsername('prefixed'))?.id).toBe(user.id);
        await expect(
          users.create({ username: 'prefixed', email: 'other@example.test', passwordHash: 'h', roles: [] }),
        ).rejects.toMatchObject({ name: 'DuplicateUserError', field: 'username' });
        await expect(
          users.create({ username: 'other', email: 'prefixed@example.test', passwordHash: 'h', roles: [] }),
        ).rejects.toMatchObject({ name: 'DuplicateUserError', field: 'email' });

        const sessions = new TypeOrmSessionStore(dataSource, entities);
        const s = session({ userId: user.id });
        await sessions.create(s);
        expect(
          await sessions.rotate(s.id, s.refreshTokenHash, {
            refreshTokenHash: 'next',
            previousSuccessor: 'enc',
            rotatedAt: 1,
            lastUsedAt: 1,
            expiresAt: s.expiresAt,
          }),
        ).toBe(true);
        expect((await sessions.findById(s.id))?.previousTokenHash).toBe(s.refreshTokenHash);
        // No rotation history is written any more.
        expect(await historyRowCount(dataSource, entities)).toBe(0);

        const mfa = new TypeOrmMfaStore(dataSource, entities);
        await mfa.setPendingTotp(user.id, 'enc-secret');
        expect(await mfa.activateTotp(user.id, 'enc-secret', 7)).toBe(true);
        expect(await mfa.acceptTotpStep(user.id, 8)).toBe(true);
        await mfa.replaceRecoveryCodes(user.id, ['r1', 'r2']);
        expect(await mfa.consumeRecoveryCode(user.id, 'r1')).toBe(true);
        expect(await mfa.getState(user.id)).toEqual({
          totpSecret: 'enc-secret',
          totpLastStep: 8,
          totpPendingSecret: null,
          recoveryCodesLeft: 1,
        });
        await mfa.putCode(user.id, { pendingId: 'p', method: 'sms', codeHash: 'c', expiresAt: 10 });
        expect(await mfa.consumeCode(user.id, 'p', 'sms', 'c', 5)).toBe(true);
        expect(await mfa.finishPending('p', 10)).toBe(true);
        expect(await mfa.finishPending('p', 10)).toBe(false);
        const device = { id: 'd', userId: user.id, tokenHash: 't', label: null, createdAt: 1, lastUsedAt: 1, expiresAt: 10 };
        await mfa.addTrustedDevice(device);
        expect(await mfa.listTrustedDevices(user.id, 5)).toEqual([device]);
        await mfa.deleteExpired(10);
        expect(await mfa.findTrustedDevice('d')).toBeNull();
        expect(await mfa.isPendingFinished('p', 5)).toBe(false);

        const tokens = new TypeOrmAccountTokenStore(dataSource, entities);
        const token = { userId: user.id, purpose: 'email-change' as const, tokenHash: 'th', email: 'next@example.test', expiresAt: 10 };
        await tokens.put(token);
        expect(await tokens.findForUser(user.id, 'email-change', 5)).toStrictEqual(token);
        expect(await tokens.consume('email-change', 'th', 5)).toStrictEqual(token);
        await tokens.put({ ...token, tokenHash: 'th2' });
        await tokens.deleteExpired(10);
        expect(await tokens.findByHash('email-change', 'th2', 5)).toBeNull();

        // updateEmail reports a taken address as a duplicate e-mail on prefixed tables too.
        const second = await users.create({ username: 'second', email: 'second@example.test', passwordHash: 'h', roles: [] });
        await expect(users.updateEmail(second.id, 'prefixed@example.test')).rejects.toMatchObject({
          name: 'DuplicateUserError',
          field: 'email',
        });
        expect(await users.updateEmail(second.id, 'next@example.test')).toBe(true);
        expect(await users.delete(second.id)).toBe(true);
      } finally {
        await close();
      }
    });

    it('never lets a token hash point at a user it was not put for, should two users’ hashes collide', async () => {
      const entities = createAuthEntities({ tablePrefix: `c${randomUUID().slice(0, 6)}_` });
      const { dataSource, close } = await harness.open(entities);
      try {
        const tokens = new TypeOrmAccountTokenStore(dataSource, entities);
        const first = { userId: 'u-1', purpose: 'login-code' as const, tokenHash: 'same', email: null, expiresAt: 10 };
        const second = { ...first, userId: 'u-2', email: 'two@example.test' };
        await tokens.put(first);
        // PostgreSQL and SQLite reject (the unique index); MySQL/MariaDB move the row to u-2.
        const stored = await tokens.put(second).then(
          () => second,
          () => first,
        );
        expect(await tokens.findByHash('login-code', 'same', 5)).toStrictEqual(stored);
        expect(await tokens.consume('login-code', 'same', 5)).toStrictEqual(stored);
        // A user who already has a token of the purpose cannot take another user's hash either.
        await tokens.put(first);
        await tokens.put({ ...second, tokenHash: 'other' });
        await expect(tokens.put(second)).rejects.toBeInstanceOf(Error);
        expect(await tokens.findByHash('login-code', 'same', 5)).toStrictEqual(first);
        expect(await tokens.findForUser('u-2', 'login-code', 5)).toStrictEqual({ ...second, tokenHash: 'other' });
      } finally {
        await close();
      }
    });

    it('stores times as bigint and JSON fields as text, readable by plain SQL', async () => {
      const entities = createAuthEntities({ tablePrefix: `q${randomUUID().slice(0, 6)}_` });
      const { dataSource, close } = await harness.open(entities);
      try {
        const sessions = new TypeOrmSessionStore(dataSource, entities);
        const s = session({ expiresAt: 8_000_000_000_000 });
        await sessions.create(s);
        const table = dataSource.getMetadata(entities.session).tablePath;
        const escaped = table
          .split('.')
          .map((part) => dataSource.driver.escape(part))
          .join('.');
        const rows: { expires_at: unknown }[] = await dataSource.query(`SELECT expires_at FROM ${escaped} WHERE id = '${s.id}'`);
        // The raw value may be a string (pg: int8) or a number; it is exact either way.
        expect(String(rows[0].expires_at)).toBe('8000000000000');
        expect((await sessions.findById(s.id))?.expiresAt).toBe(8_000_000_000_000);

        const users = new TypeOrmUserStore(dataSource, entities);
        const u = await users.create({ username: 'json', email: 'json@example.test', passwordHash: 'h', roles: ['a'] });
        const userTable = dataSource
          .getMetadata(entities.user)
          .tablePath.split('.')
          .map((p) => dataSource.driver.escape(p))
          .join('.');
        const userRows: { roles: unknown; mfa_methods: unknown }[] = await dataSource.query(
          `SELECT roles, mfa_methods FROM ${userTable} WHERE id = '${u.id}'`,
        );
        expect(JSON.parse(String(userRows[0].roles))).toEqual(['a']);
        expect(JSON.parse(String(userRows[0].mfa_methods))).toEqual([]);

        // TOTP steps are bigint, -1 by the column default when a row is written by plain SQL.
        const mfa = new TypeOrmMfaStore(dataSource, entities);
        const mfaTable = dataSource
          .getMetadata(entities.mfa)
          .tablePath.split('.')
          .map((p) => dataSource.driver.escape(p))
          .join('.');
        await dataSource.query(`INSERT INTO ${mfaTable} (user_id, totp_secret) VALUES ('${u.id}', 'enc')`);
        expect(await mfa.getState(u.id)).toEqual({ totpSecret: 'enc', totpLastStep: -1, totpPendingSecret: null, recoveryCodesLeft: 0 });
        expect(await mfa.acceptTotpStep(u.id, 6_000_000_000)).toBe(true);
        const mfaRows: { totp_last_step: unknown }[] = await dataSource.query(
          `SELECT totp_last_step FROM ${mfaTable} WHERE user_id = '${u.id}'`,
        );
        expect(String(mfaRows[0].totp_last_step)).toBe('6000000000');
        expect((await mfa.getState(u.id)).totpLastStep).toBe(6_000_000_000);
      } finally {
        await close();
      }
    });

    it('audit log on prefixed tables: a batch across several INSERTs, hostile text stored clean, details as JSON text', async () => {
      const entities = createAuthEntities({ tablePrefix: `a${randomUUID().slice(0, 6)}_` });
      const { dataSource, close } = await harness.open(entities);
      try {
        const log = new TypeOrmActivityStore(dataSource, entities, { maxPerUser: 1_000 });
        const user = randomUUID();
        const t0 = Date.now();
        // 250 events: three INSERTs (100, 100, 50 rows), each statement of its own size.
        const events = Array.from({ length: 250 }, (_, i): AuthEvent => ({
          type: 'login.failed',
          id: `e${String(i).padStart(4, '0')}`,
          at: new Date(t0 + i).toISOString(),
          userId: user,
          sessionId: null,
          ip: '203.0.113.9',
          userAgent: i === 249 ? `x\0y\uD800z${'ü'.repeat(600)}` : 'Check/1.0',
          requestId: null,
          reason: 'invalid_credentials',
        }));
        await log.record(events);
        await log.record(events.slice(0, 120)); // delivered again: kept once
        const entries = await log.listByUser(user, 1_000);
        expect(entries).toHaveLength(250);
        expect(entries[0]?.id).toBe('e0249');
        expect(entries[0]?.userAgent).toBe(`x\uFFFDy\uFFFDz${'ü'.repeat(507)}`);
        expect(entries[249]?.at).toBe(t0);

        await log.record([
          {
            type: 'logout',
            id: 'logout-1',
            at: new Date(t0 + 300).toISOString(),
            userId: user,
            sessionId: 's1',
            ip: null,
            userAgent: null,
            requestId: 'r1',
            reason: null,
            allSessions: true,
          },
        ]);
        const table = dataSource
          .getMetadata(entities.auditLog)
          .tablePath.split('.')
          .map((part) => dataSource.driver.escape(part))
          .join('.');
        const rows: { at: unknown; details: unknown; request_id: unknown }[] = await dataSource.query(
          `SELECT at, details, request_id FROM ${table} WHERE id = 'logout-1'`,
        );
        expect(String(rows[0]?.at)).toBe(String(t0 + 300));
        expect(JSON.parse(String(rows[0]?.details))).toEqual({ allSessions: true });
        expect(rows[0]?.request_id).toBe('r1');
      } finally {
        await close();
      }
    });

    it('deletes expired rate-limit counters only (TypeOrmRateLimitStore.deleteExpired)', async () => {
      const { dataSource, close } = await harness.open(createAuthEntities({ tablePrefix: `t${randomUUID().slice(0, 6)}_` }));
      try {
        const limits = new TypeOrmRateLimitStore(dataSource);
        const [expiredA, expiredB, live] = [randomUUID(), randomUUID(), randomUUID()];
        await limits.increment(expiredA, 1_000, 10_000);
        await limits.increment(expiredB, 1_000, 10_500);
        await limits.increment(live, 1_000, 11_000);

        expect(await limits.deleteExpired(12_000)).toBeGreaterThanOrEqual(2);

        const remaining = await dataSource.getRepository(rateLimitEntityOf()).find({
          where: [{ key: expiredA }, { key: expiredB }, { key: live }],
        });
        expect(remaining.map((r) => r.key)).toEqual([live]);
        expect(await limits.peek(live, 11_500)).toEqual({ count: 1, resetAt: 12_000, lastAt: 11_000 });
      } finally {
        await close();
      }
    });

    it('rejects with StoreUnavailableError once the DataSource is closed', async () => {
      const entities = createAuthEntities({ tablePrefix: `r${randomUUID().slice(0, 6)}_` });
      const { dataSource, close } = await harness.open(entities);
      const users = new TypeOrmUserStore(dataSource, entities);
      const sessions = new TypeOrmSessionStore(dataSource, entities);
      await users.create({ username: 'gone', email: 'gone@example.test', passwordHash: 'h', roles: [] });
      await close();

      await expect(users.findByUsername('gone')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(users.create({ username: 'x', email: 'x@example.test', passwordHash: 'h', roles: [] })).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      await expect(sessions.findById('x')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(
        sessions.rotate('x', 'y', {
          refreshTokenHash: 'n',
          previousSuccessor: 'e',
          rotatedAt: 1,
          lastUsedAt: 1,
          expiresAt: 1,
        }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(sessions.revokeAllForUser('x', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
      const limits = new TypeOrmRateLimitStore(dataSource);
      await expect(limits.increment('x', 1_000, 1)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(limits.peek('x', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
      const mfa = new TypeOrmMfaStore(dataSource, entities);
      await expect(mfa.getState('x')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(mfa.acceptTotpStep('x', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(mfa.setPendingTotp('x', 'enc')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(mfa.replaceRecoveryCodes('x', ['h'])).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(mfa.finishPending('x', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(mfa.listTrustedDevices('x', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(users.updateEmail('x', 'x@example.test')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(users.delete('x')).rejects.toBeInstanceOf(StoreUnavailableError);
      const tokens = new TypeOrmAccountTokenStore(dataSource, entities);
      await expect(tokens.put({ userId: 'x', purpose: 'login-code', tokenHash: 'h', email: null, expiresAt: 1 })).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      await expect(tokens.consume('login-code', 'h', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(tokens.findForUser('x', 'login-code', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    });

    it('does not turn other database errors into DuplicateUserError or StoreUnavailableError', async () => {
      const entities = createAuthEntities({ tablePrefix: `s${randomUUID().slice(0, 6)}_` });
      const { dataSource, close } = await harness.open(entities);
      try {
        const users = new TypeOrmUserStore(dataSource, entities);
        // NOT NULL violation: a programming error, not a duplicate nor an outage.
        const error: unknown = await users.create({ username: 'n', email: null as unknown as string, passwordHash: 'h', roles: [] }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(Error);
        expect(error).not.toBeInstanceOf(DuplicateUserError);
        expect(error).not.toBeInstanceOf(StoreUnavailableError);
      } finally {
        await close();
      }
    });
  });
}

/** A database shared by several DataSources (app instances), for {@link runSharedDatabaseChecks}. */
export interface SharedDatabase {
  /** The spec's shared DataSource (its tables exist). */
  shared(): DataSource;
  /** Another initialised DataSource on the same database: a second app instance. */
  openOther(): Promise<DataSource>;
  /** An initialised DataSource on the same database, reached through `127.0.0.1:<port>`. */
  openVia(port: number): Promise<DataSource>;
  /** Where the server listens (the target of the test's proxy). */
  server: { host: string; port: number };
}

/**
 * The checks that need a real server: the stores' once-only guarantees across two DataSources (two
 * app instances), and `StoreUnavailableError` from every store once the server stops answering.
 */
export function runSharedDatabaseChecks(name: string, db: SharedDatabase): void {
  describe(`TypeORM adapters: ${name}, two instances and outages`, () => {
    it('lets exactly one rotation win across two DataSources (two app instances)', async () => {
      const other = await db.openOther();
      try {
        const a = new TypeOrmSessionStore(db.shared());
        const b = new TypeOrmSessionStore(other);
        const s = session();
        await a.create(s);
        const calls = Array.from({ length: 60 }, (_, i) =>
          (i % 2 === 0 ? a : b).rotate(s.id, s.refreshTokenHash, {
            refreshTokenHash: `next-${i}`,
            previousSuccessor: `enc-${i}`,
            rotatedAt: s.createdAt + i,
            lastUsedAt: s.createdAt + i,
            expiresAt: s.expiresAt + i,
          }),
        );
        const results = await Promise.all(calls);
        expect(results.filter((ok) => ok)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await b.findById(s.id))?.refreshTokenHash).toBe(`next-${winner}`);
        expect((await b.findById(s.id))?.previousTokenHash).toBe(s.refreshTokenHash);
      } finally {
        await other.destroy();
      }
    });

    it('keeps the MFA store’s once-only guarantees across two DataSources (two app instances)', async () => {
      const other = await db.openOther();
      try {
        const a = new TypeOrmMfaStore(db.shared());
        const b = new TypeOrmMfaStore(other);
        const pick = (i: number): TypeOrmMfaStore => (i % 2 === 0 ? a : b);
        const count = (results: boolean[]): number => results.filter((ok) => ok).length;
        const userId = randomUUID();
        const step = 58_333_333;

        await a.setPendingTotp(userId, 'enc-secret');
        expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).activateTotp(userId, 'enc-secret', step))))).toBe(1);
        expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).acceptTotpStep(userId, step + 1))))).toBe(1);
        expect((await b.getState(userId)).totpLastStep).toBe(step + 1);

        await a.replaceRecoveryCodes(userId, ['r1', 'r2']);
        expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).consumeRecoveryCode(userId, 'r1'))))).toBe(1);
        const sets = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => `set${i}-${j}`));
        await Promise.all(sets.map((set, i) => pick(i).replaceRecoveryCodes(userId, set)));
        expect((await a.getState(userId)).recoveryCodesLeft).toBe(10);

        await b.putCode(userId, { pendingId: 'p', method: 'email', codeHash: 'c', expiresAt: step });
        expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).consumeCode(userId, 'p', 'email', 'c', 1))))).toBe(1);

        const pendingId = randomUUID();
        expect(count(await Promise.all(Array.from({ length: 40 }, (_, i) => pick(i).finishPending(pendingId, step))))).toBe(1);
      } finally {
        await other.destroy();
      }
    });

    it('keeps account tokens single-use and e-mail changes unique across two DataSources (two app instances)', async () => {
      const other = await db.openOther();
      try {
        const [tokensA, tokensB] = [new TypeOrmAccountTokenStore(db.shared()), new TypeOrmAccountTokenStore(other)];
        const token = { userId: randomUUID(), purpose: 'password-reset' as const, tokenHash: randomUUID(), email: null, expiresAt: 10 };
        await tokensA.put(token);
        const consumed = await Promise.all(
          Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? tokensA : tokensB).consume('password-reset', token.tokenHash, 5)),
        );
        expect(consumed.filter((t) => t !== null)).toStrictEqual([token]);

        const [usersA, usersB] = [new TypeOrmUserStore(db.shared()), new TypeOrmUserStore(other)];
        const tag = randomUUID().slice(0, 8);
        const a = await usersA.create({ username: `a-${tag}`, email: `a-${tag}@example.test`, passwordHash: 'h', roles: [] });
        const b = await usersB.create({ username: `b-${tag}`, email: `b-${tag}@example.test`, passwordHash: 'h', roles: [] });
        const target = `taken-${tag}@example.test`;
        const results = await Promise.allSettled([usersA.updateEmail(a.id, target), usersB.updateEmail(b.id, target)]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(rejected?.reason).toBeInstanceOf(DuplicateUserError);
        expect([a.id, b.id]).toContain((await usersA.findByEmail(target))?.id);
      } finally {
        await other.destroy();
      }
    });

    it('counts parallel increments exactly across two DataSources (two app instances)', async () => {
      const other = await db.openOther();
      try {
        const a = new TypeOrmRateLimitStore(db.shared());
        const b = new TypeOrmRateLimitStore(other);
        const key = `login:${randomUUID()}`;
        const counts = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).increment(key, 60_000, 1_000)));
        expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      } finally {
        await other.destroy();
      }
    });

    it('rejects with StoreUnavailableError from every store when the server stops answering', async () => {
      const proxy = await TcpProxy.start(db.server.host, db.server.port);
      const dataSource = await db.openVia(proxy.port);
      try {
        const users = new TypeOrmUserStore(dataSource);
        const sessions = new TypeOrmSessionStore(dataSource);
        const mfa = new TypeOrmMfaStore(dataSource);
        const limits = new TypeOrmRateLimitStore(dataSource);
        expect(await users.findById(randomUUID())).toBeNull();

        await proxy.cut();

        await expect(users.findById(randomUUID())).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(users.create({ username: 'down', email: 'down@example.test', passwordHash: 'h', roles: [] })).rejects.toBeInstanceOf(
          StoreUnavailableError,
        );
        await expect(users.updatePasswordHash(randomUUID(), 'h')).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(
          sessions.rotate('x', 'y', { refreshTokenHash: 'n', previousSuccessor: 'e', rotatedAt: 1, lastUsedAt: 1, expiresAt: 1 }),
        ).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(sessions.findById('x')).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(mfa.finishPending(randomUUID(), 1)).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(mfa.replaceRecoveryCodes(randomUUID(), ['h'])).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(limits.increment('x', 1_000, 1)).rejects.toBeInstanceOf(StoreUnavailableError);
        const tokens = new TypeOrmAccountTokenStore(dataSource);
        await expect(tokens.consume('login-code', 'h', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(tokens.put({ userId: 'x', purpose: 'login-code', tokenHash: 'h', email: null, expiresAt: 1 })).rejects.toBeInstanceOf(
          StoreUnavailableError,
        );
        await expect(users.updateEmail(randomUUID(), 'down@example.test')).rejects.toBeInstanceOf(StoreUnavailableError);
      } finally {
        await dataSource.destroy().catch(() => undefined);
        await proxy.close();
      }
    });
  });
}
