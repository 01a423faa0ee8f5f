import type { StoredSession } from '../stores/session.store.js';

/**
 * The one liveness rule: a session is live when it exists, is not revoked, and neither its idle nor
 * its absolute expiry has passed at `now` (epoch ms); with `ownerId`, it must also belong to that
 * user (an access token's `sub`). Every check of a session's life goes through here: refresh,
 * `DELETE /sessions/:id`, the access guard on `@LiveSession()` routes and with `sessionCheck`, and the
 * memory and Redis stores' listings of live sessions.
 */
export function isSessionLive(session: StoredSession | null | undefined, now: number, ownerId?: string): session is StoredSession {
  return (
    session !== null &&
    session !== undefined &&
    session.revokedAt === null &&
    session.expiresAt > now &&
    session.absoluteExpiresAt > now &&
    (ownerId === undefined || session.userId === ownerId)
  );
}
