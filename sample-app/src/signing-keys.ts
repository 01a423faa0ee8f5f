import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JwtAlgorithm, JwtKeyOptions } from 'nest-gatekeeper';

/** The values of JWT_ALGORITHM, as the module spells them (the setting is read in any case). */
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'EdDSA', 'ES256', 'RS256'];

/** The smallest RSA key the module accepts (and so the file). */
const MIN_RSA_BITS = 2048;
/** The smallest HS256 secret the module accepts. */
const MIN_SECRET_BYTES = 32;
/** What the module accepts as a `kid`. */
const KID = /^[A-Za-z0-9._~-]{1,64}$/;

/** The JWK key type and curve each algorithm takes. */
const JWK_SHAPE: Record<JwtAlgorithm, { kty: string; crv?: string; private: 'd' | 'k' }> = {
  HS256: { kty: 'oct', private: 'k' },
  RS256: { kty: 'RSA', private: 'd' },
  ES256: { kty: 'EC', crv: 'P-256', private: 'd' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', private: 'd' },
};

const quoted = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

/**
 * A development key pair for `algorithm` (Ed25519, P-256 or RSA 2048), generated now: it lives as
 * long as the process, so every restart (and every other instance) has another one.
 */
export function generateDevelopmentKey(algorithm: Exclude<JwtAlgorithm, 'HS256'>): KeyObject {
  if (algorithm === 'EdDSA') return generateKeyPairSync('ed25519').privateKey;
  if (algorithm === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return generateKeyPairSync('rsa', { modulusLength: MIN_RSA_BITS }).privateKey;
}

/** The keys read from a JWK Set file, or every problem found in it (then `keys` is empty). */
export interface JwksFileKeys {
  keys: JwtKeyOptions[];
  problems: string[];
}

/**
 * Reads JWT_JWKS_FILE: a JSON Web Key Set `{ "keys": [ … ] }`. Each key has `alg` (`EdDSA`, `ES256`,
 * `RS256` or `HS256`) with its matching `kty` (and `crv`), optionally `kid` (else derived by the
 * module) and `use: "sig"`. The first key signs, so it must be a private key (`d`, or `k` for an
 * HS256 secret) and becomes the `active` key of `jwt.keys`; every other key becomes `standby`: it
 * verifies and (when asymmetric) is published, and may be a public JWK. Every problem is collected;
 * no message quotes key material.
 */
export function readJwksFile(path: string): JwksFileKeys {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { keys: [], problems: [`cannot be read${code ? ` (${code})` : ''}`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Not the parser's message: it may quote the file, private keys included.
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    return { keys: [], problems: [`is not valid JSON${position === undefined ? '' : ` (at character ${position})`}`] };
  }
  const set = parsed as { keys?: unknown } | null;
  if (typeof set !== 'object' || set === null || Array.isArray(set) || !Array.isArray(set.keys) || set.keys.length === 0) {
    return { keys: [], problems: ['must be a JSON Web Key Set with at least one key: { "keys": [ { "kty", "alg", "kid", … } ] }'] };
  }
  const problems: string[] = [];
  const kids = new Set<string>();
  const keys = (set.keys as unknown[]).map((entry, i) => readJwk(entry, i, problems, kids));
  if (problems.length > 0) return { keys: [], problems };
  return { keys: keys as JwtKeyOptions[], problems };
}

/** One key of the set as a `jwt.keys` entry (the first `active`, the others `standby`), or `undefined` with its problems added. */
function readJwk(entry: unknown, i: number, problems: string[], kids: Set<string>): JwtKeyOptions | undefined {
  const path = `keys[${i}]`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push(`${path}: must be a JSON object (a JWK)`);
    return undefined;
  }
  const jwk = entry as Record<string, unknown>;
  const before = problems.length;
  const algorithm = JWT_ALGORITHMS.find((a) => a === jwk.alg);
  if (algorithm === undefined) {
    problems.push(
      `${path}.alg: is required: one of ${quoted(JWT_ALGORITHMS)}${jwk.alg === undefined ? '' : ` (got ${JSON.stringify(jwk.alg)})`}`,
    );
  }
  if (jwk.kid !== undefined) {
    if (typeof jwk.kid !== 'string' || !KID.test(jwk.kid)) problems.push(`${path}.kid: must be 1 to 64 letters, digits, or - . _ ~`);
    else if (kids.has(jwk.kid)) problems.push(`${path}.kid: '${jwk.kid}' is used by another key`);
    else kids.add(jwk.kid);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') problems.push(`${path}.use: must be "sig" when given (got ${JSON.stringify(jwk.use)})`);
  if (algorithm === undefined) return undefined;
  const shape = JWK_SHAPE[algorithm];
  if (jwk.kty !== shape.kty) {
    problems.push(`${path}.kty: ${algorithm} takes '${shape.kty}' keys (got ${JSON.stringify(jwk.kty)})`);
    return undefined;
  }
  if (shape.crv !== undefined && jwk.crv !== shape.crv) {
    problems.push(`${path}.crv: ${algorithm} takes the curve '${shape.crv}' (got ${JSON.stringify(jwk.crv)})`);
    return undefined;
  }
  const isPrivate = jwk[shape.private] !== undefined;
  if (!isPrivate && (i === 0 || algorithm === 'HS256')) {
    problems.push(
      algorithm === 'HS256'
        ? `${path}.k: is required (the HS256 secret, base64url)`
        : `${path}.d: is required: the first key signs, so it must be a private key`,
    );
    return undefined;
  }
  if (problems.length > before) return undefined;

  const status = i === 0 ? 'active' : 'standby';
  const kid = typeof jwk.kid === 'string' ? { kid: jwk.kid } : {};
  if (algorithm === 'HS256') {
    const secret = typeof jwk.k === 'string' && /^[A-Za-z0-9_-]*$/.test(jwk.k) ? Buffer.from(jwk.k, 'base64url') : undefined;
    if (secret === undefined || secret.length < MIN_SECRET_BYTES) {
      problems.push(`${path}.k: must be a base64url secret of at least ${MIN_SECRET_BYTES} bytes`);
      return undefined;
    }
    return { ...kid, algorithm, secret, status };
  }
  let key: KeyObject;
  try {
    key = isPrivate
      ? createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
      : createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    problems.push(
      `${path}: could not be read as ${isPrivate ? 'a private' : 'a public'} ${shape.kty} JWK (a member is missing or malformed)`,
    );
    return undefined;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (algorithm === 'RS256' && (bits === undefined || bits < MIN_RSA_BITS)) {
    problems.push(`${path}.n: an RSA key of at least ${MIN_RSA_BITS} bits is required (got ${bits ?? 'unknown'})`);
    return undefined;
  }
  return { ...kid, algorithm, ...(isPrivate ? { privateKey: key } : { publicKey: key }), status };
}
