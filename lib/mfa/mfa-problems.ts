import { AuthException } from '../errors/auth.exception.js';
import type { MfaFactor } from './factors/mfa-factor.js';

/** 400 `VALIDATION_FAILED` on `field` when `code` cannot be a code of `factor` (before anything is counted). */
export function assertCodeFormat(factor: MfaFactor, code: string, field = 'code'): void {
  const problem = factor.codeFormatError?.(code);
  if (problem !== undefined) throw new AuthException('VALIDATION_FAILED', { errors: [{ field, message: problem }] });
}

/** 400 `MFA_METHOD_UNAVAILABLE` naming `field`. */
export function unavailable(field: string, message = 'this second factor is not available for this account'): AuthException {
  return new AuthException('MFA_METHOD_UNAVAILABLE', { errors: [{ field, message }] });
}

/** 429 `TOO_MANY_REQUESTS` with `Retry-After` for `ms` (at least one second). */
export function tooMany(ms: number): AuthException {
  return new AuthException('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) });
}
