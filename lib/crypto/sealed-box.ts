import { createCipheriv, createDecipheriv, hash } from 'node:crypto';
import { randomBytesFromPool } from './secrets.js';

/** Domain separation: this key is used for nothing else. */
const INFO = 'nest-gatekeeper/refresh-successor/v2\0';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The box key: SHA-256(info ‖ secret), a one-step key derivation (NIST SP 800-56C, option 1). The
 * secret is already 256 uniformly random bits (a refresh token), so no stretching or extraction is
 * needed; the fixed prefix keeps this key apart from the token's stored SHA-256 hash.
 */
function keyFrom(secret: string): Buffer {
  return hash('sha256', INFO + secret, 'buffer');
}

/**
 * Encrypts `plaintext` (AES-256-GCM) under a key derived (HMAC-SHA256) from a high-entropy secret
 * that is not stored anywhere: only a holder of the secret can open the box. Used to keep a rotated
 * refresh token's successor pair readable by the holder of the rotated token alone.
 */
export function seal(secret: string, plaintext: string): string {
  const iv = randomBytesFromPool(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secret), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens a box made by {@link seal}; `undefined` when the secret is wrong or the box was altered. */
export function open(secret: string, box: string): string | undefined {
  try {
    const raw = Buffer.from(box, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', keyFrom(secret), raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
