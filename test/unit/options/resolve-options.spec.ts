import { Logger } from '@nestjs/common';
import { DEFAULT_ACTIVITY_TYPES } from '../../../lib/events/auth-event.js';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { AuthModule } from '../../../lib/auth.module.js';
import { AuthConfigError } from '../../../lib/errors/auth-config.error.js';
import type { AuthModuleExtras, AuthModuleOptions } from '../../../lib/options/auth-module-options.interface.js';
import { resolveAuthOptions, resolveAuthRoutes } from '../../../lib/options/resolve-options.js';
import { oauthProviders } from '../../../lib/oauth/oauth-provider.js';
import type { ResolvedAuthOptions, ResolvedJwtKey } from '../../../lib/options/resolved-auth-options.js';

/** The active key of a resolved (unscheduled) key set. */
function activeKey(jwt: ResolvedAuthOptions['jwt']): ResolvedJwtKey & { signingKey: KeyObject } {
  return jwt.keys.find((key) => key.status === 'active') as ResolvedJwtKey & { signingKey: KeyObject };
}

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';
const userStore = { findById: () => Promise.resolve(undefined) };

/** Minimal valid options, with `overrides` on top (cast: bad inputs on purpose). */
function opts(overrides: Record<string, unknown> = {}): AuthModuleOptions {
  return { jwt: { secret: SECRET }, userStore, ...overrides } as unknown as AuthModuleOptions;
}

/** Runs `fn`, which must throw an AuthConfigError, and returns it. */
function configError(fn: () => unknown): AuthConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthConfigError);
    return error as AuthConfigError;
  }
  throw new Error('expected an AuthConfigError, nothing was thrown');
}

function expectFrozenDeep(value: unknown, path = 'resolved'): void {
  if (typeof value !== 'object' || value === null || value instanceof KeyObject) return;
  expect({ path, frozen: Object.isFrozen(value) }).toEqual({ path, frozen: true });
  for (const [key, child] of Object.entries(value)) expectFrozenDeep(child, `${path}.${key}`);
}

