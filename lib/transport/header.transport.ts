import { AuthException } from '../errors/auth.exception.js';
import { headerValue, type AuthRequest, type AuthResponse } from './http.types.js';
import type { PresentedAccessToken, PresentedToken, TokenGrant, TokenResponseBody, TokenTransport } from './token-transport.js';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Reads the `Authorization: Bearer` header only. Shared by every transport: a Bearer header is
 * never CSRF-prone.
 */
export function readBearer(req: AuthRequest): string | null {
  const header = headerValue(req, 'authorization');
  if (header === undefined || header === '') return null;
  const match = BEARER.exec(header);
  if (match !== null) return match[1];
  // Not a well-formed Bearer credential: another scheme is no token; a broken Bearer one is refused.
  if (!/^bearer(\s|$)/i.test(header)) return null;
  throw new AuthException('ACCESS_TOKEN_INVALID', { tokenPresented: true });
}

/**
 * Header mode (`accessTokenType: 'header'`): tokens in the JSON body, the access token back as
 * `Authorization: Bearer`. Cookies are neither set nor read.
 */
export class HeaderTokenTransport implements TokenTransport {
  readAccessToken(req: AuthRequest): PresentedAccessToken | null {
    const token = readBearer(req);
    return token === null ? null : { token, source: 'header' };
  }

  readRefreshToken(_req: AuthRequest, fromBody: string | undefined): PresentedToken | null {
    return fromBody === undefined ? null : { token: fromBody, source: 'body' };
  }

  assertCsrf(): void {
    // Header mode never reads a cookie, so there is nothing a cross-site form could use.
  }

  writeTokens(_res: AuthResponse, grant: TokenGrant): TokenResponseBody {
    return tokenBody(grant, true);
  }

  clearTokens(): void {
    // Nothing was set outside the body.
  }

  readTrustToken(): undefined {
    return undefined;
  }

  writeTrustToken(_res: AuthResponse, token: string): string {
    return token; // the trust token travels in the body only
  }

  clearTrustToken(): void {
    // Nothing to clear.
  }
}

/** The JSON token response (CONTRACT §4), with or without the tokens themselves. */
export function tokenBody(grant: TokenGrant, withTokens: boolean): TokenResponseBody {
  const { tokens } = grant;
  const body: TokenResponseBody = {
    tokenType: 'Bearer',
    expiresIn: tokens.expiresIn,
    isRequiresMfa: false,
    message: grant.message,
    user: grant.user,
  };
  return withTokens ? { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, ...body } : body;
}
