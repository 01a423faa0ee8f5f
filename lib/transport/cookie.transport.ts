import { constantTimeEqual } from '../crypto/secrets.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { refreshTokenSessionId } from '../tokens/refresh-token.js';
import { csrfHeader, isUnsafeMethod, readCookie, setCookieLine, type CookieAttributes } from './cookies.js';
import type { CsrfTokens } from './csrf.js';
import { readBearer, tokenBody } from './header.transport.js';
import type { HttpPlatformRef } from './http-platform.js';
import type { AuthRequest, AuthResponse } from './http.types.js';
import type { PresentedAccessToken, PresentedToken, TokenGrant, TokenResponseBody, TokenTransport } from './token-transport.js';

const BEARER_PREFIX = /^Bearer\s+/i;

/** A cookie value stored as `Bearer <token>` (some clients do) is read as `<token>`. */
function normaliseToken(value: string): string | null {
  const token = (value.charCodeAt(0) | 0x20) === 0x62 /* b or B */ ? value.replace(BEARER_PREFIX, '').trim() : value.trim();
  return token === '' ? null : token;
}

/**
 * Cookie mode (`accessTokenType: 'cookie'`) and dual mode (`'both'`, `tokensInBody`).
 *
 * Writes three cookies: the access token (HttpOnly, `Path=/`, Max-Age = access TTL), the refresh
 * token (HttpOnly, `Path` = the auth routes, Max-Age = refresh TTL) and the CSRF token (readable by
 * the page's scripts, `Path=/`, Max-Age = refresh TTL). All carry `SameSite`, `Secure` (unless turned
 * off) and `Domain` (when set).
 *
 * Reads the `Authorization: Bearer` header first, else the access cookie. A request with two access
 * cookies is refused; one with a header and a different access cookie is handed to the guard with
 * `cookieBeside`, and refused unless both name the same session.
 */
export class CookieTokenTransport implements TokenTransport {
  private refreshPath: string | undefined;

  /**
   * @param tokensInBody dual mode: the tokens also go in the JSON body.
   * @param defaultRefreshPath the refresh cookie's path when `cookies.refreshPath` is not set
   *   (computed at the first write, once the app's global prefix is known).
   * @param http writes the `Set-Cookie` lines on the platform picked at start-up.
   */
  constructor(
    private readonly options: ResolvedAuthOptions,
    private readonly csrf: CsrfTokens,
    private readonly tokensInBody: boolean,
    private readonly defaultRefreshPath: () => string,
    private readonly http: HttpPlatformRef,
  ) {}

  readAccessToken(req: AuthRequest): PresentedAccessToken | null {
    const bearer = readBearer(req);
    const cookie = readCookie(req, this.options.cookies.names.access);
    if (cookie !== undefined && cookie.count > 1) {
      throw new AuthException('ACCESS_TOKEN_INVALID', { tokenPresented: true });
    }
    const fromCookie = cookie === undefined ? null : normaliseToken(cookie.value);
    if (bearer !== null) {
      return fromCookie !== null && fromCookie !== bearer
        ? { token: bearer, source: 'header', cookieBeside: fromCookie }
        : { token: bearer, source: 'header' };
    }
    return fromCookie === null ? null : { token: fromCookie, source: 'cookie' };
  }

  readRefreshToken(req: AuthRequest, fromBody: string | undefined): PresentedToken | null {
    if (fromBody !== undefined) return { token: fromBody, source: 'body' };
    const cookie = readCookie(req, this.options.cookies.names.refresh);
    if (cookie === undefined) return null;
    if (cookie.count > 1) throw new AuthException('REFRESH_TOKEN_INVALID');
    const token = normaliseToken(cookie.value);
    if (token === null) return null;
    const presented: PresentedToken = { token, source: 'cookie' };
    // A malformed token has no session id: the refresh refuses it as REFRESH_TOKEN_INVALID.
    const sessionId = refreshTokenSessionId(token);
    if (sessionId !== undefined) this.assertCsrf(req, presented, sessionId);
    return presented;
  }

  assertCsrf(req: AuthRequest, presented: PresentedToken, sessionId: string): void {
    if (presented.source !== 'cookie' || !this.options.cookies.csrf || !isUnsafeMethod(req)) return;
    const header = csrfHeader(req);
    const cookie = readCookie(req, this.options.cookies.names.csrf);
    const valid =
      header !== undefined &&
      cookie !== undefined &&
      cookie.count === 1 &&
      constantTimeEqual(cookie.value, header) &&
      this.csrf.matches(sessionId, header);
    if (!valid) throw new AuthException('CSRF_TOKEN_INVALID');
  }

  writeTokens(res: AuthResponse, grant: TokenGrant): TokenResponseBody {
    const { names } = this.options.cookies;
    const { tokens } = grant;
    this.http.platform.appendSetCookie(res, [
      setCookieLine(names.access, tokens.accessToken, this.attributes(true, '/', tokens.expiresIn)),
      setCookieLine(names.refresh, tokens.refreshToken, this.attributes(true, this.refreshCookiePath(), tokens.refreshExpiresIn)),
      setCookieLine(names.csrf, this.csrf.forSession(tokens.sessionId), this.attributes(false, '/', tokens.refreshExpiresIn)),
    ]);
    return tokenBody(grant, this.tokensInBody);
  }

  clearTokens(res: AuthResponse): void {
    const { names } = this.options.cookies;
    this.http.platform.appendSetCookie(res, [
      setCookieLine(names.access, '', this.attributes(true, '/', 0)),
      setCookieLine(names.refresh, '', this.attributes(true, this.refreshCookiePath(), 0)),
      setCookieLine(names.csrf, '', this.attributes(false, '/', 0)),
    ]);
  }

  readTrustToken(req: AuthRequest): string | undefined {
    const cookie = readCookie(req, this.options.cookies.names.trust);
    // Two trust cookies: read as none (the login then asks for the second factor).
    if (cookie === undefined || cookie.count > 1) return undefined;
    return normaliseToken(cookie.value) ?? undefined;
  }

  /** The trust cookie is only needed at login: HttpOnly, scoped to the auth routes like the refresh cookie. */
  writeTrustToken(res: AuthResponse, token: string, maxAgeSeconds: number): string | undefined {
    this.http.platform.appendSetCookie(res, [
      setCookieLine(this.options.cookies.names.trust, token, this.attributes(true, this.refreshCookiePath(), maxAgeSeconds)),
    ]);
    return this.tokensInBody ? token : undefined;
  }

  clearTrustToken(res: AuthResponse): void {
    this.http.platform.appendSetCookie(res, [
      setCookieLine(this.options.cookies.names.trust, '', this.attributes(true, this.refreshCookiePath(), 0)),
    ]);
  }

  private refreshCookiePath(): string {
    return (this.refreshPath ??= this.options.cookies.refreshPath ?? this.defaultRefreshPath());
  }

  private attributes(httpOnly: boolean, path: string, maxAge: number): CookieAttributes {
    const { secure, sameSite, domain } = this.options.cookies;
    return { httpOnly, secure, sameSite, path, domain, maxAge };
  }
}
