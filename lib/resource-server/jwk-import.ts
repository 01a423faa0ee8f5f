import { createPublicKey, type KeyObject } from 'node:crypto';
import type { ResourceServerAlgorithm } from './resource-server-options.interface.js';

/** A public key taken from a JWK Set, with the one algorithm it verifies. */
export interface ImportedJwk {
  kid: string;
  algorithm: ResourceServerAlgorithm;
  key: KeyObject;
  /** The key's public members, to tell a re-published key from a replaced one. */
  fingerprint: string;
}

/** The key type (and curve) each algorithm needs. */
const KEY_TYPE: Record<ResourceServerAlgorithm, { kty: string; crv?: string; members: readonly string[] }> = {
  RS256: { kty: 'RSA', members: ['n', 'e'] },
  ES256: { kty: 'EC', crv: 'P-256', members: ['crv', 'x', 'y'] },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', members: ['crv', 'x'] },
};

/** Members only a private or secret key has: a JWK carrying one is never used (it leaked, or is not meant for us). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** `kid`s as the issuer writes them (and a bound on what we keep in memory). */
const KID = /^[\x21-\x7e]{1,256}$/;

/** The least RSA modulus accepted, in bits. */
const MIN_RSA_BITS = 2048;

/**
 * One JWK of a key set as a verification key, or the reason it is ignored. Accepted: a `kid`; `use`
 * absent or `"sig"`; `key_ops` absent or including `"verify"`; an `alg` in `algorithms` (required:
 * a key is used with its own algorithm only, never one guessed); the key type and curve of that
 * algorithm; no private member; an RSA modulus of at least 2048 bits. The key itself is built by
 * `createPublicKey({ format: 'jwk' })` from the public members only.
 */
export function importJwk(jwk: unknown, algorithms: readonly ResourceServerAlgorithm[]): ImportedJwk | string {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return 'not an object';
  const member = (name: string): unknown => (Object.hasOwn(jwk, name) ? (jwk as Record<string, unknown>)[name] : undefined);
  const kid = member('kid');
  if (typeof kid !== 'string' || !KID.test(kid)) return 'no usable kid';
  if (PRIVATE_MEMBERS.some((name) => member(name) !== undefined)) return `${kid}: carries private key material`;
  const use = member('use');
  if (use !== undefined && use !== 'sig') return `${kid}: use is not "sig"`;
  const ops = member('key_ops');
  if (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify'))) return `${kid}: key_ops lacks "verify"`;
  const alg = member('alg');
  if (typeof alg !== 'string' || !(algorithms as readonly string[]).includes(alg)) return `${kid}: alg not accepted`;
  const algorithm = alg as ResourceServerAlgorithm;
  const shape = KEY_TYPE[algorithm];
  if (member('kty') !== shape.kty || (shape.crv !== undefined && member('crv') !== shape.crv)) {
    return `${kid}: key type does not match ${algorithm}`;
  }
  const pub: Record<string, string> = { kty: shape.kty };
  for (const name of shape.members) {
    const value = member(name);
    if (typeof value !== 'string') return `${kid}: ${name} missing`;
    pub[name] = value;
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pub, format: 'jwk' });
  } catch {
    return `${kid}: not a valid ${shape.kty} key`;
  }
  if (algorithm === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    return `${kid}: RSA key shorter than ${MIN_RSA_BITS} bits`;
  }
  return { kid, algorithm, key, fingerprint: `${algorithm} ${JSON.stringify(pub)}` };
}