describe('resolveAuthOptions', () => {
  describe('defaults', () => {
    const resolved = resolveAuthOptions(opts());

    it('fills in every default', () => {
      const { jwt, secretKeys, ...rest } = resolved;
      // Without secretKey, the derived secrets come from the JWT key (as in earlier versions).
      expect(secretKeys).toEqual([activeKey(jwt).signingKey]);
      expect(jwt).toEqual({
        keys: [
          {
            kid: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
            algorithm: 'HS256',
            status: 'active',
            activateAt: null,
            signingKey: expect.any(KeyObject),
            verificationKey: activeKey(jwt).signingKey,
          },
        ],
        keyProvider: false,
        keyReloadIntervalMs: 60_000,
        issuer: 'nest-gatekeeper',
        audience: 'nest-gatekeeper',
        accessTokenTtlSeconds: 900,
        maxAccessTokenTtlSeconds: 3_600,
        clockToleranceSeconds: 0,
        verifiedTokenCacheSize: 10_000,
        jwksMaxAgeSeconds: 300,
        publicUrl: null,
      });
      expect(rest).toEqual({
        accessTokenType: 'header',
        refreshToken: {
          ttlMs: 7 * 86_400_000,
          absoluteTtlMs: 30 * 86_400_000,
          reuseGraceMs: 10_000,
          orphanGraceMs: 120_000,
          maxSessionsPerUser: null,
        },
        cookies: {
          names: { access: 'access_token', refresh: 'refresh_token', trust: 'trust_token', csrf: 'csrf_token' },
          domain: undefined,
          secure: true,
          sameSite: 'lax',
          csrf: true,
        },
        account: {
          emailEnabled: false,
          passwordReset: { method: 'link', tokenTtlMs: 30 * 60_000 },
          emailVerification: { enabled: true, required: false, tokenTtlMs: 86_400_000 },
          loginCode: { enabled: false, codeTtlMs: 600_000 },
          links: { passwordReset: null, emailVerification: null, emailChange: null },
          codeLength: 8,
          maxAttempts: 5,
          lockoutMs: 900_000,
          sendLimit: { perAccount: { max: 5, windowMs: 900_000 }, perAddress: { max: 50, windowMs: 900_000 } },
          templates: {},
          beforeDelete: null,
        },
        mfa: {
          enabled: false,
          methods: [],
          required: false,
          encryptionKeys: [],
          issuer: 'nest-gatekeeper',
          codeTtlMs: 600_000,
          codeLength: 6,
          maxAttempts: 5,
          lockoutMs: 900_000,
          sendLimit: { perUser: { max: 5, windowMs: 900_000 }, perAddress: { max: 20, windowMs: 900_000 } },
          trustedDeviceTtlMs: 30 * 86_400_000,
          pendingTtlSeconds: 300,
        },
        rateLimit: {
          enabled: true,
          account: { maxFailures: 5, windowMs: 3_600_000, lockoutMs: 30_000, maxLockoutMs: 900_000 },
          ceiling: { max: 50, windowMs: 3_600_000 },
          provenForMs: 30 * 86_400_000,
          address: { max: 100, windowMs: 900_000 },
        },
        registration: { revealConflicts: true, rateLimit: { max: 20, windowMs: 3_600_000 } },
        password: { minLength: 8, maxLength: 128 },
        passwordHashing: { concurrency: availableParallelism(), queue: Math.min(32 * availableParallelism(), 1024), legacy: [] },
        sessionCheck: false,
        revocation: { enabled: true, pollIntervalMs: 500, maxEntries: 1_000_000 },
        storeTimeoutMs: 5000,
        storeReadTimeoutMs: 2000,
        defaultRoles: ['user'],
        trustProxyHeaders: false,
        telemetry: true,
        loginIdentifiers: ['username', 'email'],
        responses: {
          messages: {
            login: 'Login successful.',
            refresh: 'Token refreshed.',
            logout: 'Logged out.',
            logoutAll: 'Logged out of all sessions.',
          },
          tokenBody: null,
          userBody: null,
          validationStatus: 400,
        },
        events: { log: null, eventEmitter: true, queueSize: 10_000, batchSize: 100, sinkTimeoutMs: 10_000 },
        activity: { enabled: true, types: [...DEFAULT_ACTIVITY_TYPES], retentionMs: 90 * 24 * 3600 * 1000, pageSize: 20 },
        passkeys: {
          enabled: false,
          rpId: '',
          rpName: 'nest-gatekeeper',
          origins: [],
          userVerification: 'preferred',
          maxPerUser: 10,
          challengeTtlMs: 300_000,
        },
        oauth: {
          providers: [],
          baseUrl: '',
          returnToOrigins: [],
          defaultReturnTo: '/',
          linking: 'verified-email',
          createUsers: true,
          stateTtlMs: 600_000,
        },
      });
    });

    it('turns the HS256 secret into one secret KeyObject holding its bytes', () => {
      expect(activeKey(resolved.jwt).signingKey.type).toBe('secret');
      expect(activeKey(resolved.jwt).verificationKey).toBe(activeKey(resolved.jwt).signingKey);
      expect(activeKey(resolved.jwt).signingKey.export().toString('utf8')).toBe(SECRET);
    });

    it('is deeply frozen', () => {
      expectFrozenDeep(resolved);
      expect(() => {
        (resolved as { sessionCheck: boolean }).sessionCheck = true;
      }).toThrow(TypeError);
      expect(() => {
        (resolved.jwt as { issuer: string }).issuer = 'evil';
      }).toThrow(TypeError);
      expect(() => (resolved.defaultRoles as string[]).push('admin')).toThrow(TypeError);
      expect(resolved.jwt.issuer).toBe('nest-gatekeeper');
    });

    it('does not freeze or keep the caller’s arrays and Buffers', () => {
      const defaultRoles = ['member'];
      const secret = Buffer.from(SECRET);
      const r = resolveAuthOptions(opts({ defaultRoles, jwt: { secret } }));
      expect(Object.isFrozen(defaultRoles)).toBe(false);
      defaultRoles.push('admin');
      secret.fill(0);
      expect(r.defaultRoles).toEqual(['member']);
      expect(activeKey(r.jwt).signingKey.export().toString('utf8')).toBe(SECRET);
    });

    it('resolves given values: durations (text and seconds), switches, names', () => {
      const r = resolveAuthOptions(
        opts({
          accessTokenType: 'both',
          jwt: { secret: SECRET, accessTokenTtl: '5m', maxAccessTokenTtl: 7200, issuer: 'me', audience: 'api', clockToleranceSeconds: 5 },
          refreshToken: { ttl: '1d', absoluteTtl: '2w', reuseGraceSeconds: 0, orphanGraceSeconds: 60, maxSessionsPerUser: 3 },
          cookies: { names: { access: 'at' }, secure: false, sameSite: 'strict', domain: 'example.com' },
          mfa: { methods: ['totp', 'email', 'totp'], encryptionKey: SECRET, senders: { email: { send: () => Promise.resolve() } } },
          rateLimit: { account: { lockout: '1m', maxLockout: '1h' } },
          sessionCheck: true,
          storeTimeout: '1500ms',
          revocation: { enabled: false, pollInterval: '2s', maxEntries: 10 },
        }),
      );
      expect(r.storeTimeoutMs).toBe(1500);
      expect(r.revocation).toEqual({ enabled: false, pollIntervalMs: 2000, maxEntries: 10 });
      expect(resolveAuthOptions(opts({ storeTimeout: false })).storeTimeoutMs).toBeNull();
      // Reads get their own, shorter net; never longer than storeTimeout; false: the write timeout.
      expect(resolveAuthOptions(opts({ storeReadTimeout: '500ms' })).storeReadTimeoutMs).toBe(500);
      expect(resolveAuthOptions(opts({ storeTimeout: '1s' })).storeReadTimeoutMs).toBe(1000);
      expect(resolveAuthOptions(opts({ storeReadTimeout: false })).storeReadTimeoutMs).toBe(5000);
      expect(resolveAuthOptions(opts({ storeTimeout: false })).storeReadTimeoutMs).toBeNull();
      expect(r.accessTokenType).toBe('both');
      expect(r.jwt).toMatchObject({
        accessTokenTtlSeconds: 300,
        maxAccessTokenTtlSeconds: 7200,
        issuer: 'me',
        audience: 'api',
        clockToleranceSeconds: 5,
      });
      expect(r.refreshToken).toEqual({
        ttlMs: 86_400_000,
        absoluteTtlMs: 14 * 86_400_000,
        reuseGraceMs: 0,
        orphanGraceMs: 60_000,
        maxSessionsPerUser: 3,
      });
      // orphanGraceSeconds defaults to 2 min, but never beyond a shorter idle lifetime
      expect(resolveAuthOptions(opts({ refreshToken: { ttl: '90s' } })).refreshToken.orphanGraceMs).toBe(90_000);
      expect(r.cookies).toMatchObject({
        names: { access: 'at', refresh: 'refresh_token' },
        secure: false,
        sameSite: 'strict',
        domain: 'example.com',
      });
      expect(r.mfa.methods).toEqual(['totp', 'email']);
      expect(r.rateLimit.account).toMatchObject({ lockoutMs: 60_000, maxLockoutMs: 3_600_000 });
      expect(r.sessionCheck).toBe(true);
    });

    it('passwordHashing: the queue defaults to 32 × the given concurrency (at most 1024); 0 queued is allowed', () => {
      expect(resolveAuthOptions(opts({ passwordHashing: { concurrency: 3 } })).passwordHashing).toEqual({
        concurrency: 3,
        queue: 96,
        legacy: [],
      });
      expect(resolveAuthOptions(opts({ passwordHashing: { concurrency: 64 } })).passwordHashing).toEqual({
        concurrency: 64,
        queue: 1024,
        legacy: [],
      });
      expect(resolveAuthOptions(opts({ passwordHashing: { concurrency: 1, queue: 0 } })).passwordHashing).toEqual({
        concurrency: 1,
        queue: 0,
        legacy: [],
      });
      expect(resolveAuthOptions(opts({ passwordHashing: { queue: 2 } })).passwordHashing).toEqual({
        concurrency: availableParallelism(),
        queue: 2,
        legacy: [],
      });
    });
  });

  describe('each bad input is named by its path', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    it.each<[string, Record<string, unknown>, RegExp]>([
      ['missing userStore', { userStore: undefined }, /^userStore: is required/],
      ['a null userStore', { userStore: null }, /^userStore: is required/],
      ['an HS256 secret < 32 bytes', { jwt: { secret: '0123456789' } }, /^jwt\.secret: at least 32 bytes for HS256 \(got 10\)$/],
      ['a 31-byte secret', { jwt: { secret: 'x'.repeat(31) } }, /^jwt\.secret: at least 32 bytes for HS256 \(got 31\)$/],
      ['a missing secret', { jwt: {} }, /^jwt\.secret: is required for HS256/],
      ['a missing jwt', { jwt: undefined }, /^jwt: is required/],
      [
        "accessTokenType: 'cookies'",
        { accessTokenType: 'cookies' },
        /^accessTokenType: must be one of 'header', 'cookie', 'both' \(got "cookies"\)$/,
      ],
      [
        "a bad duration '15 minutes'",
        { jwt: { secret: SECRET, accessTokenTtl: '15 minutes' } },
        /^jwt\.accessTokenTtl: must be a positive duration .*\(got "15 minutes"\)$/,
      ],
      ['a zero refresh ttl', { refreshToken: { ttl: 0 } }, /^refreshToken\.ttl: must be a positive duration/],
      [
        'a negative reuseGraceSeconds',
        { refreshToken: { reuseGraceSeconds: -1 } },
        /^refreshToken\.reuseGraceSeconds: must be an integer ≥ 0 \(got -1\)$/,
      ],
      [
        'a fractional reuseGraceSeconds',
        { refreshToken: { reuseGraceSeconds: 2.5 } },
        /^refreshToken\.reuseGraceSeconds: must be an integer/,
      ],
      [
        'a negative orphanGraceSeconds',
        { refreshToken: { orphanGraceSeconds: -1 } },
        /^refreshToken\.orphanGraceSeconds: must be an integer ≥ 0 \(got -1\)$/,
      ],
      [
        'an orphanGraceSeconds beyond the idle lifetime',
        { refreshToken: { ttl: '1h', orphanGraceSeconds: 3601 } },
        /^refreshToken\.orphanGraceSeconds: must not exceed refreshToken\.ttl$/,
      ],
      ['an unknown top-level key', { accessTokenTyp: 'header' }, /^accessTokenTyp: unknown option$/],
      ['an unknown nested key', { jwt: { secret: SECRET, expiresIn: '15m' } }, /^jwt\.expiresIn: unknown option$/],
      ['an unknown deeply nested key', { rateLimit: { account: { maxFailure: 3 } } }, /^rateLimit\.account\.maxFailure: unknown option$/],
      ['a section that is not an object', { refreshToken: '7d' }, /^refreshToken: must be an object$/],
      ['RS256 without privateKey', { jwt: { algorithm: 'RS256' } }, /^jwt\.privateKey: is required for RS256$/],
      [
        'RS256 with an EC key',
        { jwt: { algorithm: 'RS256', privateKey: ec.privateKey, publicKey: ec.publicKey } },
        /^jwt\.privateKey: must be an RSA key for RS256$/,
      ],
      ['RS256 with a secret', { jwt: { algorithm: 'RS256', secret: SECRET } }, /^jwt\.secret: is only used with HS256/],
      [
        'HS256 with a private key',
        { jwt: { secret: SECRET, privateKey: ec.privateKey } },
        /^jwt\.privateKey: is only used with RS256, ES256 or EdDSA/,
      ],
      [
        'an unreadable private key',
        { jwt: { algorithm: 'ES256', privateKey: 'not a pem' } },
        /^jwt\.privateKey: could not be read as a PEM private key$/,
      ],
      [
        'an unknown algorithm',
        { jwt: { secret: SECRET, algorithm: 'HS512' } },
        /^jwt\.algorithm: must be one of 'HS256', 'RS256', 'ES256', 'EdDSA' \(got "HS512"\)$/,
      ],
      [
        'accessTokenTtl > maxAccessTokenTtl',
        { jwt: { secret: SECRET, accessTokenTtl: '25h' } },
        /^jwt\.accessTokenTtl: must not exceed jwt\.maxAccessTokenTtl$/,
      ],
      [
        'accessTokenTtl above the 1 h default maxAccessTokenTtl',
        { jwt: { secret: SECRET, accessTokenTtl: '2h' } },
        /^jwt\.accessTokenTtl: must not exceed jwt\.maxAccessTokenTtl$/,
      ],
      [
        'a revocation poll interval under 10 ms',
        { revocation: { pollInterval: '5ms' } },
        /^revocation\.pollInterval: must be between 10ms and 60s$/,
      ],
      [
        'a revocation poll interval that is not a duration',
        { revocation: { pollInterval: 'often' } },
        /^revocation\.pollInterval: must be a positive duration/,
      ],
      [
        'a zero session cap',
        { refreshToken: { maxSessionsPerUser: 0 } },
        /^refreshToken\.maxSessionsPerUser: must be an integer ≥ 1 \(got 0\)$/,
      ],
      [
        'a fractional session cap',
        { refreshToken: { maxSessionsPerUser: 2.5 } },
        /^refreshToken\.maxSessionsPerUser: must be an integer ≥ 1/,
      ],
      ['a zero revocation cap', { revocation: { maxEntries: 0 } }, /^revocation\.maxEntries: must be an integer ≥ 1/],
      ['a non-boolean revocation switch', { revocation: { enabled: 'yes' } }, /^revocation\.enabled: must be true or false/],
      ['an unknown revocation key', { revocation: { interval: '1s' } }, /^revocation\.interval: unknown option$/],
      ['accessTokenTtl < 1 s', { jwt: { secret: SECRET, accessTokenTtl: '500ms' } }, /^jwt\.accessTokenTtl: must be at least 1 second$/],
      ['refresh ttl > absoluteTtl', { refreshToken: { ttl: '31d' } }, /^refreshToken\.ttl: must not exceed refreshToken\.absoluteTtl$/],
      [
        "sameSite 'none' without secure",
        { cookies: { sameSite: 'none', secure: false } },
        /^cookies\.sameSite: 'none' requires cookies\.secure: true$/,
      ],
      ['a bad cookie name', { cookies: { names: { access: 'my token' } } }, /^cookies\.names\.access: is not a valid cookie name$/],
      [
        'two cookies with one name',
        { cookies: { names: { access: 'tok', refresh: 'tok' } } },
        /^cookies\.names: every cookie needs its own name \(tok is used twice\)$/,
      ],
      [
        "prefix '__Host-' without secure",
        { cookies: { prefix: '__Host-', secure: false } },
        /^cookies\.prefix: '__Host-' requires cookies\.secure: true$/,
      ],
      [
        "prefix '__Secure-' without secure",
        { cookies: { prefix: '__Secure-', secure: false } },
        /^cookies\.prefix: '__Secure-' requires cookies\.secure: true$/,
      ],
      [
        "prefix '__Host-' with a domain",
        { cookies: { prefix: '__Host-', domain: 'example.com' } },
        /^cookies\.prefix: '__Host-' cookies cannot have cookies\.domain$/,
      ],
      ['an unknown prefix', { cookies: { prefix: '__Safe-' } }, /^cookies\.prefix: must be one of '__Host-', '__Secure-'/],
      [
        'a refreshPath without a leading slash',
        { cookies: { refreshPath: 'auth' } },
        /^cookies\.refreshPath: must be a path starting with '\/'$/,
      ],
      [
        'a refreshPath with a semicolon',
        { cookies: { refreshPath: '/auth; Domain=evil.test' } },
        /^cookies\.refreshPath: must be a path starting with '\/'$/,
      ],
      ['a domain with a semicolon', { cookies: { domain: 'example.com; Path=/' } }, /^cookies\.domain: is not a valid domain$/],
      ['an unknown MFA method', { mfa: { methods: ['carrier-pigeon'] } }, /^mfa\.methods: must be an array of/],
      [
        'TOTP without an encryption key',
        { mfa: { methods: ['totp'] } },
        /^mfa\.encryptionKey: is required when mfa\.methods includes 'totp'/,
      ],
      [
        'a short encryption key',
        { mfa: { methods: ['totp'], encryptionKey: 'short' } },
        /^mfa\.encryptionKey: must be at least 32 bytes \(got 5\)$/,
      ],
      [
        'a short key in a key list',
        { mfa: { methods: ['totp'], encryptionKey: [SECRET, 'old'] } },
        /^mfa\.encryptionKey\[1\]: must be at least 32 bytes \(got 3\)$/,
      ],
      [
        'e-mail codes without a sender',
        { mfa: { methods: ['email'] } },
        /^mfa\.senders\.email: is required when mfa\.methods includes 'email'/,
      ],
      ['SMS codes without a sender', { mfa: { methods: ['sms'] } }, /^mfa\.senders\.sms: is required when mfa\.methods includes 'sms'/],
      ['mfa.required without a method', { mfa: { required: true } }, /^mfa\.required: needs at least one method in mfa\.methods$/],
      ['codes living over 10 minutes', { mfa: { codeTtl: '11m' } }, /^mfa\.codeTtl: must be at most 10 minutes$/],
      ['5-digit codes', { mfa: { codeLength: 5 } }, /^mfa\.codeLength: must be an integer ≥ 6/],
      ['11-digit codes', { mfa: { codeLength: 11 } }, /^mfa\.codeLength: must be at most 10$/],
      ['an unknown send-limit key', { mfa: { sendLimit: { perDay: 3 } } }, /^mfa\.sendLimit\.perDay: unknown option$/],
      ['a store timeout that is not a duration', { storeTimeout: 'soon' }, /^storeTimeout: must be a positive duration/],
      ['an unknown login field', { loginIdentifiers: ['phone'] }, /^loginIdentifiers: must be \['username'\], \['email'\] or/],
      ['no login field', { loginIdentifiers: [] }, /^loginIdentifiers: must be/],
      ['a shaping hook that is not a function', { responses: { tokenBody: 'snake' } }, /^responses\.tokenBody: must be a function$/],
      [
        'a validation status other than 400 or 422',
        { responses: { validationStatus: 418 } },
        /^responses\.validationStatus: must be 400 or 422/,
      ],
      ['an unknown message', { responses: { messages: { welcome: 'hi' } } }, /^responses\.messages\.welcome: unknown option$/],
      ['an empty message', { responses: { messages: { login: ' ' } } }, /^responses\.messages\.login: must be a non-empty string$/],
      ['a non-boolean switch', { sessionCheck: 'yes' }, /^sessionCheck: must be true or false \(got "yes"\)$/],
      ['empty default roles', { defaultRoles: [''] }, /^defaultRoles: must be an array of non-empty strings$/],
      [
        'password minLength > maxLength',
        { password: { minLength: 20, maxLength: 10 } },
        /^password\.minLength: must not exceed password\.maxLength$/,
      ],
      ['no hash at a time', { passwordHashing: { concurrency: 0 } }, /^passwordHashing\.concurrency: must be an integer ≥ 1 \(got 0\)$/],
      ['a fractional hash concurrency', { passwordHashing: { concurrency: 1.5 } }, /^passwordHashing\.concurrency: must be an integer ≥ 1/],
      [
        'a hash concurrency given as text',
        { passwordHashing: { concurrency: '4' } },
        /^passwordHashing\.concurrency: must be an integer ≥ 1 \(got "4"\)$/,
      ],
      ['a negative hash queue', { passwordHashing: { queue: -1 } }, /^passwordHashing\.queue: must be an integer ≥ 0 \(got -1\)$/],
      ['an unbounded hash queue', { passwordHashing: { queue: Infinity } }, /^passwordHashing\.queue: must be an integer ≥ 0/],
      ['a hash concurrency over 1024', { passwordHashing: { concurrency: 1025 } }, /^passwordHashing\.concurrency: must be at most 1024$/],
      ['a hash queue over 1024', { passwordHashing: { queue: 5000 } }, /^passwordHashing\.queue: must be at most 1024$/],
      ['an unknown hashing key', { passwordHashing: { workers: 2 } }, /^passwordHashing\.workers: unknown option$/],
      ['hashing limits that are not an object', { passwordHashing: 4 }, /^passwordHashing: must be an object$/],
    ])('%s', (_label, overrides, problem) => {
      const error = configError(() => resolveAuthOptions(opts(overrides)));
      expect(error.name).toBe('AuthConfigError');
      expect(error.problems).toContainEqual(expect.stringMatching(problem));
      // The message names the path too, one problem per line.
      const path = problem.source.replace(/^\^/, '').split(':')[0].replace(/\\/g, '');
      expect(error.message).toMatch(new RegExp(`^  - ${path.replace(/[.[\]]/g, '\\$&')}: `, 'm'));
    });

    it('RS256 with an RSA key under 2048 bits', () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const error = configError(() => resolveAuthOptions(opts({ jwt: { algorithm: 'RS256', privateKey: small.privateKey } })));
      expect(error.problems).toContain('jwt.privateKey: must be an RSA key of at least 2048 bits');
    });

    it('ES256 with a P-384 key, EdDSA with an Ed448 key', () => {
      const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      expect(configError(() => resolveAuthOptions(opts({ jwt: { algorithm: 'ES256', privateKey: p384.privateKey } }))).problems).toContain(
        'jwt.privateKey: must be a P-256 EC key for ES256',
      );
      const ed448 = generateKeyPairSync('ed448');
      expect(configError(() => resolveAuthOptions(opts({ jwt: { algorithm: 'EdDSA', privateKey: ed448.privateKey } }))).problems).toContain(
        'jwt.privateKey: must be an Ed25519 key for EdDSA',
      );
    });

    // GAP (lib/options/resolve-options.ts, resolveKeys): a privateKey and publicKey from two different
    // pairs pass validation, so the app starts and every token it issues fails verification (all logins
    // yield unusable tokens) instead of failing at start-up. A sign/verify self-test would catch it.
    // Remove `.failing` once fixed.
    it('refuses RS256 with a private and a public key that are not a pair', () => {
      const a = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const b = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const error = configError(() =>
        resolveAuthOptions(opts({ jwt: { algorithm: 'RS256', privateKey: a.privateKey, publicKey: b.publicKey } })),
      );
      expect(error.problems).toContainEqual(expect.stringMatching(/^jwt\.publicKey: /));
    });

    it('a non-object → one problem', () => {
      expect(configError(() => resolveAuthOptions(undefined)).problems).toEqual(['options: must be an object']);
      expect(configError(() => resolveAuthOptions('x' as unknown as AuthModuleOptions)).problems).toEqual(['options: must be an object']);
    });
  });

  it('lists ALL problems together in one error, not just the first', () => {
    const error = configError(() =>
      resolveAuthOptions({
        accessTokenType: 'cookies',
        jwt: { secret: 'short', accessTokenTtl: '15 minutes', expiresIn: 1 },
        refreshToken: { reuseGraceSeconds: -1 },
        bogus: true,
      } as unknown as AuthModuleOptions),
    );
    const paths = error.problems.map((p) => p.split(':')[0]);
    expect(paths.sort()).toEqual(
      [
        'bogus',
        'userStore',
        'accessTokenType',
        'jwt.secret',
        'jwt.accessTokenTtl',
        'jwt.expiresIn',
        'refreshToken.reuseGraceSeconds',
      ].sort(),
    );
    for (const problem of error.problems) expect(error.message).toContain(`  - ${problem}`);
    expect(error.message.split('\n')).toHaveLength(1 + error.problems.length);
    expect(error.message.split('\n')[0]).toBe('Invalid AuthModule options:');
  });

  it('accepts asymmetric keys as PEM strings, Buffers or KeyObjects, deriving the public key when missing', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    for (const privateKey of [pem, Buffer.from(pem), rsa.privateKey]) {
      const r = resolveAuthOptions(opts({ jwt: { algorithm: 'RS256', privateKey } }));
      expect(activeKey(r.jwt).signingKey.type).toBe('private');
      expect(activeKey(r.jwt).verificationKey.type).toBe('public');
      expect(activeKey(r.jwt).verificationKey.equals(rsa.publicKey)).toBe(true);
    }
    const ed = generateKeyPairSync('ed25519');
    const r = resolveAuthOptions(opts({ jwt: { algorithm: 'EdDSA', privateKey: ed.privateKey, publicKey: ed.publicKey } }));
    expect(activeKey(r.jwt).verificationKey.equals(ed.publicKey)).toBe(true);
  });
});

