import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createAuthMigrations, TypeOrmIdentityStore, type AuthMigrationClass } from '../../lib/stores/typeorm/index.js';
import { authOptions } from '../../sample-app/src/app.module.js';
import {
  accountLinks,
  DEVELOPMENT_JWT_SECRET,
  DEVELOPMENT_MFA_ENCRYPTION_KEY,
  loadConfig,
  startupWarnings,
} from '../../sample-app/src/config.js';
import { createDataSource, dataSourceOptions } from '../../sample-app/src/database.js';
import { DemoOutbox } from '../../sample-app/src/demo-outbox.js';
import { refusal } from '../fixtures/sample-config.js';

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

describe('sample app settings: deployed as it is (NODE_ENV=production)', () => {
  const SECRETS = { JWT_SECRET: 'j'.repeat(32), MFA_ENCRYPTION_KEY: 'm'.repeat(32) };
  const production = (env: Record<string, string> = {}) => loadConfig({ NODE_ENV: 'production', ...SECRETS, ...env });

  it('forged admin token: refuses to start without JWT_SECRET (no signing with the development secret from the source)', () => {
    const message = refusal({ NODE_ENV: 'production', MFA_ENCRYPTION_KEY: SECRETS.MFA_ENCRYPTION_KEY });
    expect(message).toMatch(/^Refusing to start with NODE_ENV=production:\n {2}- JWT_SECRET: is required with NODE_ENV=production/);
    expect(message).not.toMatch(/MFA_ENCRYPTION_KEY/);
    expect(message).not.toContain(DEVELOPMENT_JWT_SECRET);
  });

  it('readable TOTP secrets: refuses to start without MFA_ENCRYPTION_KEY', () => {
    expect(refusal({ NODE_ENV: 'production', JWT_SECRET: SECRETS.JWT_SECRET })).toMatch(
      /- MFA_ENCRYPTION_KEY: is required with NODE_ENV=production/,
    );
  });

  it('lists both when both are missing, one a line', () => {
    const lines = refusal({ NODE_ENV: 'production' }).split('\n');
    expect(lines).toEqual([
      'Refusing to start with NODE_ENV=production:',
      expect.stringMatching(/^ {2}- JWT_SECRET: is required/),
      expect.stringMatching(/^ {2}- MFA_ENCRYPTION_KEY: is required/),
    ]);
  });

  it('refuses the development values themselves, passed explicitly', () => {
    const message = refusal({
      NODE_ENV: 'production',
      JWT_SECRET: DEVELOPMENT_JWT_SECRET,
      MFA_ENCRYPTION_KEY: DEVELOPMENT_MFA_ENCRYPTION_KEY,
    });
    expect(message).toMatch(/- JWT_SECRET: is the public development value/);
    expect(message).toMatch(/- MFA_ENCRYPTION_KEY: is the public development value/);
  });

  it('refuses values shorter than 32 bytes (counted in bytes, not characters)', () => {
    expect(refusal({ NODE_ENV: 'production', ...SECRETS, JWT_SECRET: 'j'.repeat(31) })).toMatch(
      /- JWT_SECRET: is 31 bytes long; set JWT_SECRET to a random value of at least 32 bytes/,
    );
    expect(refusal({ NODE_ENV: 'production', ...SECRETS, MFA_ENCRYPTION_KEY: 'm'.repeat(31) })).toMatch(
      /- MFA_ENCRYPTION_KEY: is 31 bytes long/,
    );
    // 16 two-byte characters are 32 bytes.
    expect(production({ JWT_SECRET: 'é'.repeat(16) }).jwt.keys).toEqual([{ algorithm: 'HS256', secret: 'é'.repeat(16), status: 'active' }]);
    expect(production()).toMatchObject({
      jwt: { algorithm: 'HS256', source: 'secret', keys: [{ secret: SECRETS.JWT_SECRET }] },
      mfaEncryptionKey: SECRETS.MFA_ENCRYPTION_KEY,
      usingDevelopmentSecret: false,
    });
  });

  it('outside production the development values still work (with their warnings)', () => {
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({ usingDevelopmentSecret: true, usingDevelopmentMfaKey: true });
  });

  it('seeds no demo users and serves no Swagger in production unless SEED_DEMO_USERS=on / SWAGGER=on; both on by default outside', () => {
    expect(production()).toMatchObject({ seedDemoUsers: false, swagger: false });
    expect(production({ SEED_DEMO_USERS: 'on', SWAGGER: 'on' })).toMatchObject({ seedDemoUsers: true, swagger: true });
    expect(loadConfig({})).toMatchObject({ seedDemoUsers: true, swagger: true });
    expect(loadConfig({ SEED_DEMO_USERS: 'off', SWAGGER: 'off' })).toMatchObject({ seedDemoUsers: false, swagger: false });
  });

  it('warns when demo users or Swagger are switched on in production', () => {
    expect(startupWarnings(production({ SEED_DEMO_USERS: 'on', SWAGGER: 'on' })).map((w) => w.split(' ')[0])).toEqual([
      'NODE_ENV=production:',
      'SEED_DEMO_USERS=on',
      'SWAGGER=on',
    ]);
  });
});

