import { createHmac, type KeyObject } from 'node:crypto';
import { constantTimeEqual, deriveSubKey } from '../crypto/secrets.js';

const INFO = 'nest-gatekeeper/csrf/v1';

/**
 * CSRF tokens bound to a session: `HMAC-SHA256(k, session id)`, base64url, where `k` is derived
 * (HKDF-SHA256) from the JWT signing key. Every instance that shares the signing key computes the
 * same token for the same session, so nothing is stored; a token from another session (planted in a
 * cookie, or read elsewhere) never matches. The token stays the same for the whole session, so a
 * refresh running beside other requests cannot make their header stale.
 */
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(signingKey: KeyObject) {
    this.key = deriveSubKey(signingKey, INFO);
  }

  /** The session's CSRF token. */
  forSession(sessionId: string): string {
    return createHmac('sha256', this.key).update(sessionId).digest('base64url');
  }

  /** Whether `presented` is the session's token (constant-time). */
  matches(sessionId: string, presented: string | undefined): boolean {
    return presented !== undefined && constantTimeEqual(presented, this.forSession(sessionId));
  }
}
