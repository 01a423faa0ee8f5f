import { createPrivateKey, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { startSampleApp, type SampleApp } from '../fixtures/sample-app.js';
import { buildSampleApp, postJson, runSampleUntilExit, startSampleProcess, type SampleProcess } from '../fixtures/sample-process.js';
import { createPgDatabase, type TestDatabase } from '../fixtures/services.js';

/**
 * The sample app's signing keys (CONTRACT §7, §9): each JWT_ALGORITHM signs with its own key and, when
 * asymmetric, publishes it at /.well-known/jwks.json (public members only); JWT_JWKS_FILE's first key
 * signs and every key verifies, on every process started with the same file (two issuers on one
 * PostgreSQL database accept each other's tokens); production refuses a generated key pair, and a
 * malformed file stops the start with every problem listed.
 */

/** Members of a JWK that are private (RFC 7518 §6); none may be published. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

const EMILY = { username: 'emilys', password: 'emilyspass' };

/** The protected header and the claims of a JWT, unverified. */
function decode(token: string): { header: Record<string, unknown>; payload: JWTPayload } {
  const [header, payload] = token.split('.') as [string, string];
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: json(header), payload: json(payload) };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A private JWK of `algorithm` with `kid`, as an operator would put it in JWT_JWKS_FILE. */
function privateJwk(algorithm: 'EdDSA' | 'ES256' | 'RS256', kid: string): JsonWebKey {
  const { privateKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: algorithm, use: 'sig' };
}

/** The same claims, signed by `jwk` (its own algorithm) under the header `kid` (the key's own unless given). */
function resign(payload: JWTPayload, jwk: JsonWebKey, kid = String(jwk.kid)): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: String(jwk.alg), typ: 'at+jwt', kid })
    .sign(createPrivateKey({ key: jwk, format: 'jwk' }));
}

