/**
 * The security events the module emits: one closed union, discriminated by `type`.
 *
 * An event says what happened, to whom, from where and why; it never carries a password, token,
 * code, secret, hash or login identifier (a mistyped password in the username field must not reach a
 * log). Every field is a string, a number, a boolean or `null`, so an event is plain JSON.
 */

/** The detail fields each event type carries, beyond {@link AuthEventBase}. */
export interface AuthEventDetails {
  /** An account was created (`POST /auth/register`). */
  'user.registered': object;
  /** A login issued tokens. `method`: `password`, `login_code`, or the second factor that completed it. */
  'login.succeeded': { method: string };
  /**
   * A login was refused. `userId` is `null` when no account matched (an unknown account and a wrong
   * password are one answer outside, but the operator may tell them apart). `reason`:
   * `invalid_credentials`, `unknown_account`, `disabled`, `email_not_verified`.
   */
  'login.failed': object;
  /** A login, password check or code attempt was refused because of too many failures (429). `reason`: what was locked. */
  'login.locked': object;
  /** A login is waiting for its second factor (`mfaToken` issued). */
  'mfa.required': object;
  /** A one-time code was sent for a pending login (`method`: `email` or `sms`). */
  'mfa.challenge_sent': { method: string };
  /** A second factor was accepted. */
  'mfa.verified': { method: string };
  /** A second factor was refused. */
  'mfa.failed': { method: string };
  /** A pending login used up its attempts (or the account's MFA attempts are locked). */
  'mfa.locked': object;
  /** A second factor was turned on. */
  'mfa.enabled': { method: string };
  /** A second factor was turned off. */
  'mfa.disabled': { method: string };
  /** A recovery code was used (each works once). */
  'mfa.recovery_code_used': object;
  /** A refresh token was rotated (routine: not in the activity feed by default). */
  'refresh.rotated': object;
  /** A rotated refresh token was presented again within the grace window (a second tab, a retried request) and got the same pair. */
  'refresh.grace_replay': object;
  /** A rotated refresh token was presented after its grace window: the whole session was revoked. */
  'refresh.reuse_detected': object;
  /** A session was revoked. `reason`: `user`, `logout_all`, `password_changed`, `reuse_detected`, `user_invalid`, `session_cap`, `account_deleted`. */
  'session.revoked': object;
  /** The caller logged out (`allSessions`: every session of the account). */
  logout: { allSessions: boolean };
  /** The password was changed (`reason`: `change` or `reset`). */
  'password.changed': object;
  /** A password-reset message was asked for (emitted only for an existing account). */
  'password.reset_requested': object;
  /** A stored password hash was replaced at login by one with the current hasher's parameters (`reason`: the old scheme). */
  'password.rehashed': object;
  /** A new password was refused: it appears in a public breach corpus. */
  'password.breached': object;
  /** The breached-password service could not be asked: the password was accepted (fail open). */
  'password.breach_check_unavailable': object;
  /** The e-mail address was verified. */
  'email.verified': object;
  /** The e-mail address was changed. */
  'email.changed': object;
  /** The account was deleted. */
  'account.deleted': object;
  /** A trusted device was remembered (the second factor is skipped on it). */
  'trusted_device.added': object;
  /** A trusted device was revoked (`reason`: `user`, `logout_all`, `password_changed`). */
  'trusted_device.revoked': object;
  /** A passkey was registered. */
  'passkey.added': object;
  /** A passkey was deleted (`reason`: `user`). */
  'passkey.removed': object;
  /**
   * A passkey's signature counter went backwards or stood still (`reason`: `cloned_authenticator`):
   * another copy of the credential exists somewhere. The sign-in was refused.
   */
  'passkey.counter_regression': object;
  /** A provider account was linked to the user (`provider`; `reason`: `sign_in` for a first sign-in, `verified_email`, `user`). */
  'identity.linked': { provider: string };
  /** A provider account was unlinked (`provider`). */
  'identity.unlinked': { provider: string };
}

/** Every event type, e.g. `login.succeeded`. */
export type AuthEventType = keyof AuthEventDetails;

/** The fields every event has. */
export interface AuthEventBase {
  /** What happened. */
  type: AuthEventType;
  /** When, as an ISO 8601 instant (the module's clock). */
  at: string;
  /** A random id of this event (22 characters, base64url). */
  id: string;
  /** The account it concerns, or `null` (e.g. a failed login for no known account). */
  userId: string | null;
  /** The session it concerns, or `null`. */
  sessionId: string | null;
  /** The client address, as the module reads it (`trustProxyHeaders`), or `null` (no request). */
  ip: string | null;
  /** The client's `User-Agent` (at most 256 characters), or `null`. */
  userAgent: string | null;
  /** The request's `X-Request-Id` (when it is 1–128 visible ASCII characters), else one made for it; `null` outside a request. */
  requestId: string | null;
  /** Why, when the type has several causes (see each type), else `null`. */
  reason: string | null;
}

/** One event: its base fields and the details of its type. */
export type AuthEvent = {
  [T in AuthEventType]: Omit<AuthEventBase, 'type'> & { type: T } & AuthEventDetails[T];
}[AuthEventType];

/** The event of one type. */
export type AuthEventOf<T extends AuthEventType> = Extract<AuthEvent, { type: T }>;

/** Every event type once (the compiler keeps this list complete). */
const EVENT_TYPES = {
  'user.registered': 1,
  'login.succeeded': 1,
  'login.failed': 1,
  'login.locked': 1,
  'mfa.required': 1,
  'mfa.challenge_sent': 1,
  'mfa.verified': 1,
  'mfa.failed': 1,
  'mfa.locked': 1,
  'mfa.enabled': 1,
  'mfa.disabled': 1,
  'mfa.recovery_code_used': 1,
  'refresh.rotated': 1,
  'refresh.grace_replay': 1,
  'refresh.reuse_detected': 1,
  'session.revoked': 1,
  logout: 1,
  'password.changed': 1,
  'password.reset_requested': 1,
  'password.rehashed': 1,
  'password.breached': 1,
  'password.breach_check_unavailable': 1,
  'email.verified': 1,
  'email.changed': 1,
  'account.deleted': 1,
  'trusted_device.added': 1,
  'trusted_device.revoked': 1,
  'passkey.added': 1,
  'passkey.removed': 1,
  'passkey.counter_regression': 1,
  'identity.linked': 1,
  'identity.unlinked': 1,
} satisfies Record<AuthEventType, 1>;

/** Every event type, in catalogue order (docs/events.md). */
export const AUTH_EVENT_TYPES: readonly AuthEventType[] = Object.freeze(Object.keys(EVENT_TYPES) as AuthEventType[]);

/** The most entries one page of the feed holds. */
export const ACTIVITY_MAX_PAGE = 100;

/** Types that are routine or meant for the operator, left out of the feed by default. */
const NOT_IN_FEED: ReadonlySet<AuthEventType> = new Set<AuthEventType>([
  'refresh.rotated',
  'mfa.required',
  'mfa.challenge_sent',
  'password.rehashed',
  'password.breach_check_unavailable',
  'account.deleted',
]);

/** The event types the feed shows by default (`activity.types`). */
export const DEFAULT_ACTIVITY_TYPES: readonly AuthEventType[] = Object.freeze(AUTH_EVENT_TYPES.filter((type) => !NOT_IN_FEED.has(type)));
