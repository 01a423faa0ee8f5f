import { createSecretKey } from 'node:crypto';
import {
  hashRefreshToken,
  isSessionId,
  newLegacyRefreshToken,
  newSessionId,
  RefreshTokens,
  refreshTokenSessionId,
} from '../../../lib/tokens/refresh-token.js';

const tokens = new RefreshTokens([createSecretKey(Buffer.from('test-secret-that-is-at-least-32-bytes-long!'))]);
const newRefreshToken = (sessionId: string): string => tokens.issue(sessionId);

const B64URL = /^[A-Za-z0-9_-]+$/;

describe('session ids', () => {
  it('are 22 base64url characters (128 bits)', () => {
    const id = newSessionId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    expect(isSessionId(id)).toBe(true);
  });

  it('are unique over 1000', () => {
    expect(new Set(Array.from({ length: 1000 }, newSessionId)).size).toBe(1000);
  });

  it.each([
    ['too short', 'A'.repeat(21)],
    ['too long', 'A'.repeat(23)],
    ['with base64 (not url) characters', `${'A'.repeat(20)}+/`],
    ['with padding', `${'A'.repeat(21)}=`],
    ['with a dot', `${'A'.repeat(21)}.`],
    ['with a trailing newline', `${'A'.repeat(22)}\n`],
    ['empty', ''],
  ])('isSessionId refuses a value %s', (_label, value) => {
    expect(isSessionId(value)).toBe(false);
  });
});

