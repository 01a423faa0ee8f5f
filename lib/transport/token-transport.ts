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
}

/**
 * How tokens travel: chosen once at start-up from `accessTokenType`. Controllers and guards call
 * this interface only and never branch on the mode.
 */
export interface TokenTransport {
  /**
   * The access token the request carries, or `null` when it carries none.
   * Throws `ACCESS_TOKEN_INVALID` when it carries conflicting ones.
   */
  readAccessToken(req: AuthRequest): string | null;
  /** The refresh token: the body's value first, else (cookie modes) the cookie; `null` when none. */
  readRefreshToken(req: AuthRequest, fromBody: string | undefined): string | null;
  /** Writes the grant's tokens (cookies, headers) and returns the JSON body. */
  writeTokens(res: AuthResponse, grant: TokenGrant): TokenResponseBody;
  /** Clears whatever {@link writeTokens} set (logout). */
  clearTokens(res: AuthResponse): void;
}

/** Injection token of the {@link TokenTransport}. */
export const TOKEN_TRANSPORT = Symbol('nest-gatekeeper:TokenTransport');
