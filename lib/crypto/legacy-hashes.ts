import bcrypt from 'bcryptjs';
import { pbkdf2, timingSafeEqual } from 'node:crypto';

/**
 * Password-hash schemes of other systems that the default hasher can verify, so that a team can
 * import an existing user table as it is: `'bcrypt'` (`$2a$`, `$2b$`, `$2y$`: Node's bcrypt and
 * bcryptjs, Spring Security, PHP's `password_hash`, Devise, Laravel) and `'pbkdf2'` (Django's
 * `pbkdf2_sha256$…` and the PHC form `$pbkdf2-sha256$…` of passlib and `@phc/pbkdf2`; SHA-1,
 * SHA-256 and SHA-512). An imported hash that verifies is replaced by an argon2id one at that login.
 */
export type LegacyHashScheme = 'bcrypt' | 'pbkdf2';

/** Every legacy scheme, for validating options. */
export const LEGACY_HASH_SCHEMES: readonly LegacyHashScheme[] = Object.freeze(['bcrypt', 'pbkdf2']);

/** bcrypt's modular crypt format: version, cost, 22 characters of salt and 31 of hash. */
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/** bcrypt costs verified: 4 to 15 (cost 15 is about 2 s); a stored hash asking for more is refused, not run. */
const MAX_BCRYPT_COST = 15;
/** Django: `pbkdf2_<digest>$<iterations>$<salt>$<base64 hash>` (the salt is used as text). */
const DJANGO_PBKDF2 = /^pbkdf2_(sha1|sha256|sha512)\$(\d{1,9})\$([^$]{1,128})\$([A-Za-z0-9+/]{16,172}={0,2})$/;
/** PHC / passlib: `$pbkdf2-<digest>$<iterations or i=N[,l=L]>$<b64 salt>$<b64 hash>` ('.' for '+' in passlib's). */
const PHC_PBKDF2 =
  /^\$pbkdf2(?:-(sha1|sha256|sha512))?\$(?:i=)?(\d{1,9})(?:,l=\d{1,3})?\$([A-Za-z0-9+/.]{1,172}={0,2})\$([A-Za-z0-9+/.]{16,172}={0,2})$/;
/**
 * More iterations than real systems use (Django 5.2: 1,000,000 for SHA-256): a stored hash asking for
 * more is refused, not run (it would hold a thread of libuv's small pool, which DNS look-ups share).
 */
const MAX_PBKDF2_ITERATIONS = 2_000_000;

/** The legacy scheme of a stored hash, or `null` (argon2id, or anything else). */
export function legacySchemeOf(encoded: string): LegacyHashScheme | null {
  if (BCRYPT.test(encoded)) return 'bcrypt';
  if (DJANGO_PBKDF2.test(encoded) || PHC_PBKDF2.test(encoded)) return 'pbkdf2';
  return null;
}

/** Whether a bcrypt hash's cost is one this module runs (4 to {@link MAX_BCRYPT_COST}). */
export function bcryptCostAllowed(encoded: string): boolean {
  const cost = Number(BCRYPT.exec(encoded)?.[1]);
  return cost >= 4 && cost <= MAX_BCRYPT_COST;
}

/** bcrypt's `$2y$` (PHP) is `$2b$`: the same algorithm under another name, which bcryptjs reads. */
export function normalisedBcrypt(encoded: string): string {
  return encoded.startsWith('$2y$') ? `$2b$${encoded.slice(4)}` : encoded;
}

/**
 * Whether `password` matches a stored hash of `scheme`; `false` (never a rejection) for a malformed
 * one or a cost over the caps. bcrypt runs in bcryptjs here, on the event loop in short slices (the
 * module's default hasher runs it on its hashing threads instead, see
 * `Argon2idPasswordHasher.verifyBcrypt`); PBKDF2 on libuv's thread pool.
 */
export async function verifyLegacy(scheme: LegacyHashScheme, encoded: string, password: string): Promise<boolean> {
  if (scheme === 'bcrypt' && !bcryptCostAllowed(encoded)) return false;
  try {
    return scheme === 'bcrypt' ? await bcrypt.compare(password, normalisedBcrypt(encoded)) : await verifyPbkdf2(encoded, password);
  } catch {
    return false;
  }
}

/**
 * Whether `password` matches a PBKDF2 hash in one of the two forms above (constant-time comparison;
 * derived on libuv's thread pool). Resolves `false` for anything malformed or over
 * {@link MAX_PBKDF2_ITERATIONS}.
 */
export async function verifyPbkdf2(encoded: string, password: string): Promise<boolean> {
  const django = DJANGO_PBKDF2.exec(encoded);
  const phc = django === null ? PHC_PBKDF2.exec(encoded) : null;
  const match = django ?? phc;
  if (match === null) return false;
  const digest = match[1] ?? 'sha1';
  const iterations = Number(match[2]);
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return false;
  const salt = django !== null ? Buffer.from(match[3], 'utf8') : fromAdaptedBase64(match[3]);
  const expected = fromAdaptedBase64(match[4]);
  if (expected.length < 16 || expected.length > 128) return false;
  const derived = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(password, salt, iterations, expected.length, digest, (error, key) => (error ? reject(error) : resolve(key))),
  );
  return timingSafeEqual(derived, expected);
}

/** Standard base64, or passlib's "adapted" one ('.' for '+'), with or without padding. */
function fromAdaptedBase64(text: string): Buffer {
  return Buffer.from(text.replaceAll('.', '+'), 'base64');
}
