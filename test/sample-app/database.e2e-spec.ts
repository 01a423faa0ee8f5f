import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Argon2idPasswordHasher } from '../../lib/index.js';
import { authEntities, rateLimitEntity, TypeOrmUserStore } from '../../lib/stores/typeorm/index.js';
import { startSampleApp, type SampleApp } from '../fixtures/sample-app.js';

/**
 * The sample app creates its tables with the package's migrations at start-up: on MariaDB (through
 * `mariadb://` and `mysql://` URLs), and on an SQLite file whose tables an earlier version made with
 * `synchronize`. MariaDB must be reachable (CI starts it): an unreachable server fails the test.
 */
const MYSQL_URL = process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';

/** `base` with another scheme and database name. */
function mysqlUrl(scheme: 'mysql' | 'mariadb', database: string): string {
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  return `${scheme}:${url.toString().slice(url.protocol.length)}`;
}

async function withAdmin(work: (admin: DataSource) => Promise<unknown>): Promise<void> {
  const admin = await new DataSource({ type: 'mariadb', url: MYSQL_URL, connectTimeout: 5000 }).initialize();
  try {
    await work(admin);
  } finally {
    await admin.destroy();
  }
}

/** Logs in `username` (no MFA) and refreshes once; both must succeed. */
async function loginAndRefresh(sample: SampleApp, username: string, password: string): Promise<void> {
  const login = await sample.http.post('/auth/login').send({ username, password });
  expect(login.status).toBe(200);
  expect(login.body).toMatchObject({ isRequiresMfa: false, accessToken: expect.any(String), refreshToken: expect.any(String) });
  const refreshed = await sample.http.post('/auth/refresh').send({ refreshToken: login.body.refreshToken as string });
  expect(refreshed.status).toBe(200);
  expect(refreshed.body).toMatchObject({ accessToken: expect.any(String) });
}

/** The names of the migrations recorded in the app's database. */
async function executedMigrations(sample: SampleApp): Promise<string[]> {
  const rows: { name: string }[] = await sample.app.get(DataSource).query('SELECT name FROM migrations ORDER BY id');
  return rows.map((r) => r.name);
}

const MIGRATIONS = [
  expect.stringMatching(/^NestGatekeeperAuth\d{13}$/),
  expect.stringMatching(/^NestGatekeeperRateLimits\d{13}$/),
  expect.stringMatching(/^NestGatekeeperRevokedAtIndex\d{13}$/),
  expect.stringMatching(/^NestGatekeeperAccountTokens\d{13}$/),
  expect.stringMatching(/^NestGatekeeperEmailVerified\d{13}$/),
  expect.stringMatching(/^NestGatekeeperAuditLog\d{13}$/),
  expect.stringMatching(/^NestGatekeeperPasskeys\d{13}$/),
  expect.stringMatching(/^NestGatekeeperIdentities\d{13}$/),
];

describe('sample app on MariaDB (DATABASE_URL=mariadb://… and mysql://…)', () => {
  const database = `gk_sample_${randomBytes(5).toString('hex')}`;
  let created = false;
  let sample: SampleApp | undefined;

  afterEach(async () => {
    await sample?.close();
    sample = undefined;
  });

  afterAll(async () => {
    if (created) await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS \`${database}\``));
  });

  it('migrates an empty database at the first start, seeds the demo users and serves logins', async () => {
    await withAdmin((admin) => admin.query(`CREATE DATABASE \`${database}\``));
    created = true;
    sample = await startSampleApp({ DATABASE_URL: mysqlUrl('mariadb', database) });
    expect(await executedMigrations(sample)).toEqual(MIGRATIONS);
    await loginAndRefresh(sample, 'emilys', 'emilyspass');
  });

  it('starts again on the same database through mysql://, running no migration twice', async () => {
    expect(created).toBe(true);
    sample = await startSampleApp({ DATABASE_URL: mysqlUrl('mysql', database) });
    expect(await executedMigrations(sample)).toEqual(MIGRATIONS);
    await loginAndRefresh(sample, 'admin', 'adminpass123');
  });
});

describe('sample app on an SQLite file made by an earlier, synchronize-based version', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'gatekeeper-adopt-'));
  const file = join(dir, 'old.sqlite');
  let sample: SampleApp | undefined;

  afterAll(async () => {
    await sample?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adopts the existing tables and their users, and records the migrations', async () => {
    // What the sample app did before: synchronize the entities into the file.
    const old = await new DataSource({
      type: 'better-sqlite3',
      database: file,
      entities: [...Object.values(authEntities), rateLimitEntity()],
      synchronize: true,
    }).initialize();
    try {
      const passwordHash = await new Argon2idPasswordHasher().hash('legacypass123');
      await new TypeOrmUserStore(old).create({ username: 'legacy', email: 'legacy@example.com', passwordHash, roles: ['user'] });
    } finally {
      await old.destroy();
    }

    sample = await startSampleApp({ DATABASE_URL: `sqlite:${file}` });
    expect(await executedMigrations(sample)).toEqual(MIGRATIONS);
    await loginAndRefresh(sample, 'legacy', 'legacypass123');
    await loginAndRefresh(sample, 'emilys', 'emilyspass');
  });
});
