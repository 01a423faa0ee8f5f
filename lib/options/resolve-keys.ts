import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  KeyObject,
  sign as cryptoSign,
  verify as cryptoVerify,
} from 'node:crypto';
import type { JwtAlgorithm, JwtKeyOptions, JwtKeyStatus } from './auth-module-options.interface.js';
import { isDict, keysOf, section, type Dict, type Problems } from './option-checks.js';
import type { ResolvedJwtKey } from './resolved-auth-options.js';

const JWT_KEY_KEYS = keysOf<JwtKeyOptions>({ kid: 1, algorithm: 1, secret: 1, privateKey: 1, publicKey: 1, status: 1, activateAt: 1 });

const MIN_HS256_SECRET_BYTES = 32;

const KEY_CHECKS: Record<Exclude<JwtAlgorithm, 'HS256'>, (key: KeyObject) => string | undefined> = {
  RS256: (key) =>
    key.asymmetricKeyType !== 'rsa'
      ? 'must be an RSA key for RS256'
      : (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048
        ? 'must be an RSA key of at least 2048 bits'
        : undefined,
  ES256: (key) =>
    key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
      ? 'must be a P-256 EC key for ES256'
      : undefined,
  EdDSA: (key) => (key.asymmetricKeyType !== 'ed25519' ? 'must be an Ed25519 key for EdDSA' : undefined),
};

type KeyPair = { sign: KeyObject | null; verify: KeyObject };

const STATUSES: readonly JwtKeyStatus[] = ['active', 'standby', 'retired'];
const ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'RS256', 'ES256', 'EdDSA'];
/** A `kid`: 1–64 URL-safe characters (RFC 3986 unreserved), so it is safe in logs, headers and URLs. */
const KID = /^[A-Za-z0-9._~-]{1,64}$/;
/** The label hashed with an HS256 secret to name it (the secret itself never leaves the process). */
const HS256_KID_LABEL = 'nest-gatekeeper jwt kid v1\0';

/**
 * The single-key form (`jwt.secret`, or `jwt.privateKey`/`jwt.publicKey` with `jwt.algorithm`): a
 * one-key set whose key is active and whose `kid` is derived from the key (see {@link derivedKid}).
 */
export function resolveJwtKeys(problems: Problems, jwt: Dict, algorithm: JwtAlgorithm): ResolvedJwtKey | undefined {
  const pair = resolveKeyMaterial(problems, 'jwt', jwt, algorithm, true);
  if (pair === undefined) return undefined;
  return {
    kid: derivedKid(pair.verify),
    algorithm,
    status: 'active',
    activateAt: null,
    signingKey: pair.sign,
    verificationKey: pair.verify,
  };
}

/**
 * `jwt.keys` (or what a `KeyProvider` loaded, under `name`): each key checked for its own algorithm,
 * unique `kid`s, and either exactly one `active` key (the signer, with its private key or secret;
 * `standby` and `retired` keys verify only, and an asymmetric one may be given by its public key
 * alone) or an `activateAt` on every key (a schedule: each key needs its private key or secret, and
 * the statuses are computed from the clock by the `JwtKeyRing`; here they read `standby`).
 */
