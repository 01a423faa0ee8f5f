import { AuthConfigError } from '../../../lib/errors/auth-config.error.js';
import { resolveAuthOptions } from '../../../lib/options/resolve-options.js';
import { MemoryUserStore } from '../../../lib/stores/memory/memory-user.store.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';

function problemsOf(jwt: Record<string, unknown>): readonly string[] {
  try {
    resolveAuthOptions({ jwt: { secret: SECRET, ...jwt }, userStore: new MemoryUserStore() });
  } catch (error) {
    expect(error).toBeInstanceOf(AuthConfigError);
    return (error as AuthConfigError).problems;
  }
  return [];
}

describe('a number duration is seconds: an access TTL meant in milliseconds is refused at start-up', () => {
  it('accessTokenTtl: 60000 (16.7 hours) is refused, naming both options and saying that numbers are seconds', () => {
    expect(problemsOf({ accessTokenTtl: 60_000 })).toEqual([
      "jwt.accessTokenTtl: must not exceed jwt.maxAccessTokenTtl (a number is seconds: 60000 is 16.7 hours, above the 1 hour allowed; for 15 minutes write '15m' or 900)",
    ]);
    expect(problemsOf({ accessTokenTtl: 7200, maxAccessTokenTtl: '90m' })).toEqual([
      "jwt.accessTokenTtl: must not exceed jwt.maxAccessTokenTtl (a number is seconds: 7200 is 2 hours, above the 1.5 hours allowed; for 15 minutes write '15m' or 900)",
    ]);
  });

  it('a text duration above the bound keeps the short message; numbers within it are seconds', () => {
    expect(problemsOf({ accessTokenTtl: '2h' })).toEqual(['jwt.accessTokenTtl: must not exceed jwt.maxAccessTokenTtl']);
    expect(problemsOf({ accessTokenTtl: 900 })).toEqual([]);
    const resolved = resolveAuthOptions({ jwt: { secret: SECRET, accessTokenTtl: 900 }, userStore: new MemoryUserStore() });
    expect(resolved.jwt.accessTokenTtlSeconds).toBe(900);
  });

  it('both TTLs written in milliseconds (60000 and 3600000) are refused: maxAccessTokenTtl is at most 1 day', () => {
    expect(problemsOf({ accessTokenTtl: 60_000, maxAccessTokenTtl: 3_600_000 })).toEqual([
      'jwt.maxAccessTokenTtl: must be at most 1 day: an access token cannot be taken back before it expires (a number is seconds: 3600000 is 41.7 days)',
    ]);
    expect(problemsOf({ maxAccessTokenTtl: '1d' })).toEqual([]);
    expect(problemsOf({ maxAccessTokenTtl: '25h' })).toEqual([
      'jwt.maxAccessTokenTtl: must be at most 1 day: an access token cannot be taken back before it expires',
    ]);
  });
});
