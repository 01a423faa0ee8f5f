import { isSessionLive } from '../../../lib/sessions/session-liveness.js';
import type { StoredSession } from '../../../lib/stores/session.store.js';

const NOW = 1_000_000;
const session = (over: Partial<StoredSession> = {}): StoredSession => ({
  id: 's',
  userId: 'u',
  refreshTokenHash: 'h',
  previousTokenHash: null,
  previousSuccessor: null,
  rotatedAt: null,
  createdAt: NOW - 10,
  lastUsedAt: NOW - 10,
  expiresAt: NOW + 1,
  absoluteExpiresAt: NOW + 1,
  revokedAt: null,
  userAgent: null,
  ip: null,
  ...over,
});

describe('isSessionLive: the one liveness rule', () => {
  it('live: present, not revoked, both expiries ahead; with an owner, that owner', () => {
    expect(isSessionLive(session(), NOW)).toBe(true);
    expect(isSessionLive(session(), NOW, 'u')).toBe(true);
  });

  it.each([
    ['missing', null, undefined],
    ['revoked', session({ revokedAt: NOW - 1 }), undefined],
    ['idle expiry reached', session({ expiresAt: NOW }), undefined],
    ['absolute expiry reached', session({ absoluteExpiresAt: NOW }), undefined],
    ['another user’s', session(), 'someone-else'],
  ])('dead: %s', (_case, s, owner) => {
    expect(isSessionLive(s, NOW, owner)).toBe(false);
  });
});
