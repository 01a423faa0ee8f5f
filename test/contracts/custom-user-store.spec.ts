import { randomBytes } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { AccountEntity, AccountUserStore, type AccountRow } from '../../docs/examples/legacy-user-store.js';
import { runUserStoreContract } from '../../lib/testing/index.js';
import type { AuthUser } from '../../lib/stores/user.store.js';
import { createTestApp, hashOnce } from '../fixtures/create-test-app.js';

/**
 * The bring-your-own UserStore example of docs/stores.md (an existing `accounts` table with other
 * column names) passes the UserStore contract on SQLite and PostgreSQL, and a Nest app logs in
 * through it.
 */
const PG_URL = process.env['PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `gk_accounts_${randomBytes(6).toString('hex')}`;

/** The existing table, as the app's own migrations would have created it. */
async function openAccounts(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource({ ...options, entities: [AccountEntity] }).initialize();
  await dataSource.synchronize();
  return dataSource;
}

/** Inserts users with their ids and every field (the suite's seed), mapped onto `accounts`. */
async function seedAccounts(dataSource: DataSource, users: readonly AuthUser[]): Promise<void> {
  const rows = users.map((u): AccountRow => ({
    accountId: u.id,
    login: u.username,
    emailAddress: u.email,
    passwordDigest: u.passwordHash,
    roleList: u.roles.join(','),
    isLocked: u.disabled ?? false,
    givenName: typeof u.profile?.['firstName'] === 'string' ? u.profile['firstName'] : null,
    familyName: typeof u.profile?.['lastName'] === 'string' ? u.profile['lastName'] : null,
    mobile: u.phone ?? null,
    secondFactors: u.mfaMethods.join(','),
  }));
  if (rows.length > 0) await dataSource.getRepository(AccountEntity).insert(rows);
}

const PROFILE_FIELDS = ['firstName', 'lastName'];

runUserStoreContract(
  'bring-your-own (accounts table) on better-sqlite3',
  async (seed = []) => {
    const dataSource = await openAccounts({ type: 'better-sqlite3', database: ':memory:' });
    await seedAccounts(dataSource, seed);
    return { store: new AccountUserStore(dataSource), teardown: () => dataSource.destroy() };
  },
  { profileFields: PROFILE_FIELDS },
);

describe('bring-your-own UserStore on PostgreSQL', () => {
  let shared: DataSource | undefined;
  const pg = (): DataSource => {
    if (!shared) throw new Error(`PostgreSQL at ${PG_URL} was not reachable (see the beforeAll failure).`);
    return shared;
  };

  beforeAll(async () => {
    const bootstrap = await new DataSource({ type: 'postgres', url: PG_URL }).initialize();
    try {
      await bootstrap.query(`CREATE SCHEMA "${SCHEMA}"`);
    } finally {
      await bootstrap.destroy();
    }
    shared = await openAccounts({ type: 'postgres', url: PG_URL, schema: SCHEMA });
  });

  afterAll(async () => {
    if (!shared) return;
    try {
      await shared.query(`DROP SCHEMA "${SCHEMA}" CASCADE`);
    } finally {
      await shared.destroy();
    }
  });

  runUserStoreContract(
    'bring-your-own (accounts table) on postgres',
    async (seed = []) => {
      await pg().getRepository(AccountEntity).clear();
      await seedAccounts(pg(), seed);
      return { store: new AccountUserStore(pg()) };
    },
    { profileFields: PROFILE_FIELDS },
  );
});

describe('bring-your-own UserStore in a Nest app', () => {
  it('logs in a user of the existing table by login name and by e-mail, and reads the mapped profile', async () => {
    const dataSource = await openAccounts({ type: 'better-sqlite3', database: ':memory:' });
    const { app } = await createTestApp({ options: { userStore: new AccountUserStore(dataSource) } });
    try {
      await seedAccounts(dataSource, [
        {
          id: 'a-1',
          username: 'grace',
          email: 'grace@example.com',
          passwordHash: await hashOnce('grace-password-1'),
          roles: ['admin', 'user'],
          mfaEnabled: false,
          mfaMethods: [],
          profile: { firstName: 'Grace', lastName: 'Hopper' },
        },
      ]);
      const server = app.getHttpServer() as App;
      const login = await request(server).post('/auth/login').send({ username: 'Grace', password: 'grace-password-1' }).expect(200);
      const me = await request(server).get('/auth/me').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
      expect(me.body).toMatchObject({ id: 'a-1', username: 'grace', email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' });
      await request(server).post('/auth/login').send({ username: 'grace@example.com', password: 'grace-password-1' }).expect(200);
      await request(server).post('/auth/login').send({ username: 'grace', password: 'wrong-password-1' }).expect(401);
    } finally {
      await app.close();
      await dataSource.destroy();
    }
  });
});
