import { createHash, createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AuthConfigError } from '../../../lib/errors/auth-config.error.js';
import type { AuthModuleOptions } from '../../../lib/options/auth-module-options.interface.js';
import { resolveAuthOptions } from '../../../lib/options/resolve-options.js';
import type { ResolvedAuthOptions, ResolvedJwtKey } from '../../../lib/options/resolved-auth-options.js';

/** The active key of a resolved (unscheduled) key set. */
function activeKey(jwt: ResolvedAuthOptions['jwt']): ResolvedJwtKey & { signingKey: KeyObject } {
  return jwt.keys.find((key) => key.status === 'active') as ResolvedJwtKey & { signingKey: KeyObject };
}

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';
const OTHER_SECRET = 'another-secret-of-at-least-thirty-two-bytes';
const userStore = { findById: () => Promise.resolve(undefined) };
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

/** Options with `jwt` as given (cast: bad inputs on purpose). */
function withJwt(jwt: Record<string, unknown>): AuthModuleOptions {
  return { jwt, userStore } as unknown as AuthModuleOptions;
}

function problems(jwt: Record<string, unknown>): readonly string[] {
  try {
    resolveAuthOptions(withJwt(jwt));
  } catch (error) {
    expect(error).toBeInstanceOf(AuthConfigError);
    return (error as AuthConfigError).problems;
  }
  throw new Error('expected an AuthConfigError, nothing was thrown');
}

