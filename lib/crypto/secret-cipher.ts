import { createCipheriv, createDecipheriv, hkdfSync, type KeyObject } from 'node:crypto';
import { randomBytesFromPool } from './secrets.js';

const INFO = 'nest-gatekeeper/totp-secret/v1';
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts small secrets at rest (TOTP secrets) with AES-256-GCM. Each configured key is stretched
 * into its own 256-bit key with HKDF-SHA256 (domain-separated from every other use of the key). The
 * ciphertext is bound to a context string (the user id) as additional authenticated data, so a
 * secret copied onto another user's row does not decrypt. Format: `v1.<iv>.<ciphertext>.<tag>`
 * (base64url). The first key encrypts; every key is tried to decrypt, which allows key rotation.
 */
export class SecretCipher {
  private readonly keys: Buffer[];

  constructor(keys: readonly KeyObject[]) {
    this.keys = keys.map((key) => Buffer.from(hkdfSync('sha256', key.export(), Buffer.alloc(0), INFO, 32)));
  }

  /** Whether a key is configured. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  encrypt(plaintext: string, context: string): string {
    const key = this.keys[0];
    if (key === undefined) throw new Error('SecretCipher: no encryption key is configured (mfa.encryptionKey).');
    const iv = Buffer.from(randomBytesFromPool(IV_BYTES));
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The plaintext, or `undefined` when no key opens the box (tampered, another context, unknown key). */
  decrypt(box: string, context: string): string | undefined {
    const [version, iv, body, tag] = box.split('.');
    if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) return undefined;
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) return undefined;
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tagBytes);
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // Not this key: try the next one.
      }
    }
    return undefined;
  }
}
