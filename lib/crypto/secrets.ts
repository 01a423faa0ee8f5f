import { hash, hkdfSync, randomFillSync, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * CSPRNG output is drawn in blocks and handed out once, front to back: one `randomFillSync` call per
 * 4 KiB instead of one per token (the same buffering Node applies to `crypto.randomUUID`). Every byte
 * is used at most once; a request larger than the block skips the pool.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** `n` fresh bytes from the CSPRNG (a view of the pool: copy it if it must outlive the call). */
export function randomBytesFromPool(n: number): Buffer {
  if (n > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(n));
  if (poolOffset + n > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return bytes;
}

/** `n` random bytes from the CSPRNG, base64url-encoded. */
export function randomToken(bytes = 32): string {
  return randomBytesFromPool(bytes).toString('base64url');
}

/** SHA-256 of a high-entropy secret, base64url-encoded (how opaque tokens are stored). */
export function sha256(value: string): string {
  return hash('sha256', value, 'base64url');
}

/** Compares two strings in time independent of where they differ (lengths are not secret here). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * A sub-key of a secret for one purpose (CSRF tokens, refresh-token MACs, code hashes): HKDF-SHA256
 * over the key's bytes (a secret, or a private key in DER) with a purpose label, 32 bytes.
 */
export function deriveSubKey(source: KeyObject, info: string): Buffer {
  const bytes = source.type === 'secret' ? source.export() : source.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', bytes, Buffer.alloc(0), info, 32));
}

/**
 * The sub-keys of every secret key (`options.secretKeys`, see `secretKey`) for one purpose, in order:
 * the first keys new values, every one is accepted, so a value made before a rotation keeps working.
 */
export function deriveSubKeys(sources: readonly KeyObject[], info: string): readonly Buffer[] {
  if (sources.length === 0) throw new Error('deriveSubKeys: no secret key');
  return sources.map((source) => deriveSubKey(source, info));
}