export function resolveJwtKeySet(problems: Problems, value: unknown, name = 'jwt.keys'): ResolvedJwtKey[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(name, 'must be a non-empty array of keys ({ kid, algorithm, secret | privateKey | publicKey, status })');
    return [];
  }
  const scheduled = (value as unknown[]).filter((entry) => isDict(entry) && entry.activateAt !== undefined).length;
  const schedule = scheduled > 0;
  if (schedule && scheduled !== value.length) {
    problems.add(name, `either every key has activateAt (a schedule) or none does (${scheduled} of ${value.length} have one)`);
  }
  const keys: ResolvedJwtKey[] = [];
  const seen = new Set<string>();
  let active = 0;
  (value as unknown[]).forEach((entry, i) => {
    const path = `${name}[${i}]`;
    if (!isDict(entry)) {
      problems.add(path, 'must be an object ({ kid, algorithm, secret | privateKey | publicKey, status })');
      return;
    }
    const given = section(problems, entry, path, JWT_KEY_KEYS);
    // Checked once the key is read when left out (then derived as in the single-key form).
    let kid = given.kid;
    const checkKid = (): boolean => {
      if (typeof kid !== 'string' || !KID.test(kid)) {
        problems.add(`${path}.kid`, 'must be 1 to 64 letters, digits, or - . _ ~');
        return false;
      }
      if (seen.has(kid)) {
        problems.add(
          `${path}.kid`,
          `'${kid}' is used by another key (every kid names one key${given.kid === undefined ? '; this one is derived from the key, which is configured twice' : ''})`,
        );
        return false;
      }
      seen.add(kid);
      return true;
    };
    const kidOk = given.kid === undefined || checkKid();
    const algorithm = given.algorithm;
    const algorithmOk = (ALGORITHMS as readonly unknown[]).includes(algorithm);
    if (!algorithmOk) {
      problems.add(
        `${path}.algorithm`,
        `is required: one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')}${algorithm === undefined ? '' : ` (got ${JSON.stringify(algorithm)})`}`,
      );
    }
    let activateAt: number | null = null;
    if (given.activateAt !== undefined) {
      activateAt = instant(given.activateAt);
      if (activateAt === null) problems.add(`${path}.activateAt`, 'must be a Date, an ISO 8601 date-time string or epoch milliseconds');
      if (given.status !== undefined)
        problems.add(`${path}.status`, 'cannot be combined with activateAt (the schedule decides the status)');
    }
    const status = schedule ? 'standby' : (given.status ?? 'active');
    const statusOk = (STATUSES as readonly unknown[]).includes(status);
    if (!statusOk) {
      problems.add(`${path}.status`, `must be one of ${STATUSES.map((s) => `'${s}'`).join(', ')} (got ${JSON.stringify(status)})`);
    }
    if (status === 'active') active++;
    if (!algorithmOk || !statusOk) return;
    // A scheduled key will sign one day: it needs its private key or secret.
    const pair = resolveKeyMaterial(problems, path, given, algorithm as JwtAlgorithm, status === 'active' || schedule);
    if (pair === undefined || !kidOk) return;
    if (given.kid === undefined) {
      kid = derivedKid(pair.verify);
      if (!checkKid()) return;
    }
    keys.push({
      kid: kid as string,
      algorithm: algorithm as JwtAlgorithm,
      status: status as JwtKeyStatus,
      activateAt,
      signingKey: pair.sign,
      verificationKey: pair.verify,
    });
  });
  if (!schedule && active !== 1) {
    problems.add(name, `exactly one key must have status 'active' (the one that signs; a key without status is active), found ${active}`);
  }
  return keys;
}

/** An ISO 8601 date-time (with a time zone) as epoch milliseconds. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A `Date`, an ISO 8601 date-time string or epoch milliseconds, as epoch milliseconds; `null` for anything else. */
function instant(value: unknown): number | null {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'string' && ISO_DATE_TIME.test(value)
        ? Date.parse(value)
        : typeof value === 'number'
          ? value
          : NaN;
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : null;
}

/**
 * The `kid` of a key given in the single-key form: the RFC 7638 JWK thumbprint (SHA-256, base64url)
 * of an asymmetric public key; for an HS256 secret, the first 22 base64url characters (128 bits) of
 * SHA-256 over a fixed label and the secret, which names the secret without revealing it.
 */
export function derivedKid(verificationKey: KeyObject): string {
  if (verificationKey.type === 'secret') {
    return createHash('sha256').update(HS256_KID_LABEL).update(verificationKey.export()).digest('base64url').slice(0, 22);
  }
  return jwkThumbprint(verificationKey);
}

/** The RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: its required members, sorted. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const members =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/**
 * The signing and verification keys of one key for `algorithm`, each checked, and checked to be one
 * pair. `path` names the key in messages (`jwt`, `jwt.keys[1]`). Without `needsSigning` an
 * asymmetric key may come without its private key (`sign` is then `null`).
 */
function resolveKeyMaterial(
  problems: Problems,
  path: string,
  given: Dict,
  algorithm: JwtAlgorithm,
  needsSigning: boolean,
): KeyPair | undefined {
  if (algorithm === 'HS256') return hs256Key(problems, path, given);
  if (given.secret !== undefined)
    problems.add(`${path}.secret`, `is only used with HS256; ${algorithm} takes '${path}.privateKey' and '${path}.publicKey'`);
  const pair = readKeyPair(problems, path, given, algorithm, needsSigning);
  if (pair === undefined) return undefined;
  const check = KEY_CHECKS[algorithm];
  const signProblem = pair.sign === null ? undefined : check(pair.sign);
  const verifyProblem = check(pair.verify);
  if (signProblem) problems.add(`${path}.privateKey`, signProblem);
  if (verifyProblem) problems.add(`${path}.publicKey`, verifyProblem);
  if (signProblem || verifyProblem) return undefined;
  if (pair.sign === null) return pair;
  const probe = Buffer.from('nest-gatekeeper key pair check');
  const digest = algorithm === 'EdDSA' ? null : 'sha256';
  if (!cryptoVerify(digest, probe, pair.verify, cryptoSign(digest, probe, pair.sign))) {
    problems.add(`${path}.publicKey`, `does not belong to ${path}.privateKey (a token signed with one would not verify with the other)`);
    return undefined;
  }
  return pair;
}

