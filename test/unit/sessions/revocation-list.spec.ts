import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { resolveAuthOptions } from '../../../lib/options/resolve-options.js';
import { RevocationFeed } from '../../../lib/sessions/revocation-feed.js';
import { RevocationList } from '../../../lib/sessions/revocation-list.js';
import { MemorySessionStore } from '../../../lib/stores/memory/memory-session.store.js';
import { MemoryUserStore } from '../../../lib/stores/memory/memory-user.store.js';
import type { SessionStore, StoredSession } from '../../../lib/stores/session.store.js';
import type { AuthModuleOptions } from '../../../lib/options/auth-module-options.interface.js';

const HOUR = 3_600_000;
const T0 = 1_750_000_000_000;

describe('RevocationList', () => {
  it('holds a revocation for the window, then prunes it', () => {
    const list = new RevocationList(HOUR, 10);
    expect(list.add('a', T0, T0)).toBe(true);
    expect(list.add('a', T0 + 5, T0)).toBe(false); // the first revokedAt wins
    expect(list.add('old', T0 - HOUR - 1, T0)).toBe(false); // already outside the window: useless
    expect(list.has('a')).toBe(true);
    expect(list.has('b')).toBe(false);
    expect(list.prune(T0 + HOUR)).toBe(0);
    expect(list.prune(T0 + HOUR + 1)).toBe(1);
    expect(list.has('a')).toBe(false);
    expect(list.size).toBe(0);
  });

  it('is bounded: at the cap the oldest entry goes, and tokens that could belong to it need a store check until they expired', () => {
    const list = new RevocationList(HOUR, 3);
    for (const [i, id] of ['a', 'b', 'c'].entries()) list.add(id, T0 + i * 1000, T0 + 3000);
    expect(list.needsStoreCheck(Number.MAX_SAFE_INTEGER)).toBe(false);
    list.add('d', T0 + 3000, T0 + 3000);
    expect(list.size).toBe(3);
    expect(list.evicted).toBe(1);
    expect(list.has('a')).toBe(false);
    expect(list.has('d')).toBe(true);
    // A token of session 'a' was issued before T0 and expires before T0 + window: it must be checked.
    expect(list.needsStoreCheck((T0 + HOUR) / 1000 - 1)).toBe(true);
    // A token expiring later was issued after 'a' was revoked: it cannot be one of 'a'’s.
    expect(list.needsStoreCheck((T0 + HOUR) / 1000)).toBe(false);
    // Once every such token has expired, the list vouches again.
    list.prune(T0 + HOUR + 1);
    expect(list.needsStoreCheck(0)).toBe(false);
  });

  it('one million entries stay one million (the default cap)', () => {
    const list = new RevocationList(HOUR, 1_000_000);
    for (let i = 0; i < 1_000_100; i++) list.add(`s${i}`, T0, T0);
    expect(list.size).toBe(1_000_000);
    expect(list.evicted).toBe(100);
  });
});

describe('RevocationFeed', () => {
  const options = (extra: Partial<AuthModuleOptions> = {}) =>
    resolveAuthOptions({ jwt: { secret: 'test-secret-that-is-at-least-32-bytes-long!' }, userStore: new MemoryUserStore([]), ...extra });
  const clock = { now: () => T0 };
  const session = (id: string, revokedAt: number | null): StoredSession => ({
    id,
    userId: 'u',
    refreshTokenHash: 'h',
    previousTokenHash: null,
    previousSuccessor: null,
    rotatedAt: null,
    createdAt: T0 - 10,
    lastUsedAt: T0 - 10,
    expiresAt: T0 + HOUR,
    absoluteExpiresAt: T0 + HOUR,
    revokedAt,
    userAgent: null,
    ip: null,
  });

  afterEach(() => jest.restoreAllMocks());

  it('warns at start-up when the store can feed nothing (no listRevokedSince / watchRevocations)', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const memory = new MemorySessionStore();
    const bare: SessionStore = {
      create: (s) => memory.create(s),
      findById: (id) => memory.findById(id),
      rotate: (id, h, r) => memory.rotate(id, h, r),
      listActiveByUser: (u, n) => memory.listActiveByUser(u, n),
      revoke: (id, at) => memory.revoke(id, at),
      revokeAllForUser: (u, at, e) => memory.revokeAllForUser(u, at, e),
      deleteExpired: (b) => memory.deleteExpired(b),
    };
    const feed = new RevocationFeed(options(), bare, clock);
    await feed.onModuleInit();
    expect(feed.feedMode).toBe('off');
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/revoked session’s access tokens keep opening host routes until they expire.*sessionCheck/),
    );
    feed.record('x', T0);
    expect(feed.isRevoked('x')).toBe(false);
    await feed.onApplicationShutdown();
  });

  it('loads the revocations of the last window at start-up, and follows a watching store', async () => {
    const store = new MemorySessionStore();
    await store.create(session('before', T0 - 1000));
    await store.create(session('long-ago', T0 - 2 * HOUR));
    await store.create(session('later', null));
    const feed = new RevocationFeed(options(), store, clock);
    await feed.onModuleInit();
    expect(feed.feedMode).toBe('watch');
    expect(feed.isRevoked('before')).toBe(true);
    expect(feed.isRevoked('long-ago')).toBe(false);
    expect(feed.isRevoked('later')).toBe(false);
    await store.revoke('later', T0);
    expect(feed.isRevoked('later')).toBe(true);
    await feed.onApplicationShutdown();
  });

  it('is off with revocation.enabled: false', async () => {
    const store = new MemorySessionStore();
    const feed = new RevocationFeed(options({ revocation: { enabled: false } }), store, clock);
    await feed.onModuleInit();
    await store.create(session('s', null));
    await store.revoke('s', T0);
    expect(feed.isRevoked('s')).toBe(false);
    await feed.onApplicationShutdown();
  });
});
