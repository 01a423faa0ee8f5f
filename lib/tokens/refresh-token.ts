import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { deriveSubKeys, randomBytesFromPool, randomToken, sha256 } from '../crypto/secrets.js';

const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;
const REFRESH_TOKEN = /^([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/;

/** A new random session id (128 bits). */
export function newSessionId(): string {
  return randomToken(16);
}

/** Whether `value` has the shape of a session id. */
export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

/** The HKDF label of the refresh-token MAC key (a sub-key of the secret keys). */
const MAC_INFO = 'nest-gatekeeper/refresh/v1';
/** Bytes of randomness and of (truncated) HMAC-SHA256 in a refresh token's secret part. */
const RANDOM_BYTES = 16;
const MAC_BYTES = 16;

/**
 * Self-authenticating refresh tokens: `<sessionId>.<base64url(16 random bytes ‖ 16-byte
 * HMAC-SHA256(k, sessionId ‖ random))>`, 66 characters, with `k` derived (HKDF) from the secret
 * keys (`secretKey`, or the JWT keys when it is not set). The store keeps only the hashes of the current and the previous token; the MAC is what
 * recognises every older generation of a session without storing it: a token whose MAC verifies for
 * its session id was minted by this server for that session, so if it is neither current nor
 * previous it is an older, rotated-out generation (a successor computed by a losing concurrent
 * rotation never leaves the server). A guessed or forged secret part fails the MAC.
 *
 * Every instance that shares the keys computes the same MACs. The first key makes new tokens; a
 * token whose MAC verifies under any configured key is recognised. Once the key a token was made
 * with is removed, its older generations are no longer recognised (answered as invalid, not as
 * reuse); current and previous tokens keep working, since those are compared by hash.
 */
export class RefreshTokens {
  private readonly keys: readonly Buffer[];

  constructor(secretKeys: readonly KeyObject[]) {
    this.keys = deriveSubKeys(secretKeys, MAC_INFO);
  }

  /** A new refresh token for the session: 128 random bits and their MAC. */
  issue(sessionId: string): string {
    const secret = Buffer.allocUnsafe(RANDOM_BYTES + MAC_BYTES);
    randomBytesFromPool(RANDOM_BYTES).copy(secret, 0);
    this.mac(this.keys[0], sessionId, secret.subarray(0, RANDOM_BYTES)).copy(secret, RANDOM_BYTES, 0, MAC_BYTES);
    return `${sessionId}.${secret.toString('base64url')}`;
  }

  /**
   * Whether `token` (well formed, see {@link refreshTokenSessionId}) was minted by {@link issue} for
   * the session it names: its MAC verifies (constant time) and its encoding is canonical.
   */
  isAuthentic(token: string): boolean {
    const sessionId = refreshTokenSessionId(token);
    if (sessionId === undefined) return false;
    const encoded = token.slice(SESSION_ID_LENGTH + 1);
    const secret = Buffer.from(encoded, 'base64url');
    if (secret.length !== RANDOM_BYTES + MAC_BYTES || secret.toString('base64url') !== encoded) return false;
    const random = secret.subarray(0, RANDOM_BYTES);
    const presented = secret.subarray(RANDOM_BYTES);
    for (const key of this.keys) {
      if (timingSafeEqual(this.mac(key, sessionId, random).subarray(0, MAC_BYTES), presented)) return true;
    }
    return false;
  }

  private mac(key: Buffer, sessionId: string, random: Buffer): Buffer {
    return createHmac('sha256', key).update(sessionId).update(random).digest();
  }
}

const SESSION_ID_LENGTH = 22;

/**
 * A refresh token with a purely random secret part (`<sessionId>.<256 random bits>`), the format of
 * tokens issued before {@link RefreshTokens}: still accepted as current or previous tokens (compared
 * by hash), never recognised as older generations. Kept for tests of that compatibility.
 */
export function newLegacyRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomToken(32)}`;
}

/** The session id inside a well-formed refresh token, or `undefined` for anything else. */
export function refreshTokenSessionId(token: string): string | undefined {
  return token.length === 66 ? REFRESH_TOKEN.exec(token)?.[1] : undefined;
}

/** How refresh tokens are stored: SHA-256 (they are 256-bit random, so no slow hash is needed). */
export const hashRefreshToken = sha256;