/** RFC 7638, written out independently of the library: the required members, sorted, no spaces. */
function thumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  const required = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] }[jwk.kty] as string[];
  const canonical = `{${required.map((name) => `"${name}":"${jwk[name]}"`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

describe('jwt: the single-key form becomes a one-key set with a derived kid', () => {
  it('HS256: the kid is a truncated SHA-256 of a fixed label and the secret (never the secret)', () => {
    const { jwt } = resolveAuthOptions(withJwt({ secret: SECRET }));
    const expected = createHash('sha256').update('nest-gatekeeper jwt kid v1\0').update(SECRET).digest('base64url').slice(0, 22);
    expect(activeKey(jwt).kid).toBe(expected);
    expect(activeKey(jwt).kid).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 8));
    expect(jwt.keys).toHaveLength(1);
    expect(jwt.keys[0]).toMatchObject({ kid: expected, algorithm: 'HS256', status: 'active' });
    // Deterministic: every instance with the same secret names it alike; another secret, another kid.
    expect(activeKey(resolveAuthOptions(withJwt({ secret: SECRET })).jwt).kid).toBe(expected);
    expect(activeKey(resolveAuthOptions(withJwt({ secret: OTHER_SECRET })).jwt).kid).not.toBe(expected);
  });

  it.each([
    ['RS256', rsa],
    ['ES256', ec],
    ['EdDSA', ed],
  ] as const)('%s: the kid is the RFC 7638 thumbprint of the public key, PEM or KeyObject alike', (algorithm, pair) => {
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    for (const privateKey of [pem, pair.privateKey]) {
      const { jwt } = resolveAuthOptions(withJwt({ algorithm, privateKey }));
      expect(activeKey(jwt).kid).toBe(thumbprint(pair.publicKey));
      expect(jwt.keys).toEqual([
        {
          kid: activeKey(jwt).kid,
          algorithm,
          status: 'active',
          activateAt: null,
          signingKey: activeKey(jwt).signingKey,
          verificationKey: activeKey(jwt).verificationKey,
        },
      ]);
    }
  });
});

describe('jwt.keys', () => {
  it('resolves every key with its own algorithm; the active one is the signer the rest of the module uses', () => {
    const { jwt } = resolveAuthOptions(
      withJwt({
        keys: [
          { kid: 'old-hs', algorithm: 'HS256', secret: OTHER_SECRET, status: 'retired' },
          { kid: 'rsa-2026', algorithm: 'RS256', privateKey: rsa.privateKey },
          { kid: 'ec-next', algorithm: 'ES256', publicKey: ec.publicKey, status: 'standby' },
          { kid: 'ed.old', algorithm: 'EdDSA', publicKey: ed.publicKey, status: 'retired' },
        ],
      }),
    );
    expect(activeKey(jwt).kid).toBe('rsa-2026');
    expect(activeKey(jwt).algorithm).toBe('RS256');
    expect(activeKey(jwt).signingKey.type).toBe('private');
    expect(activeKey(jwt).verificationKey.equals(rsa.publicKey)).toBe(true);
    expect(jwt.keys.map((k) => [k.kid, k.algorithm, k.status, k.signingKey?.type ?? null, k.verificationKey.type])).toEqual([
      ['old-hs', 'HS256', 'retired', 'secret', 'secret'],
      ['rsa-2026', 'RS256', 'active', 'private', 'public'],
      ['ec-next', 'ES256', 'standby', null, 'public'],
      ['ed.old', 'EdDSA', 'retired', null, 'public'],
    ]);
    expect(Object.isFrozen(jwt.keys)).toBe(true);
    expect(Object.isFrozen(jwt.keys[0])).toBe(true);
  });

  it('a key without status is active', () => {
    const { jwt } = resolveAuthOptions(withJwt({ keys: [{ kid: 'k1', algorithm: 'HS256', secret: SECRET }] }));
    expect(jwt.keys[0].status).toBe('active');
    expect(activeKey(jwt).kid).toBe('k1');
    expect(activeKey(jwt).signingKey.export().toString('utf8')).toBe(SECRET);
  });

  it('a key without kid gets the kid of the single-key form, so a key moved into jwt.keys keeps naming its tokens', () => {
    const single = activeKey(resolveAuthOptions(withJwt({ secret: SECRET })).jwt).kid;
    const singleEc = activeKey(resolveAuthOptions(withJwt({ algorithm: 'ES256', privateKey: ec.privateKey })).jwt).kid;
    const { jwt } = resolveAuthOptions(
      withJwt({
        keys: [
          { kid: 'new', algorithm: 'HS256', secret: OTHER_SECRET },
          { algorithm: 'HS256', secret: SECRET, status: 'retired' },
          { algorithm: 'ES256', publicKey: ec.publicKey, status: 'retired' },
        ],
      }),
    );
    expect(jwt.keys.map((k) => k.kid)).toEqual(['new', single, singleEc]);
  });

  it('the same key twice without kid is refused (one kid, two entries)', () => {
    expect(
      problems({
        keys: [
          { algorithm: 'HS256', secret: SECRET },
          { algorithm: 'HS256', secret: SECRET, status: 'retired' },
        ],
      }),
    ).toEqual([expect.stringMatching(/^jwt\.keys\[1\]\.kid: '[A-Za-z0-9_-]{22}' is used by another key .*configured twice\)$/)]);
  });

  it('a public key given as a private KeyObject is reduced to its public half', () => {
    const { jwt } = resolveAuthOptions(
      withJwt({
        keys: [
          { kid: 'a', algorithm: 'HS256', secret: SECRET },
          { kid: 'b', algorithm: 'EdDSA', publicKey: ed.privateKey, status: 'retired' },
        ],
      }),
    );
    expect(jwt.keys[1].verificationKey.type).toBe('public');
    expect(jwt.keys[1].signingKey).toBeNull();
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['an empty set', { keys: [] }, ['jwt.keys: must be a non-empty array']],
    ['not an array', { keys: { kid: 'a' } }, ['jwt.keys: must be a non-empty array']],
    ['a key that is not an object', { keys: ['k1'] }, ['jwt.keys[0]: must be an object', 'jwt.keys: exactly one key']],
    [
      'no active key',
      { keys: [{ kid: 'a', algorithm: 'HS256', secret: SECRET, status: 'standby' }] },
      ["jwt.keys: exactly one key must have status 'active' (the one that signs; a key without status is active), found 0"],
    ],
    [
      'two active keys (two without status)',
      {
        keys: [
          { kid: 'a', algorithm: 'HS256', secret: SECRET },
          { kid: 'b', algorithm: 'HS256', secret: OTHER_SECRET },
        ],
      },
      ['jwt.keys: exactly one key must have status', 'found 2'],
    ],
    [
      'a duplicate kid',
      {
        keys: [
          { kid: 'a', algorithm: 'HS256', secret: SECRET },
          { kid: 'a', algorithm: 'HS256', secret: OTHER_SECRET, status: 'retired' },
        ],
      },
      ["jwt.keys[1].kid: 'a' is used by another key"],
    ],

    ['an empty kid', { keys: [{ kid: '', algorithm: 'HS256', secret: SECRET }] }, ['jwt.keys[0].kid: must be 1 to 64']],
    ['a kid with a slash (path traversal)', { keys: [{ kid: '../k', algorithm: 'HS256', secret: SECRET }] }, ['jwt.keys[0].kid:']],
    ['a kid with a quote', { keys: [{ kid: "k'1", algorithm: 'HS256', secret: SECRET }] }, ['jwt.keys[0].kid:']],
    ['a kid of 65 characters', { keys: [{ kid: 'k'.repeat(65), algorithm: 'HS256', secret: SECRET }] }, ['jwt.keys[0].kid:']],
    ['a missing algorithm', { keys: [{ kid: 'a', secret: SECRET }] }, ["jwt.keys[0].algorithm: is required: one of 'HS256'"]],
    ['algorithm none', { keys: [{ kid: 'a', algorithm: 'none', secret: SECRET }] }, ['jwt.keys[0].algorithm: is required', '(got "none")']],
    ['an unknown status', { keys: [{ kid: 'a', algorithm: 'HS256', secret: SECRET, status: 'primary' }] }, ['jwt.keys[0].status:']],
    [
      'an unknown key member',
      { keys: [{ kid: 'a', algorithm: 'HS256', secret: SECRET, use: 'sig' }] },
      ['jwt.keys[0].use: unknown option'],
    ],
    ['a short HS256 secret', { keys: [{ kid: 'a', algorithm: 'HS256', secret: 'short' }] }, ['jwt.keys[0].secret: at least 32 bytes']],
    [
      'an HS256 key with a public key (the confusion, refused at start-up)',
      { keys: [{ kid: 'a', algorithm: 'HS256', publicKey: rsa.publicKey }] },
      ['jwt.keys[0].privateKey: is only used with RS256', 'jwt.keys[0].secret: is required for HS256'],
    ],
    [
      'an RS256 key with a secret',
      { keys: [{ kid: 'a', algorithm: 'RS256', secret: SECRET }] },
      ['jwt.keys[0].secret: is only used with HS256', 'jwt.keys[0].privateKey: is required for RS256'],
    ],
    [
      'the active asymmetric key without its private key',
      { keys: [{ kid: 'a', algorithm: 'ES256', publicKey: ec.publicKey }] },
      ['jwt.keys[0].privateKey: is required for ES256'],
    ],
    [
      'a retired asymmetric key with no key at all',
      {
        keys: [
          { kid: 'a', algorithm: 'HS256', secret: SECRET },
          { kid: 'b', algorithm: 'ES256', status: 'retired' },
        ],
      },
      ['jwt.keys[1].publicKey: is required for ES256'],
    ],
    [
      'a key of the wrong type for its algorithm (an EC key for RS256)',
      { keys: [{ kid: 'a', algorithm: 'RS256', privateKey: ec.privateKey }] },
      ['jwt.keys[0].privateKey: must be an RSA key for RS256'],
    ],
    [
      'a standby public key of the wrong type (an RSA key for EdDSA)',
      {
        keys: [
          { kid: 'a', algorithm: 'HS256', secret: SECRET },
          { kid: 'b', algorithm: 'EdDSA', publicKey: rsa.publicKey, status: 'standby' },
        ],
      },
      ['jwt.keys[1].publicKey: must be an Ed25519 key for EdDSA'],
    ],
    [
      'a public key that does not belong to the private key',
      { keys: [{ kid: 'a', algorithm: 'EdDSA', privateKey: ed.privateKey, publicKey: generateKeyPairSync('ed25519').publicKey }] },
      ['jwt.keys[0].publicKey: does not belong to jwt.keys[0].privateKey'],
    ],
    [
      'keys together with the single-key form',
      { keys: [{ kid: 'a', algorithm: 'HS256', secret: SECRET }], secret: SECRET, algorithm: 'HS256', privateKey: rsa.privateKey },
      [
        'jwt.secret: cannot be combined with jwt.keys',
        'jwt.algorithm: cannot be combined with jwt.keys',
        'jwt.privateKey: cannot be combined with jwt.keys',
      ],
    ],
  ])('refuses %s, naming each problem', (_label, jwt, expected) => {
    const found = problems(jwt);
    for (const fragment of expected) expect(found.some((p) => p.includes(fragment)) ? fragment : found).toBe(fragment);
  });

  it('collects the problems of every key at once', () => {
    const found = problems({
      keys: [
        { kid: 'a', algorithm: 'HS256', secret: 'short' },
        { kid: 'a', algorithm: 'RS256', privateKey: 'not a pem', status: 'retired' },
        { kid: 'c', algorithm: 'HS512', secret: SECRET, status: 'standby' },
      ],
    });
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(
      ['jwt.keys[0].secret', 'jwt.keys[1].kid', 'jwt.keys[1].privateKey', 'jwt.keys[2].algorithm'].sort(),
    );
  });

  it('never echoes a secret in a message', () => {
    const secret = 'S'.repeat(20);
    const found = problems({
      keys: [
        { kid: 'a', algorithm: 'HS256', secret },
        { kid: 'a', algorithm: 'HS256', secret, status: 'retired' },
      ],
    });
    expect(found.join('\n')).not.toContain(secret);
  });
});

describe('jwt.publicUrl and jwt.jwksMaxAge (publishing)', () => {
  it('take an absolute http(s) URL and a duration', () => {
    const { jwt } = resolveAuthOptions(withJwt({ secret: SECRET, publicUrl: 'https://auth.example.com/api', jwksMaxAge: '1h' }));
    expect(jwt.publicUrl).toBe('https://auth.example.com/api');
    expect(jwt.jwksMaxAgeSeconds).toBe(3600);
    expect(resolveAuthOptions(withJwt({ secret: SECRET })).jwt).toMatchObject({ publicUrl: null, jwksMaxAgeSeconds: 300 });
  });

  it.each([
    'auth.example.com',
    '/relative',
    'ftp://auth.example.com',
    'javascript:alert(1)',
    'https://auth.example.com/',
    'https://auth.example.com?x=1',
    'https://auth.example.com#f',
    'https://user:pass@auth.example.com',
    42,
  ])('refuse publicUrl %p', (publicUrl) => {
    expect(problems({ secret: SECRET, publicUrl })).toEqual([expect.stringMatching(/^jwt\.publicUrl: must be an absolute http\(s\) URL/)]);
  });

  it('refuses a jwksMaxAge that is not a duration', () => {
    expect(problems({ secret: SECRET, jwksMaxAge: 'soon' })).toEqual([
      expect.stringMatching(/^jwt\.jwksMaxAge: must be a positive duration/),
    ]);
  });
});

describe('secretKey: the keys of CSRF tokens, refresh-token MACs and code hashes', () => {
  const exported = (keys: readonly KeyObject[]): string[] =>
    keys.map((key) =>
      key.type === 'secret' ? key.export().toString('hex') : key.export({ format: 'der', type: 'pkcs8' }).toString('hex'),
    );

  it('without secretKey: the active JWT key first, then every other key holding a secret or private key', () => {
    const { secretKeys } = resolveAuthOptions(
      withJwt({
        keys: [
          { kid: 'old', algorithm: 'RS256', publicKey: rsa.publicKey, status: 'retired' },
          { kid: 'next', algorithm: 'ES256', privateKey: ec.privateKey, status: 'standby' },
          { kid: 'now', algorithm: 'EdDSA', privateKey: ed.privateKey },
          { kid: 'hs', algorithm: 'HS256', secret: SECRET, status: 'retired' },
        ],
      }),
    );
    expect(exported(secretKeys)).toEqual(exported([ed.privateKey, ec.privateKey, createSecretKeyOf(SECRET)]));
  });

  it('with secretKey: its keys first (the first keys new values), then the JWT keys (accepted, as before it was set)', () => {
    const options = { jwt: { secret: SECRET }, secretKey: [OTHER_SECRET, Buffer.alloc(32, 3)], userStore } as unknown as AuthModuleOptions;
    const { secretKeys } = resolveAuthOptions(options);
    expect(exported(secretKeys)).toEqual(
      exported([createSecretKeyOf(OTHER_SECRET), createSecretKeyOf(Buffer.alloc(32, 3)), createSecretKeyOf(SECRET)]),
    );
  });

  it('refuses a short key, a wrong type and an empty list, each with its path', () => {
    const problemsOf = (secretKey: unknown): readonly string[] => {
      try {
        resolveAuthOptions({ jwt: { secret: SECRET }, secretKey, userStore } as unknown as AuthModuleOptions);
      } catch (error) {
        return (error as AuthConfigError).problems;
      }
      throw new Error('expected an AuthConfigError');
    };
    expect(problemsOf('short')).toEqual(['secretKey: must be at least 32 bytes (got 5)']);
    expect(problemsOf([OTHER_SECRET, 42])).toEqual(['secretKey[1]: must be a string or a Buffer']);
    expect(problemsOf([])).toEqual(['secretKey: must hold at least one key']);
  });
});

function createSecretKeyOf(value: string | Buffer): KeyObject {
  return createSecretKey(typeof value === 'string' ? Buffer.from(value) : value);
}