describe.each(['HS256', 'EdDSA', 'ES256', 'RS256'] as const)('JWT_ALGORITHM=%s (the sample app in process)', (algorithm) => {
  let sample: SampleApp;
  beforeAll(async () => {
    // The test settings carry a JWT_SECRET, which only HS256 uses (the others refuse it).
    sample = await startSampleApp({ JWT_ALGORITHM: algorithm, ...(algorithm === 'HS256' ? {} : { JWT_SECRET: '' }) });
  });
  afterAll(() => sample.close());

  it('signs access tokens with it, under the kid of its key; /protected accepts them', async () => {
    const login = await postJson(`${sample.base}/auth/login`, EMILY);
    expect(login.status).toBe(200);
    const token = String(login.body.accessToken);
    const { header } = decode(token);
    expect(header).toEqual({ alg: algorithm, typ: 'at+jwt', kid: expect.stringMatching(/^[A-Za-z0-9_-]{22,43}$/) });
    const res = await fetch(`${sample.base}/protected`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: expect.any(String) });
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.alloc(algorithm === 'RS256' ? 256 : 64).toString('base64url')}`;
    expect((await fetch(`${sample.base}/protected`, { headers: bearer(forged) })).status).toBe(401);
  });

  if (algorithm === 'HS256') {
    it('publishes nothing: /.well-known/jwks.json and the metadata answer 404', async () => {
      expect((await fetch(`${sample.base}/.well-known/jwks.json`)).status).toBe(404);
      expect((await fetch(`${sample.base}/.well-known/oauth-authorization-server`)).status).toBe(404);
    });
    return;
  }

  it('publishes its public key at /.well-known/jwks.json (kid, alg, use sig, no private member, cacheable), which verifies the tokens', async () => {
    const res = await fetch(`${sample.base}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const jwks = (await res.json()) as { keys: Record<string, unknown>[] };
    const login = await postJson(`${sample.base}/auth/login`, EMILY);
    const token = String(login.body.accessToken);
    expect(jwks.keys).toEqual([
      expect.objectContaining({
        kid: decode(token).header.kid,
        alg: algorithm,
        use: 'sig',
        kty: { EdDSA: 'OKP', ES256: 'EC', RS256: 'RSA' }[algorithm],
      }),
    ]);
    for (const member of PRIVATE_MEMBERS) expect(jwks.keys[0]).not.toHaveProperty(member);
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never), {
      algorithms: [algorithm],
      issuer: 'nest-gatekeeper',
      audience: 'nest-gatekeeper',
    });
    expect(payload.sub).toEqual(expect.any(String));
  });

  it('serves the authorization server metadata with URLs from PUBLIC_URL (default http://localhost:PORT)', async () => {
    const res = await fetch(`${sample.base}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      issuer: 'nest-gatekeeper',
      jwks_uri: `${sample.config.publicUrl}/.well-known/jwks.json`,
      token_endpoint: `${sample.config.publicUrl}/auth/token`,
      grant_types_supported: ['password', 'refresh_token'],
    });
  });
});

describe('moving from JWT_SECRET to JWT_JWKS_FILE (in process)', () => {
  it('the secret, put in the file after the new key without a kid, keeps accepting the tokens it signed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gk-sample-jwks-'));
    const secret = randomBytes(32).toString('base64url');
    const before = await startSampleApp({ JWT_SECRET: secret });
    let after: SampleApp | undefined;
    try {
      const old = String((await postJson(`${before.base}/auth/login`, EMILY)).body.accessToken);
      const file = join(dir, 'jwks.json');
      const oct = { kty: 'oct', alg: 'HS256', k: Buffer.from(secret).toString('base64url') };
      writeFileSync(file, JSON.stringify({ keys: [privateJwk('EdDSA', 'ed-new'), oct] }));
      after = await startSampleApp({ JWT_SECRET: '', JWT_JWKS_FILE: file });
      expect((await fetch(`${after.base}/protected`, { headers: bearer(old) })).status).toBe(200);
      const fresh = String((await postJson(`${after.base}/auth/login`, EMILY)).body.accessToken);
      expect(decode(fresh).header).toMatchObject({ alg: 'EdDSA', kid: 'ed-new' });
      // The secret is never published.
      const jwks = (await (await fetch(`${after.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual(['ed-new']);
    } finally {
      await before.close();
      await after?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JWT_JWKS_FILE: two compiled sample-app processes (issuers A and B) on one PostgreSQL database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gk-sample-jwks-'));
  const first = privateJwk('EdDSA', 'sample-ed-2');
  const second = privateJwk('ES256', 'sample-es-1');
  const file = join(dir, 'jwks.json');
  writeFileSync(file, JSON.stringify({ keys: [first, second] }));
  let db: TestDatabase | undefined;
  let a: SampleProcess;
  let b: SampleProcess;
  const started: SampleProcess[] = [];

  beforeAll(async () => {
    buildSampleApp();
    db = await createPgDatabase('sample_keys');
    const env = {
      NODE_ENV: 'production', // a key file is what production needs: no JWT_SECRET
      SEED_DEMO_USERS: 'on',
      DATABASE_URL: db.url,
      JWT_JWKS_FILE: file,
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    };
    // One after the other: the second finds the tables migrated and the demo users seeded.
    a = await startSampleProcess({ ...env, PUBLIC_URL: 'https://a.example.test' });
    started.push(a);
    b = await startSampleProcess({ ...env, PUBLIC_URL: 'https://b.example.test' });
    started.push(b);
  }, 300_000);
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('the first key signs; both keys are published, in the file’s order, without private members', async () => {
    const login = await postJson(`${a.base}/auth/login`, EMILY);
    expect(login.status).toBe(200);
    expect(decode(String(login.body.accessToken)).header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: 'sample-ed-2' });
    for (const app of [a, b]) {
      const jwks = (await (await fetch(`${app.base}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
      expect(jwks.keys.map(({ kid, alg, use }) => ({ kid, alg, use }))).toEqual([
        { kid: 'sample-ed-2', alg: 'EdDSA', use: 'sig' },
        { kid: 'sample-es-1', alg: 'ES256', use: 'sig' },
      ]);
      for (const key of jwks.keys) for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
    const metadata = (await (await fetch(`${b.base}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(metadata.jwks_uri).toBe('https://b.example.test/.well-known/jwks.json');
  });

  it('a token issued by A is accepted by B (and the other way round); B refreshes A’s session', async () => {
    for (const [issuer, verifier] of [
      [a, b],
      [b, a],
    ] as const) {
      const login = await postJson(`${issuer.base}/auth/login`, EMILY);
      expect(login.status).toBe(200);
      const headers = bearer(String(login.body.accessToken));
      expect((await fetch(`${verifier.base}/protected`, { headers })).status).toBe(200);
      const me = await fetch(`${verifier.base}/auth/me`, { headers });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { username: string }).username).toBe('emilys');
      const refreshed = await postJson(`${verifier.base}/auth/refresh`, { refreshToken: login.body.refreshToken });
      expect(refreshed.status).toBe(200);
      expect(decode(String(refreshed.body.accessToken)).header.kid).toBe('sample-ed-2');
    }
  });

  it('a token signed by the second key (ES256) is accepted by both; signed by it under the first key’s kid, refused', async () => {
    const login = await postJson(`${a.base}/auth/login`, EMILY);
    const { payload } = decode(String(login.body.accessToken));
    const bySecond = await resign(payload, second);
    const underWrongKid = await resign(payload, second, 'sample-ed-2');
    for (const app of [a, b]) {
      expect((await fetch(`${app.base}/protected`, { headers: bearer(bySecond) })).status).toBe(200);
      expect((await fetch(`${app.base}/protected`, { headers: bearer(underWrongKid) })).status).toBe(401);
    }
  });
});

describe('start-up refusals (compiled sample app, own process)', () => {
  beforeAll(() => buildSampleApp(), 300_000);

  it('NODE_ENV=production with JWT_ALGORITHM=EdDSA and no key file: exits without listening, naming JWT_JWKS_FILE', async () => {
    const { code, output } = await runSampleUntilExit({
      NODE_ENV: 'production',
      DATABASE_URL: 'sqlite::memory:',
      JWT_ALGORITHM: 'EdDSA',
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    });
    expect(code).not.toBe(0);
    expect(output).toContain('Refusing to start with NODE_ENV=production');
    expect(output).toContain('JWT_JWKS_FILE: is required with NODE_ENV=production and JWT_ALGORITHM=EdDSA');
    expect(output).not.toMatch(/Listening on/);
  }, 90_000);

  it('a malformed JWT_JWKS_FILE: exits without listening, listing every problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gk-sample-jwks-'));
    try {
      const file = join(dir, 'jwks.json');
      const ed = privateJwk('EdDSA', 'ed-1');
      writeFileSync(
        file,
        JSON.stringify({
          keys: [
            { ...ed, d: undefined },
            { ...ed, alg: 'ES256', kid: 'ed-2' },
          ],
        }),
      );
      const { code, output } = await runSampleUntilExit({ DATABASE_URL: 'sqlite::memory:', JWT_JWKS_FILE: file });
      expect(code).not.toBe(0);
      expect(output).toContain(`JWT_JWKS_FILE (${file}): 2 problems:`);
      expect(output).toContain('- keys[0].d: is required: the first key signs, so it must be a private key');
      expect(output).toContain(`- keys[1].kty: ES256 takes 'EC' keys (got "OKP")`);
      expect(output).not.toContain(String(ed.d));
      expect(output).not.toMatch(/Listening on/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
