import { KnownSessions } from '../../../lib/sessions/known-sessions.js';

const session = (id: string, expiresAt = 1_000, absoluteExpiresAt = 2_000) => ({ id, userId: `u-${id}`, expiresAt, absoluteExpiresAt });

describe('KnownSessions', () => {
  it('answers a remembered session only while neither expiry has passed', () => {
    const known = new KnownSessions();
    known.remember(session('s', 1_000, 2_000));
    expect(known.live('s', 999)).toEqual({ userId: 'u-s', expiresAt: 1_000, absoluteExpiresAt: 2_000 });
    expect(known.live('s', 1_000)).toBeUndefined();
    known.remember(session('t', 3_000, 2_000));
    expect(known.live('t', 2_000)).toBeUndefined();
    expect(known.live('unknown', 0)).toBeUndefined();
  });

  it('memory flooding: holds at most its bound, forgetting the least recently used first', () => {
    const known = new KnownSessions(3);
    for (const id of ['a', 'b', 'c']) known.remember(session(id));
    known.remember(session('a', 1_500)); // used again: now the most recent
    known.remember(session('d'));
    expect(known.size).toBe(3);
    expect(known.live('b', 0)).toBeUndefined();
    expect(known.live('a', 0)?.expiresAt).toBe(1_500);
    for (let i = 0; i < 1_000; i++) known.remember(session(`x${i}`));
    expect(known.size).toBe(3);
  });

  it('forgets a session on request', () => {
    const known = new KnownSessions();
    known.remember(session('s'));
    known.forget('s');
    expect(known.live('s', 0)).toBeUndefined();
    expect(known.size).toBe(0);
  });
});
