import { createHmac, hash, randomInt, type KeyObject } from 'node:crypto';
import { deriveSubKeys } from '../crypto/secrets.js';

const OTP_INFO = 'nest-gatekeeper/otp/v1';
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const RECOVERY_LENGTH = 12;

/**
 * E-mail/SMS codes: `length` decimal digits from the CSPRNG (`crypto.randomInt`, no modulo bias),
 * stored as `HMAC-SHA256(k, user ‖ pending login ‖ method ‖ code)` with `k` derived (HKDF) from the
 * secret keys (`secretKey`, or the JWT keys when it is not set), so a leaked table does not give the
 * codes away (a plain hash of six digits would), and a code is bound to one pending login. New codes
 * are hashed under the first key; {@link hashes} gives the hash under every key, so a code sent before
 * a rotation still matches.
 */
export class OneTimeCodes {
  private readonly keys: readonly Buffer[];

  constructor(
    secretKeys: readonly KeyObject[],
    readonly length: number,
  ) {
    this.keys = deriveSubKeys(secretKeys, OTP_INFO);
  }

  /** A new code. */
  generate(): string {
    let code = '';
    for (let i = 0; i < this.length; i++) code += String(randomInt(10));
    return code;
  }

  /** Whether `code` has the shape of a code (exact digit count, nothing else). */
  isWellFormed(code: string): boolean {
    return code.length === this.length && /^[0-9]+$/.test(code);
  }

  /** How a new code is stored (under the first key). */
  hash(userId: string, pendingId: string, method: string, code: string): string {
    return OneTimeCodes.hashUnder(this.keys[0], userId, pendingId, method, code);
  }

  /** The hash of `code` under every key, the first key's first: a stored code matches one of them. */
  hashes(userId: string, pendingId: string, method: string, code: string): string[] {
    return this.keys.map((key) => OneTimeCodes.hashUnder(key, userId, pendingId, method, code));
  }

  private static hashUnder(key: Buffer, userId: string, pendingId: string, method: string, code: string): string {
    return createHmac('sha256', key).update(`${userId}\0${pendingId}\0${method}\0${code}`).digest('base64url');
  }
}

/**
 * Recovery codes: 12 characters from a 31-letter alphabet without look-alikes (≈ 59 bits each),
 * shown as `xxxx-xxxx-xxxx`. Input is read case-insensitively, with dashes and spaces ignored.
 */
export const RecoveryCodes = {
  generate(count: number): string[] {
    return Array.from({ length: count }, () => {
      let raw = '';
      for (let i = 0; i < RECOVERY_LENGTH; i++) raw += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
      return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
    });
  },

  /** The canonical form of an entered code, or `undefined` when it cannot be a recovery code. */
  normalise(input: string): string | undefined {
    if (input.length > 32) return undefined;
    const raw = input.toLowerCase().replace(/[\s-]/g, '');
    return raw.length === RECOVERY_LENGTH && [...raw].every((c) => RECOVERY_ALPHABET.includes(c)) ? raw : undefined;
  },

  /**
   * How a recovery code is stored: SHA-256 over the user id and the canonical code. ~59 random bits
   * per code make an offline search impractical without a slow hash.
   */
  hash(userId: string, normalised: string): string {
    return hash('sha256', `nest-gatekeeper/recovery/v1\0${userId}\0${normalised}`, 'base64url');
  },
};
