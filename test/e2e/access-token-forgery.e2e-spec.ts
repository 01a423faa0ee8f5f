import { createHash, createHmac, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { createTestApp, TEST_SECRET, type TestApp } from '../fixtures/create-test-app.js';

// ---------------------------------------------------------------------------------------------
// A tiny hand-rolled JWS toolkit (test code only): the attacker's view of a token.
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
type Signer = (input: string) => Buffer;

const b64url = (value: Json | string | Buffer): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString('base64url');

const decodePart = (part: string): Json => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Json;

function decode(token: string): { header: Json; payload: Json; signature: string } {
  const [h, p, s] = token.split('.');
  return { header: decodePart(h), payload: decodePart(p), signature: s };
}

/** `base64url(header).base64url(payload).base64url(signature)`; no signer means an empty signature. */
function forge(header: Json, payload: Json, signer?: Signer): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${signer ? b64url(signer(input)) : ''}`;
}

const hmac =
  (bits: 256 | 384 | 512, secret: string | Buffer): Signer =>
  (input) =>
    createHmac(`sha${bits}`, secret).update(input).digest();
const rs256 =
  (key: KeyObject): Signer =>
  (input) =>
    cryptoSign('sha256', Buffer.from(input), key);
const es256 =
  (key: KeyObject): Signer =>
  (input) =>
    cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
const eddsa =
  (key: KeyObject): Signer =>
  (input) =>
    cryptoSign(null, Buffer.from(input), key);

const ATTACKER_SECRET = 'attacker-secret-that-is-also-at-least-32-bytes!';
const ISS = 'nest-gatekeeper';
const AUD = 'nest-gatekeeper';

/** Claims the app would accept (given a valid signature) at the app clock's current time. */
function claims(t: TestApp, overrides: Json = {}): Json {
  const iat = Math.floor(t.clock.now() / 1000);
  return { sub: 'u-emily', sid: 'AAAAAAAAAAAAAAAAAAAAAA', roles: ['user'], iss: ISS, aud: AUD, iat, exp: iat + 900, ...overrides };
}

/** The claims of a real session (`/auth/me` also checks that the token's session is live). */
async function liveClaims(t: TestApp): Promise<Json> {
  const { accessToken } = await t.login();
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as { sid: string };
  return claims(t, { sid: payload.sid });
}

/**
 * The `kid` the app derives from an HS256 secret (docs/keys.md), computed here independently: the first
 * 22 base64url characters of SHA-256 over a fixed label and the secret. Forged tokens below carry the
 * real `kid`, so that each attack is refused for what it attacks, not for a missing or unknown `kid`.
 */
const HS256_KID = createHash('sha256').update('nest-gatekeeper jwt kid v1\0').update(TEST_SECRET).digest('base64url').slice(0, 22);

/** The `kid` the app derives from a public key: its RFC 7638 thumbprint, computed here independently. */
function thumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  const required = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] }[jwk.kty] as string[];
  return createHash('sha256')
    .update(`{${required.map((name) => `"${name}":"${jwk[name]}"`).join(',')}}`)
    .digest('base64url');
}

const HS256_HEADER = { alg: 'HS256', typ: 'at+jwt', kid: HS256_KID };

const INVALID_TOKEN_BODY = {
  type: 'about:blank',
  title: 'Unauthorized',
  status: 401,
  detail: 'Invalid or expired access token.',
  code: 'ACCESS_TOKEN_INVALID',
};

/** The token is refused on a host route and on the module's own `/auth/me`. */
async function expectInvalidToken(t: TestApp, token: string, scheme = 'Bearer'): Promise<void> {
  for (const path of ['/protected', '/auth/me']) {
    const res = await t.http.get(path).set('Authorization', `${scheme} ${token}`);
    expect({ path, status: res.status }).toEqual({ path, status: 401 });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(res.body).toEqual(INVALID_TOKEN_BODY);
  }
}

/** The token is accepted on a host route and on `/auth/me`. */
async function expectAccepted(t: TestApp, token: string, userId = 'u-emily'): Promise<void> {
  const res = await t.http.get('/protected').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ userId });
  const me = await t.http.get('/auth/me').set('Authorization', `Bearer ${token}`);
  expect(me.status).toBe(200);
  expect(me.body.id).toBe(userId);
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The token with the spare bits of its signature's last character set (RFC 4648 §3.5): the same
 * signature bytes spelled another way (for HS256, a final `A` becomes `B`). Asserts both decode alike.
 */
function withSpareBitsSet(token: string): string {
  const dot = token.lastIndexOf('.');
  const signature = token.slice(dot + 1);
  const spare = { 2: 0x0f, 3: 0x03 }[signature.length % 4];
  if (spare === undefined) throw new Error(`a ${signature.length}-character signature has no spare bits`);
  const last = BASE64URL_ALPHABET.indexOf(signature.slice(-1));
  expect(last & spare).toBe(0); // the issued spelling is canonical
  const respelled = `${signature.slice(0, -1)}${BASE64URL_ALPHABET[last | spare]}`;
  expect(respelled).not.toBe(signature);
  expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
  return `${token.slice(0, dot + 1)}${respelled}`;
}

/**
 * Token malleability: a non-canonical spelling of a real token's signature is refused (before and
 * after the real token is cached), and the real token keeps working.
 */
async function expectRespelledSignatureRefused(t: TestApp, accessToken: string): Promise<void> {
  const respelled = withSpareBitsSet(accessToken);
  await expectInvalidToken(t, respelled);
  await expectAccepted(t, accessToken);
  await expectInvalidToken(t, respelled);
}

/** Asserts the shape of a token issued by the app. */
function expectIssuedShape(token: string, alg: string, kid: string): Json {
  const { header, payload } = decode(token);
  expect(header).toEqual({ alg, typ: 'at+jwt', kid });
  // The contract's claims; an extra `jti` (unique token id) is allowed.
  const { jti, ...contractClaims } = payload;
  if (jti !== undefined) expect(jti).toEqual(expect.any(String));
  expect(contractClaims).toEqual({
    sub: 'u-emily',
    sid: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    iat: expect.any(Number),
    exp: (payload.iat as number) + 900,
    iss: ISS,
    aud: AUD,
    roles: ['user'],
  });
  return payload;
}

// ---------------------------------------------------------------------------------------------
// HS256 (the default)
// ---------------------------------------------------------------------------------------------

describe('access-token forgery: HS256 app', () => {
  const KID = HS256_KID;
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('positive controls', () => {
    it('accepts a token issued at login, with header { alg: HS256, typ: at+jwt, kid } and the contract claims', async () => {
      const { accessToken } = await t.login();
      expectIssuedShape(accessToken, 'HS256', HS256_KID);
      const [h, p, s] = accessToken.split('.');
      expect(s).toBe(b64url(hmac(256, TEST_SECRET)(`${h}.${p}`)));
      await expectAccepted(t, accessToken);
    });

    it('accepts a hand-crafted token signed with the right secret (proves the forging helper)', async () => {
      const { accessToken } = await t.login();
      const sid = decode(accessToken).payload.sid;
      await expectAccepted(t, forge(HS256_HEADER, claims(t, { sid }), hmac(256, TEST_SECRET)));
    });

    it('accepts a case-insensitive "bearer" scheme', async () => {
      const { accessToken } = await t.login();
      await t.http.get('/protected').set('Authorization', `bearer ${accessToken}`).expect(200);
    });
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('alg: %s (unsigned, empty signature)', async (alg) => {
    await expectInvalidToken(t, forge({ alg, typ: 'at+jwt', kid: KID }, claims(t)));
  });

  it('alg: none without the trailing dot', async () => {
    const token = forge({ alg: 'none', typ: 'at+jwt', kid: KID }, claims(t));
    await expectInvalidToken(t, token.slice(0, -1));
  });

  it('alg: none carrying the HS256 signature of a real token', async () => {
    const { accessToken } = await t.login();
    const { payload, signature } = decode(accessToken);
    const token = `${b64url({ alg: 'none', typ: 'at+jwt', kid: KID })}.${b64url(payload)}.${signature}`;
    await expectInvalidToken(t, token);
  });

  it('tampered payload (sub changed, signature kept)', async () => {
    const { accessToken } = await t.login();
    const [h, p, s] = accessToken.split('.');
    const payload = decodePart(p);
    const tampered = `${h}.${b64url({ ...payload, sub: 'u-admin', roles: ['admin', 'user'] })}.${s}`;
    await expectInvalidToken(t, tampered);
    const admin = await t.http.get('/admin').set('Authorization', `Bearer ${tampered}`);
    expect(admin.status).toBe(401);
    // The untouched original still works: only the tampering is refused.
    await expectAccepted(t, accessToken);
  });

  it('non-canonical base64url signature: spare bits set (same bytes, another spelling; token malleability)', async () => {
    const { accessToken } = await t.login();
    expect(accessToken.split('.')[2]).toHaveLength(43); // 32 bytes: 2 spare bits in the last character
    await expectRespelledSignatureRefused(t, accessToken);
  });

  it.each([
    ['with = padding', (s: string) => `${s}=`],
    ['in padded standard base64', (s: string) => Buffer.from(s, 'base64url').toString('base64')],
    ['with a + or / (standard base64 alphabet)', (s: string) => `${s.slice(0, -2)}+/`],
    ['with a space inside', (s: string) => `${s.slice(0, 20)} ${s.slice(20)}`],
    ['one character short of whole bytes (length 4n+1)', (s: string) => `${s}AA`],
  ])('non-canonical base64url signature: %s', async (_label, respell) => {
    const { accessToken } = await t.login();
    const [h, p, s] = accessToken.split('.');
    await expectInvalidToken(t, `${h}.${p}.${respell(s)}`);
  });

  it('tampered header (typ rewritten, signature kept)', async () => {
    const { accessToken } = await t.login();
    const [, p, s] = accessToken.split('.');
    await expectInvalidToken(t, `${b64url({ typ: 'at+jwt', alg: 'HS256', kid: KID })}.${p}.${s}`);
  });

  it('token signed with another secret', async () => {
    await expectInvalidToken(t, forge(HS256_HEADER, claims(t), hmac(256, ATTACKER_SECRET)));
  });

  it('token signed with an empty secret', async () => {
    await expectInvalidToken(t, forge(HS256_HEADER, claims(t), hmac(256, '')));
  });

  it('unconfigured algorithm: HS512 with the right secret', async () => {
    await expectInvalidToken(t, forge({ alg: 'HS512', typ: 'at+jwt', kid: KID }, claims(t), hmac(512, TEST_SECRET)));
  });

  it('unconfigured algorithm: HS384 with the right secret', async () => {
    await expectInvalidToken(t, forge({ alg: 'HS384', typ: 'at+jwt', kid: KID }, claims(t), hmac(384, TEST_SECRET)));
  });

  it('unconfigured algorithm: RS256 token when HS256 is configured', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectInvalidToken(t, forge({ alg: 'RS256', typ: 'at+jwt', kid: KID }, claims(t), rs256(attacker.privateKey)));
  });

  it('unconfigured algorithm: HS256 signature labelled RS256', async () => {
    await expectInvalidToken(t, forge({ alg: 'RS256', typ: 'at+jwt', kid: KID }, claims(t), hmac(256, TEST_SECRET)));
  });

  it('expired token (app clock advanced past 15 min)', async () => {
    const { accessToken } = await t.login();
    try {
      t.clock.advanceSeconds(899);
      await expectAccepted(t, accessToken); // control: still valid one second before exp
      t.clock.advanceSeconds(1);
      await expectInvalidToken(t, accessToken); // exp reached
      t.clock.advanceSeconds(60);
      await expectInvalidToken(t, accessToken);
    } finally {
      t.clock.advanceSeconds(-960);
    }
  });

  it('hand-crafted expired token (exp in the past, right secret)', async () => {
    const iat = Math.floor(t.clock.now() / 1000) - 3600;
    await expectInvalidToken(t, forge(HS256_HEADER, claims(t, { iat, exp: iat + 900 }), hmac(256, TEST_SECRET)));
  });

  it('token without exp', async () => {
    const { exp: _exp, ...noExp } = claims(t);
    await expectInvalidToken(t, forge(HS256_HEADER, noExp, hmac(256, TEST_SECRET)));
  });

  it.each([
    ['a string', 'never'],
    ['null', null],
    ['a numeric string', String(Math.floor(Date.now() / 1000) + 900)],
  ])('token with exp as %s', async (_label, exp) => {
    await expectInvalidToken(t, forge(HS256_HEADER, claims(t, { exp }), hmac(256, TEST_SECRET)));
  });

  it('token not yet valid (nbf in the future, right secret)', async () => {
    const nbf = Math.floor(t.clock.now() / 1000) + 600;
    await expectInvalidToken(t, forge(HS256_HEADER, claims(t, { nbf }), hmac(256, TEST_SECRET)));
  });

  it.each(['JWT', 'jwt', 'at+jw', 'refresh+jwt', 'mfa+jwt'])('wrong typ (%s)', async (typ) => {
    await expectInvalidToken(t, forge({ alg: 'HS256', typ, kid: KID }, claims(t), hmac(256, TEST_SECRET)));
  });

  it('missing typ', async () => {
    await expectInvalidToken(t, forge({ alg: 'HS256', kid: KID }, claims(t), hmac(256, TEST_SECRET)));
  });

  it('wrong iss', async () => {
    await expectInvalidToken(t, forge(HS256_HEADER, claims(t, { iss: 'https://evil.example' }), hmac(256, TEST_SECRET)));
  });

  it('missing iss', async () => {
    const { iss: _iss, ...noIss } = claims(t);
    await expectInvalidToken(t, forge(HS256_HEADER, noIss, hmac(256, TEST_SECRET)));
  });

  it('wrong aud', async () => {
    await expectInvalidToken(t, forge(HS256_HEADER, claims(t, { aud: 'another-api' }), hmac(256, TEST_SECRET)));
  });

  it('wrong aud (array without ours)', async () => {
    await expectInvalidToken(t, forge(HS256_HEADER, claims(t, { aud: ['another-api', 'x'] }), hmac(256, TEST_SECRET)));
  });

  it('missing aud', async () => {
    const { aud: _aud, ...noAud } = claims(t);
    await expectInvalidToken(t, forge(HS256_HEADER, noAud, hmac(256, TEST_SECRET)));
  });

  it('missing sid', async () => {
    const { sid: _sid, ...noSid } = claims(t);
    await expectInvalidToken(t, forge(HS256_HEADER, noSid, hmac(256, TEST_SECRET)));
  });

  it('missing sub', async () => {
    const { sub: _sub, ...noSub } = claims(t);
    await expectInvalidToken(t, forge(HS256_HEADER, noSub, hmac(256, TEST_SECRET)));
  });

  it('kid header pointing elsewhere on a forged token (an unknown kid: refused, never a lookup or a fallback)', async () => {
    // Classic kid tricks: path traversal to an empty file (empty HMAC key), SQL injection returning a
    // known key. A kid only ever names one of the configured keys; these name none, so each is refused.
    await expectInvalidToken(t, forge({ ...HS256_HEADER, kid: '../../../../dev/null' }, claims(t), hmac(256, '')));
    await expectInvalidToken(t, forge({ ...HS256_HEADER, kid: "x' UNION SELECT 'attacker" }, claims(t), hmac(256, 'attacker')));
    await expectInvalidToken(t, forge({ ...HS256_HEADER, kid: 'attacker-key' }, claims(t), hmac(256, ATTACKER_SECRET)));
    // Signed with the right secret, an unknown kid is still refused (no fallback to the configured key).
    await expectInvalidToken(t, forge({ ...HS256_HEADER, kid: 'attacker-key' }, claims(t), hmac(256, TEST_SECRET)));
    await expectInvalidToken(t, forge({ ...HS256_HEADER, kid: '__proto__' }, claims(t), hmac(256, TEST_SECRET)));
  });

  it('token without kid, signed with the right secret (every access token carries kid)', async () => {
    const { kid: _kid, ...noKid } = HS256_HEADER;
    await expectInvalidToken(t, forge(noKid, claims(t), hmac(256, TEST_SECRET)));
  });

  it('jku header pointing elsewhere on a forged token (not fetched, not used)', async () => {
    await expectInvalidToken(
      t,
      forge({ ...HS256_HEADER, jku: 'https://attacker.example/jwks.json', kid: 'a' }, claims(t), hmac(256, ATTACKER_SECRET)),
    );
    await expectInvalidToken(
      t,
      forge({ ...HS256_HEADER, jku: 'https://attacker.example/jwks.json' }, claims(t), hmac(256, ATTACKER_SECRET)),
    );
  });

  it('jwk header embedding the attacker key on a forged token (not used)', async () => {
    const jwk = { kty: 'oct', k: b64url(Buffer.from(ATTACKER_SECRET)) };
    await expectInvalidToken(t, forge({ ...HS256_HEADER, jwk }, claims(t), hmac(256, ATTACKER_SECRET)));
    const x5u = 'https://attacker.example/cert.pem';
    await expectInvalidToken(t, forge({ ...HS256_HEADER, x5u }, claims(t), hmac(256, ATTACKER_SECRET)));
  });

  it('refresh token used as an access token (from a real login)', async () => {
    const { refreshToken, accessToken } = await t.login();
    expect(typeof refreshToken).toBe('string');
    await expectInvalidToken(t, refreshToken);
    await expectAccepted(t, accessToken);
  });

  it.each([
    ['a word', 'garbage'],
    ['three dots', '...'],
    ['two dots', '..'],
    ['dotted letters', 'a.b.c'],
    ['a lone base64url header', 'eyJhbGciOiJIUzI1NiJ9'],
    ['four segments', 'eyJhbGciOiJIUzI1NiJ9.e30.e30.e30'],
    ['non-JSON segments', `${b64url('not json')}.${b64url('nope')}.${b64url('sig')}`],
    ['a JSON array payload', `${b64url(HS256_HEADER)}.${b64url('[1,2,3]')}.abc`],
    ['characters outside the token68 set', 'abc!def$ghi'],
    ['a quoted token', '"abc.def.ghi"'],
    ['a very long token', 'a'.repeat(8000)],
    ['padding in the middle', 'ab=cd'],
  ])('garbage string: %s', async (_label, token) => {
    await expectInvalidToken(t, token);
  });

  it('garbage string: a "Bearer" scheme with no token', async () => {
    for (const path of ['/protected', '/auth/me']) {
      const res = await t.http.get(path).set('Authorization', 'Bearer');
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(res.body).toEqual(INVALID_TOKEN_BODY);
    }
  });

  it('a Basic scheme header → 401 UNAUTHENTICATED with WWW-Authenticate: Bearer (no error param)', async () => {
    for (const path of ['/protected', '/auth/me']) {
      const res = await t.http.get(path).set('Authorization', `Basic ${Buffer.from('emilys:emilyspass').toString('base64')}`);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  it('no Authorization header → 401 UNAUTHENTICATED', async () => {
    for (const path of ['/protected', '/auth/me']) {
      const res = await t.http.get(path);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toEqual({
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        detail: 'Authentication is required.',
        code: 'UNAUTHENTICATED',
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// RS256: key confusion and embedded keys
// ---------------------------------------------------------------------------------------------

describe('access-token forgery: RS256 app', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const KID = thumbprint(pair.publicKey);
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ options: { jwt: { algorithm: 'RS256', privateKey: privatePem, publicKey: publicPem } } });
  });
  afterAll(() => t.close());

  it('positive control: a login token works, header { alg: RS256, typ: at+jwt, kid }, verifiable with the public key', async () => {
    const { accessToken } = await t.login();
    expectIssuedShape(accessToken, 'RS256', KID);
    const [h, p, s] = accessToken.split('.');
    expect(cryptoVerify('sha256', Buffer.from(`${h}.${p}`), pair.publicKey, Buffer.from(s, 'base64url'))).toBe(true);
    await expectAccepted(t, accessToken);
  });

  it('positive control: a hand-crafted token signed with the private key is accepted', async () => {
    await expectAccepted(t, forge({ alg: 'RS256', typ: 'at+jwt', kid: KID }, await liveClaims(t), rs256(pair.privateKey)));
  });

  it.each([
    ['the PEM as configured', () => publicPem],
    ['the PEM without its trailing newline', () => publicPem.trimEnd()],
    ['the DER (spki) bytes', () => pair.publicKey.export({ format: 'der', type: 'spki' })],
    ['the PKCS#1 PEM', () => pair.publicKey.export({ format: 'pem', type: 'pkcs1' })],
  ])('RS256→HS256 key confusion: HS256 signed with the PUBLIC key (%s) as HMAC secret', async (_label, secret) => {
    await expectInvalidToken(t, forge({ alg: 'HS256', typ: 'at+jwt', kid: KID }, claims(t), hmac(256, secret())));
  });

  it('RS256→HS512 key confusion with the public PEM', async () => {
    await expectInvalidToken(t, forge({ alg: 'HS512', typ: 'at+jwt', kid: KID }, claims(t), hmac(512, publicPem)));
  });

  it.each(['none', 'None'])('alg: %s (unsigned, empty signature)', async (alg) => {
    await expectInvalidToken(t, forge({ alg, typ: 'at+jwt', kid: KID }, claims(t)));
  });

  it('non-canonical base64url signature: spare bits set (same bytes, another spelling; token malleability)', async () => {
    const { accessToken } = await t.login();
    expect(accessToken.split('.')[2]).toHaveLength(342); // 256 bytes: 4 spare bits in the last character
    await expectRespelledSignatureRefused(t, accessToken);
  });

  it('token signed with another RSA key', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectInvalidToken(t, forge({ alg: 'RS256', typ: 'at+jwt', kid: KID }, claims(t), rs256(attacker.privateKey)));
  });

  it('unconfigured algorithm: PS256 with the right private key', async () => {
    const ps256: Signer = (input) =>
      cryptoSign('sha256', Buffer.from(input), { key: pair.privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 });
    await expectInvalidToken(t, forge({ alg: 'PS256', typ: 'at+jwt', kid: KID }, claims(t), ps256));
  });

  it('jwk header embedding the attacker public key on a forged token (not used)', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    await expectInvalidToken(t, forge({ alg: 'RS256', typ: 'at+jwt', kid: KID, jwk }, claims(t), rs256(attacker.privateKey)));
  });

  it('jku / x5u headers pointing elsewhere on a forged token, with an unknown or the configured kid (not used)', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const header = {
      alg: 'RS256',
      typ: 'at+jwt',
      kid: 'attacker-key',
      jku: 'https://attacker.example/.well-known/jwks.json',
      x5u: 'https://attacker.example/cert.pem',
    };
    await expectInvalidToken(t, forge(header, claims(t), rs256(attacker.privateKey)));
    await expectInvalidToken(t, forge({ ...header, kid: KID }, claims(t), rs256(attacker.privateKey)));
  });

  it('token without kid, signed with the right private key (every access token carries kid)', async () => {
    await expectInvalidToken(t, forge({ alg: 'RS256', typ: 'at+jwt' }, claims(t), rs256(pair.privateKey)));
  });

  it('tampered payload (sub changed, signature kept)', async () => {
    const { accessToken } = await t.login();
    const [h, p, s] = accessToken.split('.');
    await expectInvalidToken(t, `${h}.${b64url({ ...decodePart(p), sub: 'u-admin' })}.${s}`);
  });
});

// ---------------------------------------------------------------------------------------------
// ES256 and EdDSA
// ---------------------------------------------------------------------------------------------

describe.each([
  {
    alg: 'ES256' as const,
    pair: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    signer: es256,
    verifyOptions: { dsaEncoding: 'ieee-p1363' as const },
    digest: 'sha256',
  },
  {
    alg: 'EdDSA' as const,
    pair: () => generateKeyPairSync('ed25519'),
    signer: eddsa,
    verifyOptions: {},
    digest: null,
  },
])('access-token forgery: $alg app', ({ alg, pair: makePair, signer, verifyOptions, digest }) => {
  const pair = makePair();
  const KID = thumbprint(pair.publicKey);
  let t: TestApp;
  beforeAll(async () => {
    // KeyObjects this time (RS256 above uses PEM strings).
    t = await createTestApp({ options: { jwt: { algorithm: alg, privateKey: pair.privateKey, publicKey: pair.publicKey } } });
  });
  afterAll(() => t.close());

  it(`positive control: a login token works, header { alg: ${alg}, typ: at+jwt, kid }, verifiable with the public key`, async () => {
    const { accessToken } = await t.login();
    expectIssuedShape(accessToken, alg, KID);
    const [h, p, s] = accessToken.split('.');
    expect(cryptoVerify(digest, Buffer.from(`${h}.${p}`), { key: pair.publicKey, ...verifyOptions }, Buffer.from(s, 'base64url'))).toBe(
      true,
    );
    await expectAccepted(t, accessToken);
  });

  it('positive control: a hand-crafted token signed with the private key is accepted', async () => {
    await expectAccepted(t, forge({ alg, typ: 'at+jwt', kid: KID }, await liveClaims(t), signer(pair.privateKey)));
  });

  it('non-canonical base64url signature: spare bits set (same bytes, another spelling; token malleability)', async () => {
    const { accessToken } = await t.login();
    expect(accessToken.split('.')[2]).toHaveLength(86); // 64 bytes: 4 spare bits in the last character
    await expectRespelledSignatureRefused(t, accessToken);
  });

  it('token signed with another key pair of the same type', async () => {
    const attacker = makePair();
    await expectInvalidToken(t, forge({ alg, typ: 'at+jwt', kid: KID }, claims(t), signer(attacker.privateKey)));
  });

  it('key confusion: HS256 signed with the PUBLIC key PEM as HMAC secret', async () => {
    const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    await expectInvalidToken(t, forge({ alg: 'HS256', typ: 'at+jwt', kid: KID }, claims(t), hmac(256, pem)));
  });

  it('alg: none (unsigned, empty signature)', async () => {
    await expectInvalidToken(t, forge({ alg: 'none', typ: 'at+jwt', kid: KID }, claims(t)));
  });

  it('wrong typ (JWT) with the right private key', async () => {
    await expectInvalidToken(t, forge({ alg, typ: 'JWT', kid: KID }, claims(t), signer(pair.privateKey)));
  });

  it('tampered payload (sub changed, signature kept)', async () => {
    const { accessToken } = await t.login();
    const [h, p, s] = accessToken.split('.');
    await expectInvalidToken(t, `${h}.${b64url({ ...decodePart(p), sub: 'u-admin' })}.${s}`);
  });
});
