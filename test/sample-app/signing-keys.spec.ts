import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, KeyObject, randomBytes, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { authOptions } from '../../sample-app/src/app.module.js';
import { DEVELOPMENT_JWT_SECRET, loadConfig, startupWarnings } from '../../sample-app/src/config.js';
import { dataSourceOptions } from '../../sample-app/src/database.js';
import { DemoOutbox } from '../../sample-app/src/demo-outbox.js';
import { refusal } from '../fixtures/sample-config.js';

/**
 * The sample app's signing-key settings (CONTRACT §7, §9): JWT_ALGORITHM, a development key pair
 * generated for an asymmetric algorithm outside production only, and JWT_JWKS_FILE (the first key
 * signs, every key verifies and is published), validated with every problem listed.
 */

const dir = mkdtempSync(join(tmpdir(), 'gk-sample-jwks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes `content` (a value to serialise, or raw text) to a file of its own; returns its path. */
function jwksFile(content: unknown): string {
  const path = join(dir, `jwks-${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** A private JWK of `algorithm` with `kid`, as an operator would write it. */
function privateJwk(algorithm: 'EdDSA' | 'ES256' | 'RS256', kid: string, rsaBits = 2048): JsonWebKey {
  const { privateKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: rsaBits });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: algorithm, use: 'sig' };
}

/** The public half of a private JWK. */
function publicJwk(jwk: JsonWebKey): JsonWebKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk;
  return rest;
}

const PRODUCTION = { NODE_ENV: 'production', MFA_ENCRYPTION_KEY: 'm'.repeat(32) };

describe('JWT_ALGORITHM', () => {
  it('defaults to HS256 with JWT_SECRET (or the development secret): one active key, as before', () => {
    expect(loadConfig({}).jwt).toEqual({
      algorithm: 'HS256',
      keys: [{ algorithm: 'HS256', secret: DEVELOPMENT_JWT_SECRET, status: 'active' }],
      source: 'development-secret',
      file: null,
      publicUrl: 'http://localhost:3000',
    });
    expect(loadConfig({ JWT_ALGORITHM: 'HS256', JWT_SECRET: 's'.repeat(32) }).jwt).toMatchObject({
      source: 'secret',
      keys: [{ algorithm: 'HS256', secret: 's'.repeat(32) }],
    });
  });

  it.each([
    ['EdDSA', 'ed25519', undefined],
    ['ES256', 'ec', 'P-256'],
    ['RS256', 'rsa', undefined],
  ] as const)(
    '%s without a key file: a development key pair generated at start-up, with a warning that it changes at every restart',
    (algorithm, type, curve) => {
      const config = loadConfig({ JWT_ALGORITHM: algorithm.toLowerCase() });
      expect(config.jwt).toMatchObject({ algorithm, source: 'generated', file: null });
      expect(config.usingDevelopmentSecret).toBe(false);
      const [key] = config.jwt.keys;
      expect(config.jwt.keys).toHaveLength(1);
      expect(key).toMatchObject({ algorithm, status: 'active' });
      const privateKey = key?.privateKey as KeyObject;
      expect(privateKey).toBeInstanceOf(KeyObject);
      expect(privateKey.type).toBe('private');
      expect(privateKey.asymmetricKeyType).toBe(type);
      if (curve) expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      if (type === 'rsa') expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      const warning = startupWarnings(config).find((w) => w.startsWith('JWT_ALGORITHM='));
      expect(warning).toMatch(new RegExp(`^JWT_ALGORITHM=${algorithm} without JWT_JWKS_FILE: .*DEVELOPMENT KEY PAIR`));
      expect(warning).toMatch(/changes at every restart: the access and refresh tokens issued before a restart are refused/);
      expect(startupWarnings(config).some((w) => w.startsWith('JWT_SECRET'))).toBe(false);
      // Another start, another pair.
      const again = loadConfig({ JWT_ALGORITHM: algorithm }).jwt.keys[0]?.privateKey as KeyObject;
      expect(again.equals(privateKey)).toBe(false);
    },
  );

  it('refuses an unknown algorithm, naming the allowed ones', () => {
    expect(refusal({ JWT_ALGORITHM: 'PS256' })).toBe("JWT_ALGORITHM: expected 'HS256', 'EdDSA', 'ES256', 'RS256', got 'PS256'");
    expect(refusal({ JWT_ALGORITHM: 'none' })).toMatch(/^JWT_ALGORITHM: expected/);
  });

  it('refuses a JWT_SECRET it would ignore (JWT_ALGORITHM=EdDSA without a key file)', () => {
    expect(refusal({ JWT_ALGORITHM: 'EdDSA', JWT_SECRET: 's'.repeat(32) })).toMatch(
      /^JWT_SECRET: is only used with JWT_ALGORITHM=HS256, not EdDSA/,
    );
  });

  it('production refuses a generated key pair: JWT_JWKS_FILE is required (every problem listed)', () => {
    const message = refusal({ ...PRODUCTION, JWT_ALGORITHM: 'ES256' });
    expect(message.split('\n')).toEqual([
      'Refusing to start with NODE_ENV=production:',
      expect.stringMatching(/^ {2}- JWT_JWKS_FILE: is required with NODE_ENV=production and JWT_ALGORITHM=ES256; /),
    ]);
    expect(refusal({ NODE_ENV: 'production', JWT_ALGORITHM: 'EdDSA' }).split('\n')).toEqual([
      'Refusing to start with NODE_ENV=production:',
      expect.stringMatching(/^ {2}- JWT_JWKS_FILE: is required/),
      expect.stringMatching(/^ {2}- MFA_ENCRYPTION_KEY: is required/),
    ]);
  });
});

describe('JWT_JWKS_FILE', () => {
  const ed = privateJwk('EdDSA', 'ed-2026');
  const es = privateJwk('ES256', 'es-2025');
  const rs = privateJwk('RS256', 'rs-2024');

  it('the first key signs (active); every other verifies (standby), a later one may be a public JWK', () => {
    const file = jwksFile({ keys: [ed, es, publicJwk(rs)] });
    const { jwt } = loadConfig({ JWT_JWKS_FILE: file });
    expect(jwt).toMatchObject({ algorithm: 'EdDSA', source: 'file', file });
    expect(jwt.keys.map(({ kid, algorithm, status }) => ({ kid, algorithm, status }))).toEqual([
      { kid: 'ed-2026', algorithm: 'EdDSA', status: 'active' },
      { kid: 'es-2025', algorithm: 'ES256', status: 'standby' },
      { kid: 'rs-2024', algorithm: 'RS256', status: 'standby' },
    ]);
    expect((jwt.keys[0]?.privateKey as KeyObject).type).toBe('private');
    expect((jwt.keys[2]?.publicKey as KeyObject).type).toBe('public');
    expect(jwt.keys[2]?.privateKey).toBeUndefined();
    expect(startupWarnings(loadConfig({ JWT_JWKS_FILE: file, MFA_ENCRYPTION_KEY: 'm'.repeat(32) }))).toEqual([]);
  });

  it('is what production needs: no JWT_SECRET, no warning about keys', () => {
    const file = jwksFile({ keys: [es] });
    const config = loadConfig({ ...PRODUCTION, JWT_JWKS_FILE: file, PUBLIC_URL: 'https://auth.example.com' });
    expect(config.jwt).toMatchObject({ algorithm: 'ES256', source: 'file', publicUrl: 'https://auth.example.com' });
    expect(startupWarnings(config)).toEqual([expect.stringMatching(/^NODE_ENV=production: the demo outbox/)]);
  });

  it('production refuses the development secret as an HS256 key of the file', () => {
    const oct = { kty: 'oct', alg: 'HS256', k: Buffer.from(DEVELOPMENT_JWT_SECRET).toString('base64url') };
    const file = jwksFile({ keys: [es, oct] });
    expect(refusal({ ...PRODUCTION, JWT_JWKS_FILE: file })).toBe(
      `JWT_JWKS_FILE (${file}): a problem:\n  - keys[1].k: is the public development secret from the sample app's source (refused with NODE_ENV=production)`,
    );
    expect(loadConfig({ JWT_JWKS_FILE: file }).jwt.keys).toHaveLength(2);
  });

  it('an HS256 secret (kty oct) may sign or verify; without kid, the module derives it (as for JWT_SECRET)', () => {
    const secret = randomBytes(32);
    const oct = { kty: 'oct', alg: 'HS256', k: secret.toString('base64url') };
    const { jwt } = loadConfig({ JWT_JWKS_FILE: jwksFile({ keys: [ed, oct] }) });
    expect(jwt.keys[1]).toEqual({ algorithm: 'HS256', secret, status: 'standby' });
    expect(loadConfig({ JWT_JWKS_FILE: jwksFile({ keys: [oct] }) }).jwt).toMatchObject({
      algorithm: 'HS256',
      keys: [{ algorithm: 'HS256', status: 'active' }],
    });
  });

  it('JWT_ALGORITHM, when set, must be the first key’s algorithm; JWT_SECRET beside the file is refused', () => {
    const file = jwksFile({ keys: [ed, es] });
    expect(loadConfig({ JWT_JWKS_FILE: file, JWT_ALGORITHM: 'eddsa' }).jwt.algorithm).toBe('EdDSA');
    expect(refusal({ JWT_JWKS_FILE: file, JWT_ALGORITHM: 'ES256' })).toBe(
      'JWT_ALGORITHM=ES256 does not match the first key of JWT_JWKS_FILE (EdDSA), which signs; set JWT_ALGORITHM to its algorithm or leave it unset.',
    );
    expect(refusal({ JWT_JWKS_FILE: file, JWT_SECRET: 's'.repeat(32) })).toMatch(/^JWT_SECRET: is not used with JWT_JWKS_FILE/);
  });

  it('a malformed set: every problem listed, one a line, with its key; no key material quoted', () => {
    const weak = privateJwk('RS256', 'rs-weak', 1024);
    const file = jwksFile({
      keys: [
        publicJwk(ed), // the first key signs: it needs its private part
        { ...es, alg: 'PS256' },
        { ...es, alg: 'RS256', kid: 'es-as-rs' },
        { ...privateJwk('EdDSA', 'ed-2026'), use: 'enc' }, // a kid already used, and not a signing key
        weak,
        { kty: 'oct', alg: 'HS256', kid: 'short', k: randomBytes(16).toString('base64url') },
        { ...privateJwk('ES256', 'no-x'), x: undefined },
        'not a key',
        { ...es, kid: 'bad kid!' },
      ],
    });
    const message = refusal({ JWT_JWKS_FILE: file });
    expect(message.split('\n')).toEqual([
      `JWT_JWKS_FILE (${file}): 10 problems:`,
      '  - keys[0].d: is required: the first key signs, so it must be a private key',
      `  - keys[1].alg: is required: one of 'HS256', 'EdDSA', 'ES256', 'RS256' (got "PS256")`,
      `  - keys[2].kty: RS256 takes 'RSA' keys (got "EC")`,
      "  - keys[3].kid: 'ed-2026' is used by another key",
      '  - keys[3].use: must be "sig" when given (got "enc")',
      '  - keys[4].n: an RSA key of at least 2048 bits is required (got 1024)',
      '  - keys[5].k: must be a base64url secret of at least 32 bytes',
      '  - keys[6]: could not be read as a private EC JWK (a member is missing or malformed)',
      '  - keys[7]: must be a JSON object (a JWK)',
      '  - keys[8].kid: must be 1 to 64 letters, digits, or - . _ ~',
    ]);
    for (const jwk of [ed, es, weak]) expect(message).not.toContain(String(jwk.d));
  });

  it('an unreadable file, a file that is not JSON (its text not quoted) and JSON that is not a key set', () => {
    const missing = join(dir, 'missing.json');
    expect(refusal({ JWT_JWKS_FILE: missing })).toBe(`JWT_JWKS_FILE (${missing}): a problem:\n  - cannot be read (ENOENT)`);
    const broken = jwksFile(`{ "keys": [ { "kty": "OKP", "d": "${String(ed.d)}" ] }`);
    const message = refusal({ JWT_JWKS_FILE: broken });
    expect(message).toMatch(/^JWT_JWKS_FILE \(.*\): a problem:\n {2}- is not valid JSON/);
    expect(message).not.toContain(String(ed.d));
    for (const notASet of [{}, { keys: [] }, [ed], { keys: ed }]) {
      expect(refusal({ JWT_JWKS_FILE: jwksFile(notASet) })).toMatch(/- must be a JSON Web Key Set with at least one key/);
    }
  });
});

