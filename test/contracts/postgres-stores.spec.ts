import { randomBytes } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { authEntities, type AuthEntities } from '../../lib/stores/typeorm/auth-entities.js';
import { rateLimitEntity as rateLimitEntityOf } from '../../lib/stores/typeorm/rate-limit.entity.js';
import { TypeOrmAccountTokenStore } from '../../lib/stores/typeorm/typeorm-account-token.store.js';
import { TypeOrmIdentityStore } from '../../lib/stores/typeorm/typeorm-identity.store.js';
import { TypeOrmPasskeyStore } from '../../lib/stores/typeorm/typeorm-passkey.store.js';
import { TypeOrmActivityStore } from '../../lib/stores/typeorm/typeorm-activity.store.js';
import { TypeOrmMfaStore } from '../../lib/stores/typeorm/typeorm-mfa.store.js';
import { TypeOrmRateLimitStore } from '../../lib/stores/typeorm/typeorm-rate-limit.store.js';
import { TypeOrmSessionStore } from '../../lib/stores/typeorm/typeorm-session.store.js';
import { TypeOrmUserStore } from '../../lib/stores/typeorm/typeorm-user.store.js';
import {
  runAccountTokenStoreContract,
  runActivityStoreContract,
  runPasskeyStoreContract,
  runIdentityStoreContract,
  runMfaStoreContract,
  runRateLimitStoreContract,
  runSessionStoreContract,
  runUserStoreContract,
} from '../../lib/testing/index.js';
import { clearTables, runSharedDatabaseChecks, runTypeOrmAdapterChecks, seedUsers, sessionRowCount } from './typeorm-fixture.js';
import { withDatabase } from '../fixtures/services.js';

/**
 * Runs against a real PostgreSQL (CI starts one). An unreachable server FAILS this suite: the
 * beforeAll hook rejects, so every test fails; nothing is skipped.
 */
const PG_URL = process.env['PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** A schema of its own per run, dropped at the end. */
const SCHEMA = `gk_test_${randomBytes(6).toString('hex')}`;

function options(entities: AuthEntities, url = PG_URL): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    schema: SCHEMA,
    entities: [...Object.values(entities), rateLimitEntityOf()],
    connectTimeoutMS: 5000,
  };
}

/** An initialised DataSource on the run's schema with `entities` synchronised. */
async function openPostgres(entities: AuthEntities, url = PG_URL): Promise<DataSource> {
  const dataSource = await new DataSource(options(entities, url)).initialize();
  await dataSource.synchronize();
  return dataSource;
}

let shared: DataSource | undefined;

function sharedDataSource(): DataSource {
  if (!shared) throw new Error(`PostgreSQL at ${PG_URL} was not reachable (see the beforeAll failure).`);
  return shared;
}

beforeAll(async () => {
  const bootstrap = await new DataSource(options(authEntities)).initialize();
  try {
    await bootstrap.query(`CREATE SCHEMA "${SCHEMA}"`);
  } finally {
    await bootstrap.destroy();
  }
  shared = await openPostgres(authEntities);
});

afterAll(async () => {
  if (!shared) return;
  try {
    await shared.query(`DROP SCHEMA "${SCHEMA}" CASCADE`);
  } finally {
    await shared.destroy();
  }
});

runUserStoreContract('typeorm/postgres', async (seed = []) => {
  const dataSource = sharedDataSource();
  await clearTables(dataSource, authEntities);
  await seedUsers(dataSource, authEntities, seed);
  return { store: new TypeOrmUserStore(dataSource) };
});

runSessionStoreContract('typeorm/postgres', async () => {
  const dataSource = sharedDataSource();
  await clearTables(dataSource, authEntities);
  return { store: new TypeOrmSessionStore(dataSource), footprint: () => sessionRowCount(dataSource, authEntities) };
});

runRateLimitStoreContract('typeorm/postgres', async () => {
  const dataSource = sharedDataSource();
  await dataSource.createQueryBuilder().delete().from(rateLimitEntityOf()).execute();
  return { store: new TypeOrmRateLimitStore(dataSource) };
});

runMfaStoreContract('typeorm/postgres', async () => {
  const dataSource = sharedDataSource();
  await clearTables(dataSource, authEntities);
  return { store: new TypeOrmMfaStore(dataSource) };
});

runAccountTokenStoreContract('typeorm/postgres', async () => {
  const dataSource = sharedDataSource();
  await clearTables(dataSource, authEntities);
  return { store: new TypeOrmAccountTokenStore(dataSource) };
});

runActivityStoreContract('typeorm/postgres', async (maxPerUser) => {
  const dataSource = sharedDataSource();
  await clearTables(dataSource, authEntities);
  return { store: new TypeOrmActivityStore(dataSource, authEntities, { maxPerUser }) };
});

runPasskeyStoreContract('typeorm/postgres', async () => {
  const dataSource = sharedDataSource();
  await clearTables(dataSource, authEntities);
  return { store: new TypeOrmPasskeyStore(dataSource) };
});

runIdentityStoreContract('typeorm/postgres', async () => {
  const dataSource = sharedDataSource();
  await clearTables(dataSource, authEntities);
  return { store: new TypeOrmIdentityStore(dataSource) };
});

runTypeOrmAdapterChecks('postgres', {
  open: async (entities) => {
    const dataSource = await openPostgres(entities);
    return { dataSource, close: () => dataSource.destroy() };
  },
});

runSharedDatabaseChecks('postgres', {
  shared: sharedDataSource,
  openOther: () => openPostgres(authEntities),
  openVia: (port) => new DataSource(options(authEntities, withDatabase(PG_URL, new URL(PG_URL).pathname.slice(1), port))).initialize(),
  server: { host: new URL(PG_URL).hostname, port: Number(new URL(PG_URL).port || 5432) },
});