describe('refresh tokens', () => {
  const sid = newSessionId();

  it('have the shape <sessionId>.<43 base64url chars> (66 chars)', () => {
    const token = newRefreshToken(sid);
    expect(token).toHaveLength(66);
    const [prefix, random, ...rest] = token.split('.');
    expect(rest).toEqual([]);
    expect(prefix).toBe(sid);
    expect(random).toHaveLength(43);
    expect(random).toMatch(B64URL);
  });

  it('carry 128 random bits and a 128-bit MAC: the secret part is 32 canonical bytes', () => {
    const random = newRefreshToken(sid).split('.')[1];
    const bytes = Buffer.from(random, 'base64url');
    expect(bytes.length * 8).toBeGreaterThanOrEqual(128);
    expect(bytes).toHaveLength(32);
    expect(bytes.toString('base64url')).toBe(random);
  });

  it('are unique over 1000 for the same session, and their random parts vary at every position', () => {
    const randoms = Array.from({ length: 1000 }, () => newRefreshToken(sid).split('.')[1]);
    expect(new Set(randoms).size).toBe(1000);
    // 1000 samples of a uniform base64url character see (almost) all 64 values; the 43rd character
    // holds the last 4 bits of the 32 bytes, so it has only 16 possible values.
    for (let i = 0; i < 42; i++) {
      expect({ position: i, distinct: new Set(randoms.map((r) => r[i])).size >= 50 }).toEqual({ position: i, distinct: true });
    }
    const last = new Set(randoms.map((r) => r[42]));
    expect(last.size).toBeGreaterThan(8);
    for (const c of last) expect('AEIMQUYcgkosw048').toContain(c);
  });

  it('the session id is extracted from a well-formed token', () => {
    const token = newRefreshToken(sid);
    expect(refreshTokenSessionId(token)).toBe(sid);
    const other = newSessionId();
    expect(refreshTokenSessionId(newRefreshToken(other))).toBe(other);
  });

  it('the session id is extracted from any 22.43 base64url token, random part untouched', () => {
    const token = `${'a'.repeat(22)}.${'-'.repeat(43)}`;
    expect(refreshTokenSessionId(token)).toBe('a'.repeat(22));
  });

  const valid = newRefreshToken(newSessionId());
  it.each([
    ['empty', ''],
    ['the session id alone', valid.split('.')[0]],
    ['the random part alone', valid.split('.')[1]],
    ['no dot', valid.replace('.', '')],
    ['no dot, padded to 66', valid.replace('.', 'A')],
    ['a dot moved', `${valid.slice(0, 21)}.${valid.slice(21, 22)}${valid.slice(23)}`],
    ['one character short', valid.slice(0, -1)],
    ['one character long', `${valid}A`],
    ['a second dot', `${valid.slice(0, 65)}.`],
    ['a base64 "+" in the random part', `${valid.slice(0, 65)}+`],
    ['a base64 "/" in the session id', `/${valid.slice(1)}`],
    ['padding', `${valid.slice(0, 65)}=`],
    ['a leading blank', ` ${valid.slice(1)}`],
    ['a trailing newline', `${valid.slice(0, 65)}\n`],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LWVtaWx5In0.c2ln'],
    ['66 dots', '.'.repeat(66)],
    ['a very long string', `${valid}${'A'.repeat(10_000)}`],
  ])('a malformed token (%s) → undefined', (_label, token) => {
    expect(refreshTokenSessionId(token)).toBeUndefined();
  });

  it('are stored as SHA-256, base64url: deterministic, 43 chars, not the token', () => {
    const token = newRefreshToken(sid);
    const hash = hashRefreshToken(token);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashRefreshToken(token)).toBe(hash);
    expect(hash).not.toContain(token.split('.')[1]);
    expect(hashRefreshToken(newRefreshToken(sid))).not.toBe(hash);
    // Known answer: SHA-256("abc").
    expect(hashRefreshToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('are authentic (their MAC verifies) for the session they name, and only for it', () => {
    const token = newRefreshToken(sid);
    expect(tokens.isAuthentic(token)).toBe(true);
    // The same secret part under another session id (a token of session B replayed against A).
    expect(tokens.isAuthentic(`${newSessionId()}.${token.split('.')[1]}`)).toBe(false);
    // Another signing key (another deployment) does not recognise it.
    const otherKey = createSecretKey(Buffer.from('another-secret-that-is-at-least-32-bytes!!'));
    const other = new RefreshTokens([otherKey]);
    expect(other.isAuthentic(token)).toBe(false);
    // After a rotation (the new key first, the old one kept): old and new tokens are both recognised.
    const rotated = new RefreshTokens([otherKey, createSecretKey(Buffer.from('test-secret-that-is-at-least-32-bytes-long!'))]);
    expect(rotated.isAuthentic(token)).toBe(true);
    const fresh = rotated.issue(sid);
    expect(rotated.isAuthentic(fresh)).toBe(true);
    expect(other.isAuthentic(fresh)).toBe(true);
    expect(tokens.isAuthentic(fresh)).toBe(false);
  });

  it('a forged, tampered or legacy (purely random) secret part is not authentic', () => {
    const token = newRefreshToken(sid);
    const secret = Buffer.from(token.split('.')[1], 'base64url');
    for (const i of [0, 15, 16, 31]) {
      const tampered = Buffer.from(secret);
      tampered[i] ^= 1;
      expect(tokens.isAuthentic(`${sid}.${tampered.toString('base64url')}`)).toBe(false);
    }
    expect(tokens.isAuthentic(`${sid}.${'A'.repeat(43)}`)).toBe(false);
    expect(tokens.isAuthentic(newLegacyRefreshToken(sid))).toBe(false);
    expect(tokens.isAuthentic('garbage')).toBe(false);
  });

  it('a non-canonical encoding of an authentic secret (same bytes, other last character) is not authentic', () => {
    const token = newRefreshToken(sid);
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The last character carries 4 bits; its 2 low bits must be 0. Setting one keeps the decoded bytes.
    const variant = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) | 1]}`;
    expect(variant).not.toBe(token);
    expect(Buffer.from(variant.split('.')[1], 'base64url')).toEqual(Buffer.from(token.split('.')[1], 'base64url'));
    expect(tokens.isAuthentic(variant)).toBe(false);
  });
});
