import { generateKeyPairSync } from 'node:crypto';
import { MemoryUserStore } from '../../../lib/index.js';
import { resolveAuthOptions } from '../../../lib/options/resolve-options.js';
import { hasPublicKeys, ifNoneMatch, publicJwks, strongEtag } from '../../../lib/tokens/jwks.js';

const SECRET = 'unit-test-secret-that-is-32-bytes-or-more';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

describe('publicJwks', () => {
  it('publishes only public members, even for keys given as private keys (and never an HS256 secret)', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed = generateKeyPairSync('ed25519');
    const { jwt } = resolveAuthOptions({
      jwt: {
        keys: [
          { kid: 'rs', algorithm: 'RS256', privateKey: rsa.privateKey },
          { kid: 'es', algorithm: 'ES256', privateKey: ec.privateKey, publicKey: ec.privateKey, status: 'standby' },
          { kid: 'ed', algorithm: 'EdDSA', publicKey: ed.privateKey, status: 'retired' },
          { kid: 'hs', algorithm: 'HS256', secret: SECRET, status: 'retired' },
        ],
      },
      userStore: new MemoryUserStore(),
    });
    const { keys } = publicJwks(jwt.keys);
    expect(keys.map((k) => Object.keys(k).sort())).toEqual([
      ['alg', 'e', 'kid', 'kty', 'n', 'use'],
      ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
      ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
    ]);
    for (const key of keys) for (const member of PRIVATE_MEMBERS) expect(Object.hasOwn(key, member)).toBe(false);
    expect(JSON.stringify(keys)).not.toContain(Buffer.from(SECRET).toString('base64url'));
    expect(hasPublicKeys(jwt.keys)).toBe(true);
    expect(hasPublicKeys(resolveAuthOptions({ jwt: { secret: SECRET }, userStore: new MemoryUserStore() }).jwt.keys)).toBe(false);
  });
});

describe('ifNoneMatch', () => {
  const etag = strongEtag('{"keys":[]}');
  it.each([
    [etag, true],
    [`W/${etag}`, true],
    [`"a", ${etag}`, true],
    ['*', true],
    ['"a"', false],
    [undefined, false],
    [`${' '.repeat(5000)}${etag}`, false],
  ])('%p → %p', (header, expected) => {
    expect(ifNoneMatch(header, etag)).toBe(expected);
  });

  it('a strong ETag changes with the body', () => {
    expect(strongEtag('a')).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(strongEtag('a')).not.toBe(strongEtag('b'));
  });
});
