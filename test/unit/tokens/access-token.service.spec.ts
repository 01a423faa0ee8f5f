import { AccessTokenService } from '../../../lib/tokens/access-token.service.js';
import { MemoryUserStore, type ResolvedAuthOptions } from '../../../lib/index.js';
import { resolveAuthOptions } from '../../../lib/options/resolve-options.js';
import { TestClock } from '../../fixtures/test-clock.js';
import { JwtKeyRing } from '../../../lib/tokens/jwt-key-ring.js';

const SECRET = 'unit-test-secret-that-is-32-bytes-or-more';

function service(extra: Record<string, unknown> = {}): { tokens: AccessTokenService; clock: TestClock; options: ResolvedAuthOptions } {
  const options = resolveAuthOptions({ jwt: { secret: SECRET, ...extra }, userStore: new MemoryUserStore() });
  const clock = new TestClock();
  return { tokens: new AccessTokenService(options, clock, JwtKeyRing.fixed(options, clock)), clock, options };
}

describe('AccessTokenService verified-token cache', () => {
  const subject = { userId: 'u1', sessionId: 's'.repeat(22), roles: ['user'] };

  it('a cached token still expires at its exp', () => {
    const { tokens, clock } = service();
    const { token } = tokens.sign(subject);
    expect(tokens.verify(token).id).toBe('u1');
    clock.advanceSeconds(899);
    expect(tokens.verify(token).id).toBe('u1');
    clock.advanceSeconds(1);
    expect(() => tokens.verify(token)).toThrow();
    expect(() => tokens.verify(token)).toThrow();
  });

  it('hands out a fresh principal per call; the shared roles cannot be changed', () => {
    const { tokens } = service();
    const { token } = tokens.sign(subject);
    const a = tokens.verify(token);
    const b = tokens.verify(token);
    const c = tokens.verify(token);
    expect(b).not.toBe(c);
    (b as { id: string }).id = 'tampered';
    expect(c.id).toBe('u1');
    expect(a.roles).toEqual(['user']);
    expect(() => (c.roles as string[]).push('admin')).toThrow(TypeError);
    expect(tokens.verify(token).roles).toEqual(['user']);
  });

  it('is bounded: the oldest entry goes first', () => {
    const { tokens } = service({ verifiedTokenCacheSize: 2 });
    const cache = (tokens as unknown as { verified: { entries: Map<string, unknown> } }).verified.entries;
    const made = [1, 2, 3].map((i) => tokens.sign({ ...subject, userId: `u${i}` }).token);
    for (const token of made) tokens.verify(token);
    expect([...cache.keys()]).toEqual([made[1], made[2]]);
  });

  it('verifiedTokenCacheSize: 0 caches nothing, with the same results', () => {
    const { tokens, clock } = service({ verifiedTokenCacheSize: 0 });
    const cache = (tokens as unknown as { verified: { entries: Map<string, unknown> } }).verified.entries;
    const { token } = tokens.sign(subject);
    expect(tokens.verify(token).sessionId).toBe(subject.sessionId);
    expect(cache.size).toBe(0);
    clock.advanceSeconds(900);
    expect(() => tokens.verify(token)).toThrow();
  });

  it('a token differing by one character is a miss and fails verification', () => {
    const { tokens } = service();
    const { token } = tokens.sign(subject);
    tokens.verify(token);
    const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    expect(() => tokens.verify(flipped)).toThrow();
  });
});
