import { describe, expect, it } from '@jest/globals';
import { createAuthMigrations, type AuthMigrationClass } from '../../lib/index.js';
import { DEVELOPMENT_MFA_ENCRYPTION_KEY, loadConfig, startupWarnings } from '../../sample-app/src/config.js';
import { dataSourceOptions } from '../../sample-app/src/database.js';

describe('sample app settings: MFA_ENCRYPTION_KEY and NODE_ENV', () => {
  it('without MFA_ENCRYPTION_KEY uses the development key (at least 32 bytes) and warns at start-up', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(40) });
    expect(config.mfaEncryptionKey).toBe(DEVELOPMENT_MFA_ENCRYPTION_KEY);
    expect(Buffer.byteLength(DEVELOPMENT_MFA_ENCRYPTION_KEY)).toBeGreaterThanOrEqual(32);
    expect(config.usingDevelopmentMfaKey).toBe(true);
    const warnings = startupWarnings(config);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^MFA_ENCRYPTION_KEY is not set/);
  });

  it('MFA_ENCRYPTION_KEY replaces it, without a warning', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(40), MFA_ENCRYPTION_KEY: 'k'.repeat(32) });
    expect(config.mfaEncryptionKey).toBe('k'.repeat(32));
    expect(config.usingDevelopmentMfaKey).toBe(false);
    expect(startupWarnings(config)).toEqual([]);
  });

  it('warns about both development secrets when neither is set', () => {
    expect(startupWarnings(loadConfig({})).map((w) => w.split(' ')[0])).toEqual(['JWT_SECRET', 'MFA_ENCRYPTION_KEY']);
  });

  it('NODE_ENV=production marks the config as production (no /dev/outbox) and says so at start-up', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), MFA_ENCRYPTION_KEY: 'k'.repeat(32) });
    expect(config.production).toBe(true);
    expect(startupWarnings(config)).toEqual([expect.stringMatching(/^NODE_ENV=production: the demo outbox/)]);
    expect(loadConfig({}).production).toBe(false);
  });
});

describe('sample app settings: DATABASE_URL', () => {
  it('mysql://… uses TypeORM’s mysql type (mysql2), mariadb://… its mariadb type; both run the shipped migrations', () => {
    const mysql = dataSourceOptions('mysql://app:s3cret@db.example:3306/gatekeeper');
    expect(mysql).toMatchObject({
      type: 'mysql',
      url: 'mysql://app:s3cret@db.example:3306/gatekeeper',
      migrationsRun: true,
      synchronize: false,
    });
    expect(dataSourceOptions('mariadb://root@127.0.0.1/gatekeeper')).toMatchObject({ type: 'mariadb', url: 'mariadb://root@127.0.0.1/gatekeeper' });
  });

  it('runs the shipped migrations instead of synchronize on every database', () => {
    for (const url of ['sqlite::memory:', 'postgres://postgres@127.0.0.1:5432/test', 'mariadb://root@127.0.0.1:3306/test']) {
      const options = dataSourceOptions(url);
      expect(options).toMatchObject({ migrationsRun: true, synchronize: false });
      const migrations = options.migrations as AuthMigrationClass[];
      expect(migrations.map((Migration) => new Migration().name)).toEqual(createAuthMigrations().map((Migration) => new Migration().name));
    }
  });

  it('rejects a mysql URL without a database name and an unknown scheme, without echoing the password', () => {
    expect(() => dataSourceOptions('mysql://root:pw@127.0.0.1:3306')).toThrow("DATABASE_URL: mysql://… needs a database name ('mysql://root:***@127.0.0.1:3306')");
    expect(() => dataSourceOptions('mysql://root:pw@127.0.0.1:3306/')).toThrow(/needs a database name/);
    expect(() => dataSourceOptions('mssql://sa:pw@127.0.0.1/db')).toThrow(
      "DATABASE_URL: unsupported scheme in 'mssql://sa:***@127.0.0.1/db' (use sqlite:<file>, postgres://…, mysql://… or mariadb://…)",
    );
  });
});
