import type { PublicUser } from '../users/public-user.js';
import type { AuthRequest, AuthResponse } from './http.types.js';

/** Tokens issued for a session (login, refresh, MFA completion). */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** Access-token lifetime in seconds. */
  expiresIn: number;
  /** Refresh-token (session idle) lifetime in seconds, for cookie Max-Age. */
  refreshExpiresIn: number;
  sessionId: string;
}

/** A successful authentication that the transport turns into a response. */
export interface TokenGrant {
  tokens: IssuedTokens;
  user: PublicUser;
  message: string;
}

/**
 * The JSON body of a token response (CONTRACT §4). In cookie mode `accessToken` and `refreshToken`
 * are absent (they travel in cookies).
 */
export interface TokenResponseBody {
  accessToken?: string;
  refreshToken?: string;
  tokenType: 'Bearer';
  expiresIn: number;
  isRequiresMfa: false;
  message: string;
  user: PublicUser;
  /** A trusted-device token, after an MFA verification with `trustDevice: true`. */
  trustToken?: string;
}

/** Where a credential came from. Cookie-borne credentials need CSRF protection on unsafe requests. */
export type CredentialSource = 'header' | 'cookie' | 'body';

/** A token the request presented, and where it came from. */
export interface PresentedToken {
  token: string;
  source: CredentialSource;
}

/** The access token a request presented. */
export interface PresentedAccessToken extends PresentedToken {
  source: 'header' | 'cookie';
  /**
   * An access-token cookie sent beside an `Authorization` header, when it differs from the header's
   * token (cookie and dual modes). The guard refuses the request unless it names the same session.
   */
  cookieBeside?: string;
}

/**
 * How tokens travel: chosen once at start-up from `accessTokenType`. Controllers and guards call
 * this interface only and never branch on the mode.
 */
export interface TokenTransport {
  /**
   * The access token the request carries, or `null` when it carries none. The `Authorization`
   * header comes first, then (cookie modes) the access cookie. Throws `ACCESS_TOKEN_INVALID` for a
   * malformed header or two access cookies.
   */
  readAccessToken(req: AuthRequest): PresentedAccessToken | null;
  /**
   * The refresh token: the body's value first, else (cookie modes) the refresh cookie; `null` when
   * there is none. Throws `REFRESH_TOKEN_INVALID` for two refresh cookies, and `CSRF_TOKEN_INVALID`
   * when the token came from the cookie without the session's CSRF token (see {@link assertCsrf}).
   */
  readRefreshToken(req: AuthRequest, fromBody: string | undefined): PresentedToken | null;
  /**
   * The CSRF rule, owned here: a request that authenticates with a credential from a cookie
   * (`presented.source === 'cookie'`) and may change state (any method but GET, HEAD and OPTIONS)
   * must carry the session's CSRF token in both the `X-CSRF-Token` header and the CSRF cookie, else
   * `CSRF_TOKEN_INVALID`. The access guard calls it once the access token is verified (so an expired
   * cookie is a 401, not a 403); {@link readRefreshToken} calls it for a refresh cookie. A no-op with
   * `cookies.csrf: false` and in header mode, which never authenticates by cookie.
   */
  assertCsrf(req: AuthRequest, presented: PresentedToken, sessionId: string): void;
  /** Writes the grant's tokens (cookies, headers) and returns the JSON body. */
  writeTokens(res: AuthResponse, grant: TokenGrant): TokenResponseBody;
  /** Clears whatever {@link writeTokens} set (logout). The trust cookie stays. */
  clearTokens(res: AuthResponse): void;
  /** The trusted-device token a cookie carries (cookie modes), else `undefined`. */
  readTrustToken(req: AuthRequest): string | undefined;
  /**
   * Sets the trusted-device cookie (cookie modes) and returns the token for the JSON body: header and
   * dual modes put it there, cookie mode leaves it out like every other token (`undefined`).
   */
  writeTrustToken(res: AuthResponse, token: string, maxAgeSeconds: number): string | undefined;
  /** Clears the trusted-device cookie (cookie modes; a no-op in header mode). */
  clearTrustToken(res: AuthResponse): void;
}

/** Injection token of the {@link TokenTransport}. */
export const TOKEN_TRANSPORT = Symbol('nest-gatekeeper:TokenTransport');