function hs256Key(problems: Problems, path: string, given: Dict): KeyPair | undefined {
  const secret = given.secret;
  if (given.privateKey !== undefined || given.publicKey !== undefined) {
    problems.add(`${path}.privateKey`, `is only used with RS256, ES256 or EdDSA; HS256 takes '${path}.secret'`);
  }
  if (typeof secret !== 'string' && !Buffer.isBuffer(secret)) {
    problems.add(`${path}.secret`, 'is required for HS256 (a string or Buffer of at least 32 bytes)');
    return undefined;
  }
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < MIN_HS256_SECRET_BYTES) {
    problems.add(`${path}.secret`, `at least ${MIN_HS256_SECRET_BYTES} bytes for HS256 (got ${bytes.length})`);
    return undefined;
  }
  const key = createSecretKey(Buffer.from(bytes));
  return { sign: key, verify: key };
}

/**
 * The private key and the public key (derived from the private one when not given), as KeyObjects.
 * A key that need not sign may be given by its public key alone.
 */
function readKeyPair(problems: Problems, path: string, given: Dict, algorithm: JwtAlgorithm, needsSigning: boolean): KeyPair | undefined {
  let sign: KeyObject | undefined;
  let verify: KeyObject | undefined;
  let failed = false;
  try {
    if (given.privateKey === undefined) {
      if (needsSigning) {
        problems.add(`${path}.privateKey`, `is required for ${algorithm}`);
        failed = true;
      } else if (given.publicKey === undefined) {
        problems.add(`${path}.publicKey`, `is required for ${algorithm} (or ${path}.privateKey)`);
        failed = true;
      }
    } else sign = given.privateKey instanceof KeyObject ? given.privateKey : createPrivateKey(given.privateKey as string | Buffer);
    if (sign && sign.type !== 'private') {
      problems.add(`${path}.privateKey`, 'must be a private key');
      sign = undefined;
      failed = true;
    }
  } catch {
    problems.add(`${path}.privateKey`, 'could not be read as a PEM private key');
    failed = true;
  }
  try {
    if (given.publicKey !== undefined) {
      verify = given.publicKey instanceof KeyObject ? given.publicKey : createPublicKey(given.publicKey as string | Buffer);
      if (verify.type !== 'public') verify = createPublicKey(verify);
    } else if (sign) {
      verify = createPublicKey(sign);
    }
  } catch {
    problems.add(`${path}.publicKey`, 'could not be read as a PEM public key');
  }
  return !failed && verify ? { sign: sign ?? null, verify } : undefined;
}

const MIN_SYMMETRIC_KEY_BYTES = 32;

/** `mfa.encryptionKey`: one key or a list (first encrypts), each at least 32 bytes. */
export function resolveEncryptionKeys(problems: Problems, value: unknown, needed: boolean): KeyObject[] {
  if (value === undefined || value === null) {
    if (needed)
      problems.add(
        'mfa.encryptionKey',
        "is required when mfa.methods includes 'totp' (TOTP secrets are stored encrypted; at least 32 bytes)",
      );
    return [];
  }
  return symmetricKeys(problems, 'mfa.encryptionKey', value);
}

/**
 * `secretKey` (one key or a list, each at least 32 bytes), followed by every JWT key holding a secret
 * or private key, the active one first: the keys CSRF tokens, refresh-token MACs and code hashes are
 * derived from (the first keys new values).
 */
export function resolveSecretKeys(
  problems: Problems,
  value: unknown,
  jwtKeys: readonly ResolvedJwtKey[],
  keyProvider: boolean,
): KeyObject[] {
  if (keyProvider && value === undefined) {
    problems.add(
      'secretKey',
      'is required with jwt.keyProvider (CSRF tokens, refresh-token MACs and code hashes must not change when the keys are reloaded)',
    );
  }
  const own = value === undefined ? [] : symmetricKeys(problems, 'secretKey', value);
  // The active key first (a scheduled set: the latest activateAt first); the rest in configuration order.
  const rank = (key: ResolvedJwtKey): number => (key.activateAt !== null ? key.activateAt : key.status === 'active' ? Infinity : -1);
  const fromJwt = [...jwtKeys].sort((a, b) => rank(b) - rank(a)).flatMap((key) => (key.signingKey === null ? [] : [key.signingKey]));
  return [...own, ...fromJwt];
}

/** One symmetric key or a list of them, each a string (UTF-8) or Buffer of at least 32 bytes. */
function symmetricKeys(problems: Problems, name: string, value: unknown): KeyObject[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) problems.add(name, 'must hold at least one key');
  const keys: KeyObject[] = [];
  list.forEach((key, i) => {
    const path = Array.isArray(value) ? `${name}[${i}]` : name;
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.isBuffer(key) ? key : undefined;
    if (bytes === undefined) problems.add(path, 'must be a string or a Buffer');
    else if (bytes.length < MIN_SYMMETRIC_KEY_BYTES)
      problems.add(path, `must be at least ${MIN_SYMMETRIC_KEY_BYTES} bytes (got ${bytes.length})`);
    else keys.push(createSecretKey(Buffer.from(bytes)));
  });
  return keys;
}
