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

describe('sample app settings: REDIS_URL, SESSION_STORE, REFRESH_REUSE_GRACE_SECONDS', () => {
  it('without REDIS_URL sessions live in the database; with it, in Redis under REDIS_KEY_PREFIX (default gk:)', () => {
    expect(loadConfig({})).toMatchObject({ redisUrl: null, sessionStore: 'database', redisKeyPrefix: 'gk:' });
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379', REDIS_KEY_PREFIX: 'app:' })).toMatchObject({
      redisUrl: 'redis://cache:6379',
      sessionStore: 'redis',
      redisKeyPrefix: 'app:',
    });
    // An explicit SESSION_STORE wins (Redis still holds the counters).
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380', SESSION_STORE: 'database' }).sessionStore).toBe('database');
  });

  it('refuses a REDIS_URL of another scheme (without echoing its password) and SESSION_STORE=redis without REDIS_URL', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://user:hunter2@cache' })).toThrow(/^REDIS_URL: expected redis:\/\/… or rediss:\/\/…, got 'http:\/\/user:\*\*\*@cache'$/);
    expect(() => loadConfig({ SESSION_STORE: 'redis' })).toThrow('SESSION_STORE=redis needs REDIS_URL');
    expect(() => loadConfig({ SESSION_STORE: 'memcached' })).toThrow(/^SESSION_STORE: expected 'memory', 'database' or 'redis'/);
  });

  it('REFRESH_REUSE_GRACE_SECONDS sets the grace window (whole seconds, 0 allowed)', () => {
    expect(loadConfig({}).reuseGraceSeconds).toBeUndefined();
    expect(loadConfig({ REFRESH_REUSE_GRACE_SECONDS: '0' }).reuseGraceSeconds).toBe(0);
    expect(loadConfig({ REFRESH_REUSE_GRACE_SECONDS: '30' }).reuseGraceSeconds).toBe(30);
    expect(() => loadConfig({ REFRESH_REUSE_GRACE_SECONDS: '1.5' })).toThrow(/^REFRESH_REUSE_GRACE_SECONDS: expected a whole number/);
    expect(() => loadConfig({ REFRESH_REUSE_GRACE_SECONDS: '-1' })).toThrow(/^REFRESH_REUSE_GRACE_SECONDS/);
  });
});

describe('sample app settings: REVOCATION_FEED', () => {
  it('keeps the revocation feed on by default; REVOCATION_FEED=off turns it off (benchmark comparison)', () => {
    expect(loadConfig({}).revocationFeed).toBe(true);
    expect(loadConfig({ REVOCATION_FEED: 'off' }).revocationFeed).toBe(false);
    expect(loadConfig({ REVOCATION_FEED: 'on' }).revocationFeed).toBe(true);
  });
});