describe('sample app settings: HTTP_ADAPTER', () => {
  it('runs on Express by default, on Fastify with HTTP_ADAPTER=fastify (any case)', () => {
    expect(loadConfig({}).httpAdapter).toBe('express');
    expect(loadConfig({ HTTP_ADAPTER: 'express' }).httpAdapter).toBe('express');
    expect(loadConfig({ HTTP_ADAPTER: 'Fastify' }).httpAdapter).toBe('fastify');
  });

  it('refuses any other platform, naming the setting', () => {
    expect(refusal({ HTTP_ADAPTER: 'koa' })).toBe("HTTP_ADAPTER: expected 'express', 'fastify', got 'koa'");
  });
});

describe('sample app settings: server timeouts (slow request bodies)', () => {
  it('defaults to 15 s per request, 10 s for the headers and 5 s of keep-alive', () => {
    expect(loadConfig({}).server).toEqual({ requestTimeoutMs: 15_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 });
  });

  it('REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS and KEEP_ALIVE_TIMEOUT_MS set them; the headers timeout never exceeds the request timeout', () => {
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '30000', HEADERS_TIMEOUT_MS: '20000', KEEP_ALIVE_TIMEOUT_MS: '65000' }).server).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 20_000,
      keepAliveTimeoutMs: 65_000,
    });
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '1000' }).server).toMatchObject({ requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '0' }).server).toMatchObject({ requestTimeoutMs: 0, headersTimeoutMs: 10_000 });
  });

  it('refuses values that are not whole milliseconds', () => {
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '15s' })).toThrow(
      "REQUEST_TIMEOUT_MS: expected a whole number of milliseconds, got '15s'",
    );
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '-1' })).toThrow(/^HEADERS_TIMEOUT_MS/);
    expect(() => loadConfig({ KEEP_ALIVE_TIMEOUT_MS: '1.5' })).toThrow(/^KEEP_ALIVE_TIMEOUT_MS/);
  });

  it('a shutdown takes at most SHUTDOWN_TIMEOUT_MS, 10 s by default, at least 100 ms', () => {
    expect(loadConfig({}).shutdownTimeoutMs).toBe(10_000);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '25000' }).shutdownTimeoutMs).toBe(25_000);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '10s' })).toThrow(/^SHUTDOWN_TIMEOUT_MS: expected a whole number/);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '0' })).toThrow("SHUTDOWN_TIMEOUT_MS: at least 100, got '0'");
  });
});

describe('sample app settings: DATABASE_URL', () => {
  it('mysql://… uses TypeORM’s mysql type (mysql2), mariadb://… its mariadb type; both run the shipped migrations', () => {
    const mysql = dataSourceOptions('mysql://app:s3cret@db.example:3306/gatekeeper');
    expect(mysql).toMatchObject({
      type: 'mysql',
      url: 'mysql://app:s3cret@db.example:3306/gatekeeper',
      migrationsRun: false,
      synchronize: false,
    });
    expect(dataSourceOptions('mariadb://root@127.0.0.1/gatekeeper')).toMatchObject({
      type: 'mariadb',
      url: 'mariadb://root@127.0.0.1/gatekeeper',
    });
  });

  it('runs the shipped migrations instead of synchronize on every database', () => {
    for (const url of ['sqlite::memory:', 'postgres://postgres@127.0.0.1:5432/test', 'mariadb://root@127.0.0.1:3306/test']) {
      const options = dataSourceOptions(url);
      expect(options).toMatchObject({ migrationsRun: false, synchronize: false }); // createDataSource runs them under a lock
      const migrations = options.migrations as AuthMigrationClass[];
      expect(migrations.map((Migration) => new Migration().name)).toEqual(createAuthMigrations().map((Migration) => new Migration().name));
    }
  });

  it('SQLite files run in WAL mode with synchronous=NORMAL: no fsync per commit blocks the event loop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gk-sqlite-'));
    const dataSource = await createDataSource(`sqlite:${join(dir, 'db.sqlite')}`);
    try {
      expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await dataSource.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]); // 1 = NORMAL (2 = FULL)
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a mysql URL without a database name and an unknown scheme, without echoing the password', () => {
    expect(() => dataSourceOptions('mysql://root:pw@127.0.0.1:3306')).toThrow(
      "DATABASE_URL: mysql://… needs a database name ('mysql://root:***@127.0.0.1:3306')",
    );
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
    expect(() => loadConfig({ REDIS_URL: 'http://user:hunter2@cache' })).toThrow(
      /^REDIS_URL: expected redis:\/\/… or rediss:\/\/…, got 'http:\/\/user:\*\*\*@cache'$/,
    );
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

