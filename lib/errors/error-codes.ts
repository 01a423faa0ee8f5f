/**
 * The error-code catalogue: every problem the module answers with, by machine-readable `code`.
 * Each entry fixes the HTTP status, the RFC 9457 `title` and the default `detail`.
 */
export const AuthErrorCodes = {
  VALIDATION_FAILED: { status: 400, title: 'Bad Request', detail: 'The request has invalid fields.' },
  MALFORMED_REQUEST: { status: 400, title: 'Bad Request', detail: 'The request body could not be read.' },
  INVALID_CREDENTIALS: { status: 401, title: 'Unauthorized', detail: 'Invalid credentials.' },
  UNAUTHENTICATED: { status: 401, title: 'Unauthorized', detail: 'Authentication is required.' },
  ACCESS_TOKEN_INVALID: { status: 401, title: 'Unauthorized', detail: 'Invalid or expired access token.' },
  REFRESH_TOKEN_MISSING: { status: 401, title: 'Unauthorized', detail: 'Refresh token not provided.' },
  REFRESH_TOKEN_INVALID: { status: 401, title: 'Unauthorized', detail: 'Invalid or expired refresh token.' },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    title: 'Unauthorized',
    detail: 'The refresh token was already used; the session was revoked.',
  },
  TOKEN_USER_INVALID: { status: 401, title: 'Unauthorized', detail: 'Invalid token user.' },
  MFA_TOKEN_INVALID: { status: 401, title: 'Unauthorized', detail: 'Invalid or expired MFA token.' },
  MFA_CODE_INVALID: { status: 401, title: 'Unauthorized', detail: 'Invalid verification code.' },
  MFA_ENROLLMENT_REQUIRED: {
    status: 403,
    title: 'Forbidden',
    detail: 'This account must use multi-factor authentication but has no second factor enrolled. Ask an administrator to enrol one.',
  },
  MFA_METHOD_UNAVAILABLE: { status: 400, title: 'Bad Request', detail: 'This second factor is not available for this account.' },
  MFA_ALREADY_ENABLED: { status: 409, title: 'Conflict', detail: 'This second factor is already enabled.' },
  MFA_REQUIRED: {
    status: 409,
    title: 'Conflict',
    detail: 'Multi-factor authentication is required: the last second factor cannot be turned off. Enable another one first.',
  },
  MFA_VERIFICATION_REQUIRED: {
    status: 403,
    title: 'Forbidden',
    detail: 'A second factor is required: complete the login at /mfa/verify with the mfaToken.',
  },
  UNSUPPORTED_GRANT_TYPE: {
    status: 400,
    title: 'Bad Request',
    detail: "Unsupported grant_type: use 'password' or 'refresh_token'.",
  },
  MFA_DELIVERY_FAILED: {
    status: 503,
    title: 'Service Unavailable',
    detail: 'The verification code could not be sent. Try again later.',
  },
  RESET_TOKEN_INVALID: {
    status: 400,
    title: 'Bad Request',
    detail: 'The password reset token is invalid, used, expired or superseded by a newer one. Ask for a new one.',
  },
  VERIFICATION_TOKEN_INVALID: {
    status: 400,
    title: 'Bad Request',
    detail: 'The verification token is invalid, used, expired or superseded by a newer one.',
  },
  EMAIL_NOT_VERIFIED: {
    status: 403,
    title: 'Forbidden',
    detail: 'The e-mail address of this account is not verified. Follow the link sent to it, or ask for a new one.',
  },
  NOT_IMPLEMENTED: {
    status: 501,
    title: 'Not Implemented',
    detail: 'This operation is not supported by the configured user store.',
  },
  PASSKEY_INVALID: {
    status: 400,
    title: 'Bad Request',
    detail: 'The passkey response could not be verified. Ask for new options and try again.',
  },
  PASSKEY_IN_USE: {
    status: 409,
    title: 'Conflict',
    detail: 'This is the last passkey and passkeys are a second factor of this account: turn that second factor off first.',
  },
  OAUTH_STATE_INVALID: {
    status: 400,
    title: 'Bad Request',
    detail: 'This sign-in was not started here, has expired or was finished already: start it again.',
  },
  OAUTH_FAILED: {
    status: 401,
    title: 'Unauthorized',
    detail: 'The provider did not confirm this sign-in.',
  },
  OAUTH_PROVIDER_UNAVAILABLE: {
    status: 503,
    title: 'Service Unavailable',
    detail: 'The sign-in provider cannot be reached right now: try again later.',
  },
  OAUTH_EMAIL_UNVERIFIED: {
    status: 403,
    title: 'Forbidden',
    detail: 'The provider did not confirm an e-mail address for this account: verify it there, or sign in another way.',
  },
  OAUTH_EMAIL_IN_USE: {
    status: 409,
    title: 'Conflict',
    detail: 'An account with this e-mail address exists: sign in to it another way, then link this provider from the account.',
  },
  OAUTH_SIGN_UP_CLOSED: {
    status: 403,
    title: 'Forbidden',
    detail: 'No account is linked to this provider account, and new accounts cannot be made this way.',
  },
  IDENTITY_IN_USE: {
    status: 409,
    title: 'Conflict',
    detail: 'This provider account is linked to another account.',
  },
  LAST_SIGN_IN_METHOD: {
    status: 409,
    title: 'Conflict',
    detail: 'This is the last way to sign in to this account: add a password, a passkey or another provider first.',
  },
  RETURN_TO_INVALID: {
    status: 400,
    title: 'Bad Request',
    detail: 'returnTo must be a path of this site or a URL on an allowed origin.',
  },
  FORBIDDEN: { status: 403, title: 'Forbidden', detail: 'You do not have access to this resource.' },
  CSRF_TOKEN_INVALID: { status: 403, title: 'Forbidden', detail: 'Missing or invalid CSRF token.' },
  NOT_FOUND: { status: 404, title: 'Not Found', detail: 'The resource was not found.' },
  CONFLICT: { status: 409, title: 'Conflict', detail: 'The username or e-mail is already taken.' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload Too Large', detail: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported Media Type',
    detail: 'The request content type is not supported.',
  },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too Many Requests', detail: 'Too many attempts. Try again later.' },
  INTERNAL_ERROR: { status: 500, title: 'Internal Server Error', detail: 'An unexpected error occurred.' },
  AUTH_BUSY: {
    status: 503,
    title: 'Service Unavailable',
    detail: 'Too many sign-ins are being processed; retry shortly.',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    title: 'Service Unavailable',
    detail: 'A backing store is unavailable. Try again later.',
  },
} as const satisfies Record<string, { status: number; title: string; detail: string }>;

/** A machine-readable error code, the `code` member of every problem response. */
export type AuthErrorCode = keyof typeof AuthErrorCodes;
