import { generateKeyPairSync } from 'node:crypto';
import { AccessTokenService } from '../../../lib/tokens/access-token.service.js';
import { AuthException, MemoryUserStore, type JwtAlgorithm } from '../../../lib/index.js';
import { MfaTokenService } from '../../../lib/tokens/mfa-token.service.js';
import { resolveAuthOptions } from '../../../lib/options/resolve-options.js';
import { hasCanonicalSignature } from '../../../lib/tokens/jws-signature.js';
import { TestClock } from '../../fixtures/test-clock.js';
import { JwtKeyRing } from '../../../lib/tokens/jwt-key-ring.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The token with every spare bit of its signature's last character set: same bytes, another spelling. */
function respell(token: string): string {
  const dot = token.lastIndexOf('.');
  const signature = token.slice(dot + 1);
  const spare = signature.length % 4 === 2 ? 0x0f : 0x03;
  const respelled = `${signature.slice(0, -1)}${ALPHABET[ALPHABET.indexOf(signature.slice(-1)) | spare]}`;
  expect(respelled).not.toBe(signature);
  expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
  return `${token.slice(0, dot + 1)}${respelled}`;
}

function jwtOptions(algorithm: JwtAlgorithm): Record<string, unknown> {
  switch (algorithm) {
    case 'HS256':
      return { secret: 'unit-test-secret-that-is-32-bytes-or-more' };
    case 'RS256':
      return { algorithm, ...generateKeyPairSync('rsa', { modulusLength: 2048 }) };
    case 'ES256':
      return { algorithm, ...generateKeyPairSync('ec', { namedCurve: 'P-256' }) };
    default:
      return { algorithm, ...generateKeyPairSync('ed25519') };
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof AuthException ? error.code : String(error);
  }
}

describe.each([
  { algorithm: 'HS256' as const, length: 43 },
  { algorithm: 'ES256' as const, length: 86 },
  { algorithm: 'EdDSA' as const, length: 86 },
  { algorithm: 'RS256' as const, length: 342 },
])('non-canonical base64url signature (token malleability): $algorithm', ({ algorithm, length }) => {
  const options = resolveAuthOptions({ jwt: jwtOptions(algorithm), userStore: new MemoryUserStore() });
  const clock = new TestClock();

  it('an access token with the spare bits of its signature set is ACCESS_TOKEN_INVALID, before and after the real one is cached', () => {
    const tokens = new AccessTokenService(options, clock, JwtKeyRing.fixed(options, clock));
    const { token } = tokens.sign({ userId: 'u1', sessionId: 's'.repeat(22), roles: ['user'] });
    expect(token.split('.')[2]).toHaveLength(length);
    expect(codeOf(() => tokens.verify(respell(token)))).toBe('ACCESS_TOKEN_INVALID');
    expect(tokens.verify(token).id).toBe('u1');
    expect(codeOf(() => tokens.verify(respell(token)))).toBe('ACCESS_TOKEN_INVALID');
    expect(tokens.sessionIdOf(respell(token))).toBeUndefined();
    expect(tokens.sessionIdOf(token)).toBe('s'.repeat(22));
  });

  it('an mfaToken with the spare bits of its signature set is MFA_TOKEN_INVALID', () => {
    const mfaTokens = new MfaTokenService(options, clock, JwtKeyRing.fixed(options, clock));
    const { token } = mfaTokens.issue('u1');
    expect(token.split('.')[2]).toHaveLength(length);
    expect(codeOf(() => mfaTokens.verify(respell(token)))).toBe('MFA_TOKEN_INVALID');
    expect(mfaTokens.verify(token).userId).toBe('u1');
  });
});

describe('hasCanonicalSignature', () => {
  it.each([
    ['an HS256-sized signature ending in A', true, 'h.p.' + 'x'.repeat(42) + 'A'],
    ['an HS256-sized signature ending in E (spare bits zero)', true, 'h.p.' + 'x'.repeat(42) + 'E'],
    ['an HS256-sized signature ending in B', false, 'h.p.' + 'x'.repeat(42) + 'B'],
    ['an 86-character signature ending in Q', true, 'h.p.' + 'x'.repeat(85) + 'Q'],
    ['an 86-character signature ending in R', false, 'h.p.' + 'x'.repeat(85) + 'R'],
    ['a 64-character signature (no spare bits)', true, 'h.p.' + '_'.repeat(64)],
    ['an empty signature (left to the verifier)', true, 'h.p.'],
    ['= padding', false, 'h.p.' + 'x'.repeat(42) + 'A='],
    ['standard-alphabet characters', false, 'h.p.' + 'x'.repeat(41) + '+A'],
    ['a non-ASCII character', false, 'h.p.' + 'x'.repeat(41) + 'éA'],
    ['a length of 4n+1', false, 'h.p.' + 'x'.repeat(45)],
    ['no dot at all', false, 'x'.repeat(43)],
  ])('%s → %s', (_label, expected, token) => {
    expect(hasCanonicalSignature(token)).toBe(expected);
  });
});