describe('sample app settings: the account lifecycle (EMAIL_VERIFICATION, PASSWORD_RESET_METHOD, LOGIN_CODE, PUBLIC_URL)', () => {
  const outbox = new DemoOutbox({ logger: { log: () => undefined } });
  const optionsFor = (env: Record<string, string>) => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', ...env });
    // The stores only keep the DataSource (never initialised here).
    return authOptions(config, new DataSource(dataSourceOptions(config.databaseUrl)), outbox);
  };

  it('defaults: optional verification, reset links, no sign-in codes; links to the demo page on localhost:PORT', () => {
    const config = loadConfig({ PORT: '3100' });
    expect(config).toMatchObject({
      emailVerification: 'optional',
      passwordResetMethod: 'link',
      loginCode: false,
      publicUrl: 'http://localhost:3100',
    });
    const options = optionsFor({ PORT: '3100' });
    expect(options).toMatchObject({
      emailSender: outbox,
      passwordReset: { method: 'link' },
      emailVerification: { enabled: true, required: false },
      loginCode: { enabled: false },
      links: {
        passwordReset: 'http://localhost:3100/?reset={token}',
        emailVerification: 'http://localhost:3100/?verify={token}',
        emailChange: 'http://localhost:3100/?verify={token}',
      },
    });
    // The outbox is the one e-mail sender (MFA codes included); SMS stays an MFA sender.
    expect(options.mfa?.senders).toEqual({ sms: outbox });
  });

  it('EMAIL_VERIFICATION=required | off, PASSWORD_RESET_METHOD=code and LOGIN_CODE=on (any case) switch the module options', () => {
    expect(optionsFor({ EMAIL_VERIFICATION: 'required' }).emailVerification).toEqual({ enabled: true, required: true });
    expect(optionsFor({ EMAIL_VERIFICATION: 'OFF' }).emailVerification).toEqual({ enabled: false, required: false });
    expect(optionsFor({ PASSWORD_RESET_METHOD: 'code' }).passwordReset).toEqual({ method: 'code' });
    expect(optionsFor({ LOGIN_CODE: 'on' }).loginCode).toEqual({ enabled: true });
    expect(loadConfig({ LOGIN_CODE: 'off', EMAIL_VERIFICATION: '', PASSWORD_RESET_METHOD: '' })).toMatchObject({
      loginCode: false,
      emailVerification: 'optional',
      passwordResetMethod: 'link',
    });
  });

  it('passkeys: on by default for localhost:PORT; WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN (comma-separated) or PUBLIC_URL set them; PASSKEYS=off', () => {
    expect(loadConfig({ PORT: '3100' }).passkeys).toEqual({ rpId: 'localhost', origins: ['http://localhost:3100'] });
    expect(optionsFor({ PORT: '3100' })).toMatchObject({
      passkeys: { enabled: true, rpId: 'localhost', origins: ['http://localhost:3100'], rpName: 'nest-gatekeeper demo' },
    });
    expect(loadConfig({ PUBLIC_URL: 'https://demo.example.com/app' }).passkeys).toEqual({
      rpId: 'demo.example.com',
      origins: ['https://demo.example.com'],
    });
    expect(loadConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGIN: 'https://a.example.com, https://b.example.com' }).passkeys).toEqual(
      {
        rpId: 'example.com',
        origins: ['https://a.example.com', 'https://b.example.com'],
      },
    );
    expect(loadConfig({ PASSKEYS: 'off' }).passkeys).toBeNull();
    expect(optionsFor({ PASSKEYS: 'off' }).passkeys).toBeUndefined();
    expect(() => loadConfig({ PASSKEYS: 'yes' })).toThrow("PASSKEYS: expected 'on', 'off', got 'yes'");
  });

  it('OIDC_ISSUER and OIDC_CLIENT_ID add an OpenID Connect provider on PUBLIC_URL (OIDC_CLIENT_SECRET, OIDC_LABEL); none without them', () => {
    expect(loadConfig({ PORT: '3100' }).oidc).toBeNull();
    expect(optionsFor({ PORT: '3100' }).oauth).toBeUndefined();
    const env = { PORT: '3100', OIDC_ISSUER: 'https://id.example.com/realms/demo', OIDC_CLIENT_ID: 'demo' };
    expect(loadConfig(env).oidc).toEqual({
      issuer: 'https://id.example.com/realms/demo',
      clientId: 'demo',
      clientSecret: undefined,
      label: 'OpenID',
    });
    // A public client (PKCE only): no clientSecret at all.
    expect(optionsFor(env).oauth).toEqual({
      baseUrl: 'http://localhost:3100',
      providers: { oidc: { type: 'oidc', issuer: 'https://id.example.com/realms/demo', clientId: 'demo', label: 'OpenID' } },
    });
    expect(
      optionsFor({ ...env, PUBLIC_URL: 'https://demo.example.com/', OIDC_CLIENT_SECRET: 's3cret', OIDC_LABEL: 'Company SSO' }).oauth,
    ).toEqual({
      baseUrl: 'https://demo.example.com',
      providers: {
        oidc: {
          type: 'oidc',
          issuer: 'https://id.example.com/realms/demo',
          clientId: 'demo',
          clientSecret: 's3cret',
          label: 'Company SSO',
        },
      },
    });
    // The production checks: the callback URL is built on PUBLIC_URL, which must then be set.
    const production = { NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32), MFA_ENCRYPTION_KEY: 'm'.repeat(32), ...env };
    expect(refusal(production)).toMatch(/^PUBLIC_URL: is required with OIDC_ISSUER and NODE_ENV=production/);
    expect(loadConfig({ ...production, PUBLIC_URL: 'https://demo.example.com' }).oidc?.issuer).toBe('https://id.example.com/realms/demo');
  });

  it('refuses OIDC_ISSUER without OIDC_CLIENT_ID and the other way round, and OIDC_CLIENT_SECRET or OIDC_LABEL alone', () => {
    expect(refusal({ OIDC_ISSUER: 'https://id.example.com' })).toMatch(/^OIDC_CLIENT_ID: is required with OIDC_ISSUER/);
    expect(refusal({ OIDC_CLIENT_ID: 'demo', OIDC_CLIENT_SECRET: 's3cret' })).toMatch(/^OIDC_ISSUER: is required with OIDC_CLIENT_ID/);
    expect(refusal({ OIDC_LABEL: 'Company SSO' })).toBe(
      'OIDC_LABEL: is only used with OIDC_ISSUER and OIDC_CLIENT_ID; set those too, or unset it',
    );
    expect(refusal({ OIDC_CLIENT_SECRET: 's3cret', OIDC_LABEL: 'SSO' })).toMatch(/^OIDC_CLIENT_SECRET and OIDC_LABEL: are only used with/);
    // Empty values count as unset.
    expect(loadConfig({ OIDC_ISSUER: '', OIDC_CLIENT_ID: '', OIDC_LABEL: '' }).oidc).toBeNull();
  });

  it('links provider accounts in SQL (TypeOrmIdentityStore), with or without a provider', () => {
    expect(optionsFor({}).identityStore).toBeInstanceOf(TypeOrmIdentityStore);
    expect(optionsFor({ OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'demo' }).identityStore).toBeInstanceOf(
      TypeOrmIdentityStore,
    );
  });

  it('refuses other values, naming the allowed ones', () => {
    expect(() => loadConfig({ EMAIL_VERIFICATION: 'yes' })).toThrow(
      "EMAIL_VERIFICATION: expected 'optional', 'required', 'off', got 'yes'",
    );
    expect(() => loadConfig({ PASSWORD_RESET_METHOD: 'sms' })).toThrow("PASSWORD_RESET_METHOD: expected 'link', 'code', got 'sms'");
    expect(() => loadConfig({ LOGIN_CODE: 'enabled' })).toThrow("LOGIN_CODE: expected 'off', 'on', got 'enabled'");
  });

  it('PUBLIC_URL sets where the links point (a path prefix kept, a trailing slash dropped); no query, fragment or credentials', () => {
    expect(accountLinks(loadConfig({ PUBLIC_URL: 'https://demo.example.com/gatekeeper/' }))).toEqual({
      passwordReset: 'https://demo.example.com/gatekeeper/?reset={token}',
      emailVerification: 'https://demo.example.com/gatekeeper/?verify={token}',
      emailChange: 'https://demo.example.com/gatekeeper/?verify={token}',
    });
    expect(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:8080' }).publicUrl).toBe('http://127.0.0.1:8080');
    for (const bad of ['demo.example.com', 'ftp://demo.example.com', 'https://demo.example.com/?a=1', 'https://demo.example.com/#x']) {
      expect(() => loadConfig({ PUBLIC_URL: bad })).toThrow(
        /^PUBLIC_URL: expected an http:\/\/ or https:\/\/ URL without query or fragment/,
      );
    }
    expect(() => loadConfig({ PUBLIC_URL: 'https://user:hunter2@demo.example.com' })).toThrow(/user:\*\*\*@demo/);
  });
});
