import type { AuthErrorCode } from './error-codes.js';

/** The OAuth 2.0 `error` values the token endpoint answers with (RFC 6749 §5.2, RFC 8628 `slow_down`, …). */
export type OAuthErrorName =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'mfa_required'
  | 'access_denied'
  | 'slow_down'
  | 'temporarily_unavailable'
  | 'server_error';

/**
 * The OAuth 2.0 `error` member for each problem code of the token endpoint, beside the catalogue
 * (`error-codes.ts`): a new code the token endpoint can answer gets its OAuth name here.
 */
const OAUTH_ERRORS: Partial<Record<AuthErrorCode, OAuthErrorName>> = {
  VALIDATION_FAILED: 'invalid_request',
  MALFORMED_REQUEST: 'invalid_request',
  PAYLOAD_TOO_LARGE: 'invalid_request',
  UNSUPPORTED_GRANT_TYPE: 'unsupported_grant_type',
  INVALID_CREDENTIALS: 'invalid_grant',
  REFRESH_TOKEN_MISSING: 'invalid_request',
  REFRESH_TOKEN_INVALID: 'invalid_grant',
  REFRESH_TOKEN_REUSED: 'invalid_grant',
  TOKEN_USER_INVALID: 'invalid_grant',
  MFA_VERIFICATION_REQUIRED: 'mfa_required',
  MFA_ENROLLMENT_REQUIRED: 'access_denied',
  EMAIL_NOT_VERIFIED: 'access_denied',
  TOO_MANY_REQUESTS: 'slow_down',
  STORE_UNAVAILABLE: 'temporarily_unavailable',
  AUTH_BUSY: 'temporarily_unavailable',
};

/**
 * The OAuth 2.0 `error` of a problem: its code's mapping, else `server_error` for a 5xx status and
 * `invalid_request` for anything else.
 */
export function oauthErrorOf(code: string, status: number): OAuthErrorName {
  return (
    (Object.hasOwn(OAUTH_ERRORS, code) ? OAUTH_ERRORS[code as AuthErrorCode] : undefined) ??
    (status >= 500 ? 'server_error' : 'invalid_request')
  );
}