describe('resolveAuthRoutes', () => {
  it('defaults', () => {
    expect(resolveAuthRoutes({})).toEqual({
      prefix: 'auth',
      paths: {
        register: 'register',
        login: 'login',
        token: 'token',
        refresh: 'refresh',
        me: 'me',
        logout: 'logout',
        sessions: 'sessions',
        session: 'sessions/:id',
        passwordChange: 'password/change',
        mfaSend: 'mfa/send',
        mfaVerify: 'mfa/verify',
        totpSetup: 'mfa/totp/setup',
        totpEnable: 'mfa/totp/enable',
        mfaDisable: 'mfa/disable',
        mfaDevices: 'mfa/devices',
        mfaDevice: 'mfa/devices/:id',
        passwordForgot: 'password/forgot',
        passwordReset: 'password/reset',
        emailVerify: 'email/verify',
        emailVerifyResend: 'email/verify/resend',
        emailChange: 'email/change',
        accountDelete: 'account/delete',
        loginCodeSend: 'login/code/send',
        loginCode: 'login/code',
        activity: 'activity',
        passkeyRegisterOptions: 'passkeys/register/options',
        passkeyRegister: 'passkeys/register',
        passkeys: 'passkeys',
        passkey: 'passkeys/:id',
        passkeyLoginOptions: 'passkeys/login/options',
        passkeyLogin: 'passkeys/login',
        passkeyMfaOptions: 'passkeys/mfa/options',
        passkeyMfaVerify: 'passkeys/mfa/verify',
        passkeyMfaEnable: 'passkeys/mfa/enable',
        oauthStart: 'oauth/:provider',
        oauthCallback: 'oauth/:provider/callback',
        oauthToken: 'oauth/:provider/token',
        oauthExchange: 'oauth/exchange',
        identities: 'identities',
        identityLink: 'identities/link',
        identity: 'identities/:id',
        jwks: '.well-known/jwks.json',
        authorizationServerMetadata: '.well-known/oauth-authorization-server',
      },
      globalGuard: true,
    });
    expect(Object.isFrozen(resolveAuthRoutes({}).paths)).toBe(true);
  });

  it('cleans leading and trailing slashes off the prefix and paths', () => {
    const r = resolveAuthRoutes({ routes: { prefix: '/api/v1/auth/', me: '//profile/', login: '/sign-in' } });
    expect(r.prefix).toBe('api/v1/auth');
    expect(r.paths.me).toBe('profile');
    expect(r.paths.login).toBe('sign-in');
    expect(r.paths.logout).toBe('logout');
  });

  it('applies switches: false leaves a route out; registration/password are aliases; sessions: false takes both session routes', () => {
    const r = resolveAuthRoutes({ routes: { registration: false, sessions: false, password: false }, globalGuard: false });
    expect(r.paths).toMatchObject({ register: null, sessions: null, session: null, passwordChange: null, me: 'me' });
    expect(r.globalGuard).toBe(false);
    expect(resolveAuthRoutes({ routes: { me: false } }).paths.me).toBeNull();
  });

  it('mfa: false leaves out every MFA route (whatever the order of keys); mfaDevices: false takes the device route too', () => {
    const off = ['mfaSend', 'mfaVerify', 'totpSetup', 'totpEnable', 'mfaDisable', 'mfaDevices', 'mfaDevice'];
    for (const routes of [
      { mfa: false, mfaSend: 'otp/send' },
      { mfaSend: 'otp/send', mfa: false },
    ]) {
      const { paths } = resolveAuthRoutes({ routes });
      for (const name of off) expect(paths[name as keyof typeof paths]).toBeNull();
      expect(paths.login).toBe('login');
    }
    expect(resolveAuthRoutes({ routes: { mfaDevices: false } }).paths).toMatchObject({
      mfaDevices: null,
      mfaDevice: null,
      mfaVerify: 'mfa/verify',
    });
    expect(configError(() => resolveAuthRoutes({ routes: { mfaDevice: 'mfa/devices/x' } })).problems).toEqual([
      "routes.mfaDevice: must contain the ':id' segment",
    ]);
  });

  it("refuses a session path without ':id'", () => {
    expect(configError(() => resolveAuthRoutes({ routes: { session: 'sessions/x' } })).problems).toEqual([
      "routes.session: must contain the ':id' segment",
    ]);
  });

  it.each([
    ['a blank', 'my profile'],
    ['a query', 'me?x=1'],
    ['a fragment', 'me#x'],
    ['a backslash', 'me\\x'],
    ['a percent escape', 'me%2F'],
    ['a non-string', 42],
  ])('refuses a path with %s', (_label, value) => {
    const error = configError(() => resolveAuthRoutes({ routes: { me: value } } as unknown as AuthModuleExtras));
    expect(error.problems).toEqual(['routes.me: must be a URL path of letters, digits and - . _ ~ / :, or false']);
  });

  it('refuses a bad prefix', () => {
    expect(configError(() => resolveAuthRoutes({ routes: { prefix: 'auth v2' } })).problems).toEqual([
      'routes.prefix: must be a URL path of letters, digits and - . _ ~ / :',
    ]);
  });

  it('refuses an unknown route name and an unknown routes key, together', () => {
    const error = configError(() => resolveAuthRoutes({ routes: { profile: 'me', prefx: 'x' } } as unknown as AuthModuleExtras));
    expect(error.problems).toEqual(expect.arrayContaining(['routes.profile: unknown option', 'routes.prefx: unknown option']));
    expect(error.problems).toHaveLength(2);
  });

  it('refuses a non-boolean switch and a bad globalGuard', () => {
    const error = configError(() => resolveAuthRoutes({ routes: { registration: 'no' }, globalGuard: 1 } as unknown as AuthModuleExtras));
    expect(error.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^routes\.registration: /), expect.stringMatching(/^globalGuard: /)]),
    );
  });
});

