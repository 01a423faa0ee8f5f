import { randomToken, sha256 } from '../crypto/secrets.js';

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

/**
 * A new opaque refresh token for the session: `<sessionId>.<256 random bits>`. The session id lets
 * the store find the family by primary key; the random part is what makes it a secret.
 */
export function newRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomToken(32)}`;
}

/** The session id inside a well-formed refresh token, or `undefined` for anything else. */
export function refreshTokenSessionId(token: string): string | undefined {
  return token.length === 66 ? REFRESH_TOKEN.exec(token)?.[1] : undefined;
}

/** How refresh tokens are stored: SHA-256 (they are 256-bit random, so no slow hash is needed). */
export const hashRefreshToken = sha256;
