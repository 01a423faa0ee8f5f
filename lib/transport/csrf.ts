import { createHmac, type KeyObject } from 'node:crypto';
import { constantTimeEqual, deriveSubKeys } from '../crypto/secrets.js';

const INFO = 'nest-gatekeeper/csrf/v1';

/**
 * CSRF tokens bound to a session: `HMAC-SHA256(k, session id)`, base64url, where `k` is derived
 * (HKDF-SHA256) from the secret keys (`secretKey`, or the JWT keys when it is not set). Every instance
 * that shares the keys computes the same token for the same session, so nothing is stored; a token
 * from another session (planted in a cookie, or read elsewhere) never matches. The token stays the
 * same for the whole session, so a refresh running beside other requests cannot make their header
 * stale. The first key makes new tokens; a token made with any other configured key is accepted, so
 * a rotation does not break live sessions (their next token response carries the new token).
 */
export class CsrfTokens {
  private readonly keys: readonly Buffer[];

  constructor(secretKeys: readonly KeyObject[]) {
    this.keys = deriveSubKeys(secretKeys, INFO);
  }

  /** The session's CSRF token (under the first key). */
  forSession(sessionId: string): string {
    return this.tokenUnder(this.keys[0], sessionId);
  }

  /** Whether `presented` is the session's token under one of the keys (constant-time per key). */
  matches(sessionId: string, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    for (const key of this.keys) if (constantTimeEqual(presented, this.tokenUnder(key, sessionId))) return true;
    return false;
  }

  private tokenUnder(key: Buffer, sessionId: string): string {
    return createHmac('sha256', key).update(sessionId).digest('base64url');
  }
}
