/** The authenticated caller, as {@link AccessTokenGuard} puts it on `request.user`. */
export interface AuthPrincipal {
  /** The user id (`sub`). */
  id: string;
  /** The session id (`sid`). */
  sessionId: string;
  /** The user's roles when the token was issued (shared, read-only). */
  roles: readonly string[];
  /**
   * Whether the user's e-mail was verified when the token was issued (the `email_verified` claim);
   * `@VerifiedEmail()` routes require it.
   */
  emailVerified: boolean;
  /** When the access token expires (epoch seconds). */
  expiresAt: number;
}
