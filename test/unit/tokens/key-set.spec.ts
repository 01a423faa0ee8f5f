import { createHmac, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { MemoryUserStore, type JwtKeyOptions, type ResolvedAuthOptions } from '../../../lib/index.js';
import { resolveAuthOptions } from '../../../lib/options/resolve-options.js';
import { AccessTokenService } from '../../../lib/tokens/access-token.service.js';
import { headerKid } from '../../../lib/tokens/jwt-key-set.js';
import { MfaTokenService } from '../../../lib/tokens/mfa-token.service.js';
import { TestClock } from '../../fixtures/test-clock.js';
import { JwtKeyRing } from '../../../lib/tokens/jwt-key-ring.js';

/**
 * Key sets seen by an attacker: a token is verified with the configured key its `kid` names, with
 * that key's own algorithm, and nothing else.
 */

const SECRET = 'unit-test-secret-that-is-32-bytes-or-more';
const OTHER_SECRET = 'another-unit-test-secret-of-32-bytes-or-more';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const subject = { userId: 'u1', sessionId: 's'.repeat(22), roles: ['user'] };

type Json = Record<string, unknown>;
const b64url = (value: Json | Buffer): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');
const decode = (token: string, part: 0 | 1): Json => JSON.parse(Buffer.from(token.split('.')[part], 'base64url').toString('utf8')) as Json;

const SIGNERS = {
  HS256: (key: KeyObject | string | Buffer) => (input: string) => createHmac('sha256', key).update(input).digest(),
  RS256: (key: KeyObject) => (input: string) => cryptoSign('sha256', Buffer.from(input), key),
  ES256: (key: KeyObject) => (input: string) => cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }),
  EdDSA: (key: KeyObject) => (input: string) => cryptoSign(null, Buffer.from(input), key),
};

