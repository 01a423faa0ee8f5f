import { createPrivateKey, createPublicKey, createSecretKey, KeyObject, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import type { JwtAlgorithm } from './auth-module-options.interface.js';
import type { Dict, Problems } from './option-checks.js';

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

type KeyPair = { sign: KeyObject; verify: KeyObject };

/** The `jwt` signing and verification keys for `algorithm`: each checked, and checked to be one pair. */
export function resolveJwtKeys(problems: Problems, jwt: Dict, algorithm: JwtAlgorithm): KeyPair | undefined {
  if (algorithm === 'HS256') return hs256Key(problems, jwt);
  if (jwt.secret !== undefined)
    problems.add('jwt.secret', `is only used with HS256; ${algorithm} takes 'jwt.privateKey' and 'jwt.publicKey'`);
  const pair = readKeyPair(problems, jwt, algorithm);
  if (pair === undefined) return undefined;
  const check = KEY_CHECKS[algorithm];
  const signProblem = check(pair.sign);
  const verifyProblem = check(pair.verify);
  if (signProblem) problems.add('jwt.privateKey', signProblem);
  if (verifyProblem) problems.add('jwt.publicKey', verifyProblem);
  if (signProblem || verifyProblem) return undefined;
  const probe = Buffer.from('nest-gatekeeper key pair check');
  const digest = algorithm === 'EdDSA' ? null : 'sha256';
  if (!cryptoVerify(digest, probe, pair.verify, cryptoSign(digest, probe, pair.sign))) {
    problems.add('jwt.publicKey', 'does not belong to jwt.privateKey (a token signed with one would not verify with the other)');
    return undefined;
  }
  return pair;
}

function hs256Key(problems: Problems, jwt: Dict): KeyPair | undefined {
  const secret = jwt.secret;
  if (jwt.privateKey !== undefined || jwt.publicKey !== undefined) {
    problems.add('jwt.privateKey', "is only used with RS256, ES256 or EdDSA; HS256 takes 'jwt.secret'");
  }
  if (typeof secret !== 'string' && !Buffer.isBuffer(secret)) {
    problems.add('jwt.secret', 'is required for HS256 (a string or Buffer of at least 32 bytes)');
    return undefined;
  }
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length < MIN_HS256_SECRET_BYTES) {
    problems.add('jwt.secret', `at least ${MIN_HS256_SECRET_BYTES} bytes for HS256 (got ${bytes.length})`);
    return undefined;
  }
  const key = createSecretKey(Buffer.from(bytes));
  return { sign: key, verify: key };
}

/** The private key and the public key (derived from the private one when not given), as KeyObjects. */
function readKeyPair(problems: Problems, jwt: Dict, algorithm: JwtAlgorithm): KeyPair | undefined {
  let sign: KeyObject | undefined;
  let verify: KeyObject | undefined;
  try {
    if (jwt.privateKey === undefined) problems.add('jwt.privateKey', `is required for ${algorithm}`);
    else sign = jwt.privateKey instanceof KeyObject ? jwt.privateKey : createPrivateKey(jwt.privateKey as string | Buffer);
    if (sign && sign.type !== 'private') {
      problems.add('jwt.privateKey', 'must be a private key');
      sign = undefined;
    }
  } catch {
    problems.add('jwt.privateKey', 'could not be read as a PEM private key');
  }
  try {
    if (jwt.publicKey !== undefined) {
      verify = jwt.publicKey instanceof KeyObject ? jwt.publicKey : createPublicKey(jwt.publicKey as string | Buffer);
    } else if (sign) {
      verify = createPublicKey(sign);
    }
  } catch {
    problems.add('jwt.publicKey', 'could not be read as a PEM public key');
  }
  return sign && verify ? { sign, verify } : undefined;
}

const MIN_ENCRYPTION_KEY_BYTES = 32;

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
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) problems.add('mfa.encryptionKey', 'must hold at least one key');
  const keys: KeyObject[] = [];
  list.forEach((key, i) => {
    const path = Array.isArray(value) ? `mfa.encryptionKey[${i}]` : 'mfa.encryptionKey';
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.isBuffer(key) ? key : undefined;
    if (bytes === undefined) problems.add(path, 'must be a string or a Buffer');
    else if (bytes.length < MIN_ENCRYPTION_KEY_BYTES)
      problems.add(path, `must be at least ${MIN_ENCRYPTION_KEY_BYTES} bytes (got ${bytes.length})`);
    else keys.push(createSecretKey(Buffer.from(bytes)));
  });
  return keys;
}