describe('AuthModule start-up with bad options', () => {
  const SHORT = '0123456789'; // 10 bytes

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  async function startUpError(imports: Parameters<typeof Test.createTestingModule>[0]['imports']): Promise<unknown> {
    try {
      const moduleRef = await Test.createTestingModule({ imports }).compile();
      await moduleRef.close();
    } catch (error) {
      return error;
    }
    throw new Error('the module started with bad options');
  }

  it('forRoot and forRootAsync (ConfigService) fail the same way', async () => {
    const viaForRoot = await startUpError([AuthModule.forRoot({ jwt: { secret: SHORT } } as unknown as AuthModuleOptions)]);
    const viaAsync = await startUpError([
      AuthModule.forRootAsync({
        imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ JWT_SECRET: SHORT })] })],
        inject: [ConfigService],
        useFactory: (config: ConfigService) =>
          ({ jwt: { secret: config.getOrThrow<string>('JWT_SECRET') } }) as unknown as AuthModuleOptions,
      }),
    ]);
    expect(viaForRoot).toBeInstanceOf(AuthConfigError);
    expect(viaAsync).toBeInstanceOf(AuthConfigError);
    const problems = (viaForRoot as AuthConfigError).problems;
    expect(problems).toEqual([
      'userStore: is required (a class, an instance or { useFactory, inject } implementing UserStore)',
      'jwt.secret: at least 32 bytes for HS256 (got 10)',
    ]);
    expect((viaAsync as AuthConfigError).problems).toEqual(problems);
    expect((viaAsync as AuthConfigError).message).toBe((viaForRoot as AuthConfigError).message);
  });

  it('bad routes fail as soon as forRoot / forRootAsync is called', () => {
    const routes = { me: 'my profile' };
    const a = configError(() => AuthModule.forRoot({ jwt: { secret: SECRET }, userStore, routes } as never));
    const b = configError(() => AuthModule.forRootAsync({ useFactory: () => ({ jwt: { secret: SECRET }, userStore }) as never, routes }));
    expect(a.problems).toEqual(['routes.me: must be a URL path of letters, digits and - . _ ~ / :, or false']);
    expect(b.problems).toEqual(a.problems);
  });
});