function forge(header: Json, payload: Json, sign: (input: string) => Buffer): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${b64url(sign(input))}`;
}

function options(keys: JwtKeyOptions[]): ResolvedAuthOptions {
  return resolveAuthOptions({ jwt: { keys }, userStore: new MemoryUserStore() });
}

function services(keys: JwtKeyOptions[], clock = new TestClock()): { access: AccessTokenService; mfa: MfaTokenService; clock: TestClock } {
  const resolved = options(keys);
  return {
    access: new AccessTokenService(resolved, clock, JwtKeyRing.fixed(resolved, clock)),
    mfa: new MfaTokenService(resolved, clock, JwtKeyRing.fixed(resolved, clock)),
    clock,
  };
}

/** Claims an access token of this test would carry, at the clock's time. */
function claims(clock: TestClock, extra: Json = {}): Json {
  const iat = Math.floor(clock.now() / 1000);
  return { sub: 'u1', sid: 's'.repeat(22), roles: ['user'], iss: 'nest-gatekeeper', aud: 'nest-gatekeeper', iat, exp: iat + 900, ...extra };
}

const refused = (access: AccessTokenService, token: string): void => {
  expect(() => access.verify(token)).toThrow(expect.objectContaining({ code: 'ACCESS_TOKEN_INVALID' }));
  expect(access.sessionIdOf(token)).toBeUndefined();
};

/** A set with one key of each algorithm, the HS256 one active. */
const MIXED: JwtKeyOptions[] = [
  { kid: 'hs', algorithm: 'HS256', secret: SECRET },
  { kid: 'rs', algorithm: 'RS256', privateKey: rsa.privateKey, status: 'standby' },
  { kid: 'es', algorithm: 'ES256', publicKey: ec.publicKey, status: 'retired' },
  { kid: 'ed', algorithm: 'EdDSA', publicKey: ed.publicKey, status: 'retired' },
];

describe('key sets: every algorithm verified through a key set', () => {
  it.each([
    ['HS256', 'hs', SIGNERS.HS256(SECRET)],
    ['RS256', 'rs', SIGNERS.RS256(rsa.privateKey)],
    ['ES256', 'es', SIGNERS.ES256(ec.privateKey)],
    ['EdDSA', 'ed', SIGNERS.EdDSA(ed.privateKey)],
  ] as const)('%s: a token naming its key by kid verifies (positive control)', (alg, kid, sign) => {
    const { access, clock } = services(MIXED);
    const token = forge({ alg, typ: 'at+jwt', kid }, claims(clock), sign);
    expect(access.verify(token)).toMatchObject({ id: 'u1', sessionId: 's'.repeat(22) });
    expect(access.sessionIdOf(token)).toBe('s'.repeat(22));
  });

  it.each([
    ['HS256', SECRET],
    ['RS256', rsa.privateKey],
    ['ES256', ec.privateKey],
    ['EdDSA', ed.privateKey],
  ] as const)('%s as the active key: signs with header { alg, typ: at+jwt, kid } and verifies its own tokens', (algorithm, key) => {
    const { access } = services([
      algorithm === 'HS256' ? { kid: 'k-active', algorithm, secret: SECRET } : { kid: 'k-active', algorithm, privateKey: key },
      { kid: 'k-other', algorithm: 'HS256', secret: OTHER_SECRET, status: 'retired' },
    ]);
    const { token } = access.sign(subject);
    expect(decode(token, 0)).toEqual({ alg: algorithm, typ: 'at+jwt', kid: 'k-active' });
    expect(access.verify(token).id).toBe('u1');
  });
});

describe('key sets: attacks', () => {
  it('a token without kid is refused, even signed with the right key', () => {
    const { access, clock } = services(MIXED);
    refused(access, forge({ alg: 'HS256', typ: 'at+jwt' }, claims(clock), SIGNERS.HS256(SECRET)));
    refused(access, forge({ alg: 'RS256', typ: 'at+jwt' }, claims(clock), SIGNERS.RS256(rsa.privateKey)));
  });

  it.each([
    ['an unknown kid', 'attacker-key'],
    ['a kid differing in case', 'HS'],
    ['a path-traversal kid', '../../../../dev/null'],
    ['a SQL-injection kid', "x' UNION SELECT 'attacker"],
    ['a prototype property', '__proto__'],
    ['another prototype property', 'constructor'],
    ['an empty kid', ''],
  ])('%s is refused (no fallback to another key), even signed with a configured key', (_label, kid) => {
    const { access, clock } = services(MIXED);
    refused(access, forge({ alg: 'HS256', typ: 'at+jwt', kid }, claims(clock), SIGNERS.HS256(SECRET)));
    refused(access, forge({ alg: 'HS256', typ: 'at+jwt', kid }, claims(clock), SIGNERS.HS256('')));
  });

  it.each([
    ['a number', 1],
    ['an array', ['hs']],
    ['an object', { kid: 'hs' }],
    ['null', null],
  ])('a kid that is %s is refused', (_label, kid) => {
    const { access, clock } = services(MIXED);
    refused(access, forge({ alg: 'HS256', typ: 'at+jwt', kid }, claims(clock), SIGNERS.HS256(SECRET)));
  });

  it.each([
    ['the SPKI PEM', () => rsa.publicKey.export({ format: 'pem', type: 'spki' })],
    ['the PKCS#1 PEM', () => rsa.publicKey.export({ format: 'pem', type: 'pkcs1' })],
    ['the DER bytes', () => rsa.publicKey.export({ format: 'der', type: 'spki' })],
  ])('key confusion: an HS256 token whose kid names the RS256 key, HMAC-signed with its public key (%s)', (_label, secret) => {
    const { access, clock } = services(MIXED);
    refused(access, forge({ alg: 'HS256', typ: 'at+jwt', kid: 'rs' }, claims(clock), SIGNERS.HS256(secret())));
  });

  it.each([
    ['ES256', 'es', ec.publicKey],
    ['EdDSA', 'ed', ed.publicKey],
  ] as const)('key confusion: an HS256 token whose kid names the %s key, HMAC-signed with its public PEM', (_alg, kid, publicKey) => {
    const { access, clock } = services(MIXED);
    const pem = publicKey.export({ format: 'pem', type: 'spki' });
    refused(access, forge({ alg: 'HS256', typ: 'at+jwt', kid }, claims(clock), SIGNERS.HS256(pem)));
  });

  it("cross-key algorithm: a token naming one key, signed validly with another configured key's algorithm and key", () => {
    const { access, clock } = services(MIXED);
    // Each signature is genuine, but under a kid whose key has another algorithm (or another key).
    refused(access, forge({ alg: 'RS256', typ: 'at+jwt', kid: 'hs' }, claims(clock), SIGNERS.RS256(rsa.privateKey)));
    refused(access, forge({ alg: 'HS256', typ: 'at+jwt', kid: 'rs' }, claims(clock), SIGNERS.HS256(SECRET)));
    refused(access, forge({ alg: 'ES256', typ: 'at+jwt', kid: 'ed' }, claims(clock), SIGNERS.ES256(ec.privateKey)));
    refused(access, forge({ alg: 'EdDSA', typ: 'at+jwt', kid: 'es' }, claims(clock), SIGNERS.EdDSA(ed.privateKey)));
  });

  it('an HS256 token signed with one configured secret under the kid of another HS256 key', () => {
    const { access, clock } = services([
      { kid: 'new', algorithm: 'HS256', secret: SECRET },
      { kid: 'old', algorithm: 'HS256', secret: OTHER_SECRET, status: 'retired' },
    ]);
    refused(access, forge({ alg: 'HS256', typ: 'at+jwt', kid: 'old' }, claims(clock), SIGNERS.HS256(SECRET)));
    expect(access.verify(forge({ alg: 'HS256', typ: 'at+jwt', kid: 'old' }, claims(clock), SIGNERS.HS256(OTHER_SECRET))).id).toBe('u1');
  });

  it('alg none under a configured kid', () => {
    const { access, clock } = services(MIXED);
    for (const kid of ['hs', 'rs']) refused(access, `${b64url({ alg: 'none', typ: 'at+jwt', kid })}.${b64url(claims(clock))}.`);
  });

  it('jku / x5u / jwk next to a configured kid select nothing: the configured key still verifies', () => {
    const { access, clock } = services(MIXED);
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const header = {
      alg: 'RS256',
      typ: 'at+jwt',
      kid: 'rs',
      jku: 'https://attacker.example/jwks.json',
      x5u: 'https://attacker.example/cert.pem',
      jwk: attacker.publicKey.export({ format: 'jwk' }),
    };
    refused(access, forge(header, claims(clock), SIGNERS.RS256(attacker.privateKey)));
  });

  it('an oversized header is refused without being decoded', () => {
    const { access, clock } = services(MIXED);
    refused(access, forge({ alg: 'HS256', typ: 'at+jwt', kid: 'hs', pad: 'x'.repeat(2000) }, claims(clock), SIGNERS.HS256(SECRET)));
  });

  it('headerKid reads only a bounded JSON object header', () => {
    expect(headerKid(`${b64url({ kid: 'a' })}.e30.sig`)).toBe('a');
    expect(headerKid('.e30.sig')).toBeUndefined();
    expect(headerKid('garbage')).toBeUndefined();
    expect(headerKid(`${b64url(Buffer.from('not json'))}.e30.x`)).toBeUndefined();
    expect(headerKid(`${b64url(Buffer.from('"kid"'))}.e30.x`)).toBeUndefined();
    expect(headerKid(`${b64url({ kid: 'a', pad: 'x'.repeat(1000) })}.e30.x`)).toBeUndefined();
  });
});

describe('key sets: statuses', () => {
  it('a standby key verifies but does not sign', () => {
    const { access, clock } = services([
      { kid: 'current', algorithm: 'HS256', secret: SECRET },
      { kid: 'next', algorithm: 'EdDSA', privateKey: ed.privateKey, status: 'standby' },
    ]);
    expect(decode(access.sign(subject).token, 0).kid).toBe('current');
    const token = forge({ alg: 'EdDSA', typ: 'at+jwt', kid: 'next' }, claims(clock), SIGNERS.EdDSA(ed.privateKey));
    expect(access.verify(token).id).toBe('u1');
  });

  it('a retired key verifies until its tokens expire', () => {
    const { access, clock } = services([
      { kid: 'current', algorithm: 'ES256', privateKey: ec.privateKey },
      { kid: 'old', algorithm: 'RS256', publicKey: rsa.publicKey, status: 'retired' },
    ]);
    const token = forge({ alg: 'RS256', typ: 'at+jwt', kid: 'old' }, claims(clock), SIGNERS.RS256(rsa.privateKey));
    expect(access.verify(token).id).toBe('u1');
    clock.advanceSeconds(900);
    expect(() => access.verify(token)).toThrow(expect.objectContaining({ code: 'ACCESS_TOKEN_INVALID' }));
  });

  it('rotation by configuration: old tokens verify under the new set, and are refused once the old key is removed', () => {
    const clock = new TestClock();
    const before = services([{ kid: 'k1', algorithm: 'RS256', privateKey: rsa.privateKey }], clock);
    const during = services(
      [
        { kid: 'k2', algorithm: 'EdDSA', privateKey: ed.privateKey },
        { kid: 'k1', algorithm: 'RS256', publicKey: rsa.publicKey, status: 'retired' },
      ],
      clock,
    );
    const after = services([{ kid: 'k2', algorithm: 'EdDSA', privateKey: ed.privateKey }], clock);
    const old = before.access.sign(subject).token;
    const fresh = during.access.sign(subject).token;
    expect(decode(old, 0).kid).toBe('k1');
    expect(decode(fresh, 0).kid).toBe('k2');
    expect(during.access.verify(old).id).toBe('u1');
    expect(during.access.verify(fresh).id).toBe('u1');
    expect(after.access.verify(fresh).id).toBe('u1');
    refused(after.access, old);
    refused(before.access, fresh); // an instance not yet rolled out refuses the new key's tokens
  });
});

describe('key sets: mfaTokens carry kid and are verified the same way', () => {
  it('are signed with the active key and its kid, and verify', () => {
    const { mfa } = services(MIXED);
    const { token } = mfa.issue('u1');
    expect(decode(token, 0)).toEqual({ alg: 'HS256', typ: 'mfa+jwt', kid: 'hs' });
    expect(mfa.verify(token).userId).toBe('u1');
  });

  it('a retired key still verifies a pending login; no kid, an unknown kid or a confused algorithm is refused', () => {
    const clock = new TestClock();
    const old = services([{ kid: 'k1', algorithm: 'HS256', secret: SECRET }], clock).mfa.issue('u1').token;
    const { mfa } = services(
      [
        { kid: 'k2', algorithm: 'RS256', privateKey: rsa.privateKey },
        { kid: 'k1', algorithm: 'HS256', secret: SECRET, status: 'retired' },
      ],
      clock,
    );
    expect(mfa.verify(old).userId).toBe('u1');
    const iat = Math.floor(clock.now() / 1000);
    const payload = { sub: 'u1', pid: 'p'.repeat(22), iss: 'nest-gatekeeper', aud: 'nest-gatekeeper/mfa', iat, exp: iat + 300 };
    const invalid = expect.objectContaining({ code: 'MFA_TOKEN_INVALID' });
    expect(mfa.verify(forge({ alg: 'HS256', typ: 'mfa+jwt', kid: 'k1' }, payload, SIGNERS.HS256(SECRET))).userId).toBe('u1');
    expect(() => mfa.verify(forge({ alg: 'HS256', typ: 'mfa+jwt' }, payload, SIGNERS.HS256(SECRET)))).toThrow(invalid);
    expect(() => mfa.verify(forge({ alg: 'HS256', typ: 'mfa+jwt', kid: 'k3' }, payload, SIGNERS.HS256(SECRET)))).toThrow(invalid);
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
    expect(() => mfa.verify(forge({ alg: 'HS256', typ: 'mfa+jwt', kid: 'k2' }, payload, SIGNERS.HS256(pem)))).toThrow(invalid);
  });
});
