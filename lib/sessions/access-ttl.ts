import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';

/**
 * The access-token lifetime a login asked for (`expiresInMins`), in seconds, or `undefined` for the
 * default; 400 `VALIDATION_FAILED` outside 1 minute to `jwt.maxAccessTokenTtl`.
 */
export function requestedAccessTtl(options: ResolvedAuthOptions, expiresInMins: number | undefined): number | undefined {
  if (expiresInMins === undefined) return undefined;
  const max = options.jwt.maxAccessTokenTtlSeconds;
  if (!Number.isInteger(expiresInMins) || expiresInMins < 1 || expiresInMins * 60 > max) {
    throw new AuthException('VALIDATION_FAILED', {
      errors: [{ field: 'expiresInMins', message: `must be an integer from 1 to ${Math.floor(max / 60)}` }],
    });
  }
  return expiresInMins * 60;
}