describe('the auth module options and PUBLIC_URL (jwt.publicUrl)', () => {
  const outbox = new DemoOutbox({ logger: { log: () => undefined } });
  const optionsFor = (env: Record<string, string>) => {
    const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', ...env });
    return authOptions(config, new DataSource(dataSourceOptions(config.databaseUrl)), outbox);
  };

  it('passes the key set as jwt.keys, and jwt.publicUrl = PUBLIC_URL (default http://localhost:PORT outside production)', () => {
    const file = jwksFile({ keys: [privateJwk('EdDSA', 'ed-1')] });
    const options = optionsFor({ JWT_JWKS_FILE: file, PORT: '3100' });
    expect(options.jwt).toEqual({
      keys: [expect.objectContaining({ kid: 'ed-1', algorithm: 'EdDSA', status: 'active' })],
      publicUrl: 'http://localhost:3100',
    });
    expect(optionsFor({ JWT_JWKS_FILE: file, PUBLIC_URL: 'https://demo.example.com/gk/' }).jwt?.publicUrl).toBe(
      'https://demo.example.com/gk',
    );
  });

  it('with NODE_ENV=production and no PUBLIC_URL, no jwt.publicUrl (the metadata document is not served), with a warning', () => {
    const env = { ...PRODUCTION, JWT_JWKS_FILE: jwksFile({ keys: [privateJwk('ES256', 'es-1')] }) };
    expect(optionsFor(env).jwt).not.toHaveProperty('publicUrl');
    expect(startupWarnings(loadConfig(env))).toContainEqual(
      expect.stringMatching(/^PUBLIC_URL is not set: GET \/\.well-known\/oauth-authorization-server is not served/),
    );
    // HS256 publishes nothing: no warning.
    expect(startupWarnings(loadConfig({ ...PRODUCTION, JWT_SECRET: 's'.repeat(32) })).some((w) => w.startsWith('PUBLIC_URL'))).toBe(false);
  });
});