describe('resolveAuthOptions: passkeys', () => {
  const on = (passkeys: Record<string, unknown>): AuthModuleOptions => opts({ passkeys: { enabled: true, ...passkeys } });

  it('takes an RP id and the origins on it or its subdomains (https, or http on localhost)', () => {
    const resolved = resolveAuthOptions(on({ rpId: 'example.com', origins: ['https://example.com', 'https://app.example.com:8443/'] }));
    expect(resolved.passkeys).toMatchObject({
      enabled: true,
      rpId: 'example.com',
      origins: ['https://example.com', 'https://app.example.com:8443'],
    });
    expect(resolveAuthOptions(on({ rpId: 'localhost', origins: ['http://localhost:3000'] })).passkeys.origins).toEqual([
      'http://localhost:3000',
    ]);
  });

  it('phishing-prone settings refused: origins off the RP id, plain http, paths, junk; RP ids with a scheme or port', () => {
    const problems = configError(() =>
      resolveAuthOptions(
        on({
          rpId: 'example.com',
          origins: [
            'https://example.com.evil.test',
            'http://app.example.com',
            'https://example.com/login',
            'https://evilexample.com',
            'not a url',
            7,
          ],
        }),
      ),
    ).problems;
    for (const i of [0, 1, 2, 3, 4, 5])
      expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^passkeys\\.origins\\[${i}\\]: must be an https origin`)));
    for (const rpId of ['https://example.com', 'example.com:443', 'Example.com', 'example.com/', '127.0.0.1', '::1']) {
      expect(configError(() => resolveAuthOptions(on({ rpId, origins: ['https://example.com'] }))).problems).toContainEqual(
        expect.stringMatching(/^passkeys\.rpId: must be a lower-case host name/),
      );
    }
  });

  it('needs an RP id and an origin when enabled; bounds the challenge lifetime and the passkeys per account', () => {
    expect(configError(() => resolveAuthOptions(on({}))).problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^passkeys\.rpId: is required/),
        expect.stringMatching(/^passkeys\.origins: needs at least one origin/),
      ]),
    );
    const problems = configError(() =>
      resolveAuthOptions(
        on({ rpId: 'localhost', origins: ['http://localhost'], challengeTtl: '1s', maxPerUser: 1000, userVerification: 'always' }),
      ),
    ).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'passkeys.challengeTtl: must be between 30s and 10m',
        'passkeys.maxPerUser: must be at most 100',
        expect.stringMatching(/^passkeys\.userVerification: /),
      ]),
    );
    // Off: nothing is required.
    expect(resolveAuthOptions(opts({ passkeys: { enabled: false } })).passkeys.enabled).toBe(false);
  });
});

describe('resolveAuthOptions: oauth (social sign-in)', () => {
  const provider = { type: 'oidc', issuer: 'https://accounts.example.com', clientId: 'app', clientSecret: 'secret' };
  const with_ = (oauth: Record<string, unknown>): AuthModuleOptions => opts({ oauth: { baseUrl: 'https://api.example.com', ...oauth } });

  it('resolves providers (presets included) with their defaults, and the allowed return origins', () => {
    const resolved = resolveAuthOptions(
      with_({
        providers: { corp: provider, github: oauthProviders.github({ clientId: 'gh', clientSecret: 's' }) },
        returnToOrigins: ['https://app.example.com'],
      }),
    ).oauth;
    expect(resolved.providers.map((p) => [p.name, p.label, p.type, [...p.scopes]])).toEqual([
      ['corp', 'corp', 'oidc', ['openid', 'email', 'profile']],
      ['github', 'GitHub', 'oauth2', ['read:user', 'user:email']],
    ]);
    expect(resolved.returnToOrigins).toEqual(['https://api.example.com', 'https://app.example.com']);
    expect(resolved.providers[0]).toMatchObject({
      tokenEndpointAuthMethod: 'client_secret_post',
      responseMode: 'query',
      trustEmail: false,
    });
  });

  it('refuses what would make the flow unsafe or unroutable: plain http off loopback, a multi-tenant issuer, no baseUrl, bad names, reserved parameters', () => {
    const problems = configError(() =>
      resolveAuthOptions(
        opts({
          oauth: {
            providers: {
              Bad_Name: provider,
              exchange: provider,
              plain: { ...provider, issuer: 'http://idp.example.com' },
              entra: oauthProviders.microsoft({ tenant: 'common', clientId: 'x' }),
              noOpenid: { ...provider, scopes: ['email'] },
              sneaky: { ...provider, authorizationParams: { state: 'fixed' } },
              gh: { type: 'oauth2', clientId: 'x', authorizationEndpoint: 'https://gh/authorize', tokenEndpoint: 'ftp://gh/token' },
            },
            returnToOrigins: ['https://app.example.com/path', 'http://evil.example'],
            stateTtl: '1h',
          },
        }),
      ),
    ).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^oauth\.providers\.Bad_Name: the name must be/),
        expect.stringMatching(/^oauth\.providers\.exchange: the name must be/),
        expect.stringMatching(/^oauth\.providers\.plain\.issuer: must be the https issuer URL/),
        expect.stringMatching(/^oauth\.providers\.entra\.issuer: names no tenant/),
        expect.stringMatching(/^oauth\.providers\.noOpenid\.scopes: must include 'openid'/),
        expect.stringMatching(/^oauth\.providers\.sneaky\.authorizationParams\.state: is set by the module/),
        expect.stringMatching(/^oauth\.providers\.gh\.tokenEndpoint: must be an https URL/),
        expect.stringMatching(/^oauth\.providers\.gh\.profile: must be a function/),
        expect.stringMatching(/^oauth\.baseUrl: is required with a provider/),
        expect.stringMatching(/^oauth\.returnToOrigins\[0\]: must be an https origin/),
        expect.stringMatching(/^oauth\.returnToOrigins\[1\]: must be an https origin/),
        expect.stringMatching(/^oauth\.stateTtl: must be between 1m and 30m/),
      ]),
    );
  });
});
