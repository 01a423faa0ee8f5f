import type { JsonObject, TokenResponseRoute } from '../options/auth-module-options.interface.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import type { PublicUser } from '../users/public-user.js';
import type { AuthResponse } from './http.types.js';
import type { TokenGrant, TokenResponseBody, TokenTransport } from './token-transport.js';

/**
 * The token response body as `responses.tokenBody` shapes it (unchanged without the hook). The
 * cookies were set before; the hook sees the tokens only when they are in the body anyway.
 */
export function shapeTokenBody(
  options: ResolvedAuthOptions,
  body: TokenResponseBody,
  route: TokenResponseRoute,
): TokenResponseBody | JsonObject {
  const hook = options.responses.tokenBody;
  if (hook === null) return body;
  return hook(body, { route, user: body.user, tokensInBody: body.accessToken !== undefined });
}

/**
 * The answer of a completed second factor (`/mfa/verify`, `/passkeys/mfa/verify`): the tokens
 * written as the transport does, the trust token (body and, in cookie modes, cookie) when one was
 * asked for, shaped by `responses.tokenBody`.
 */
export function writeMfaGrant(
  options: ResolvedAuthOptions,
  transport: TokenTransport,
  res: AuthResponse,
  result: { grant: TokenGrant; trust?: { token: string; maxAgeSeconds: number } },
): TokenResponseBody | JsonObject {
  const body = transport.writeTokens(res, result.grant);
  const { trust } = result;
  const trustToken = trust === undefined ? undefined : transport.writeTrustToken(res, trust.token, trust.maxAgeSeconds);
  return shapeTokenBody(options, trustToken === undefined ? body : { ...body, trustToken }, 'mfaVerify');
}

/** The `GET /me` body as `responses.userBody` shapes it (unchanged without the hook). */
export function shapeUserBody(options: ResolvedAuthOptions, user: PublicUser): PublicUser | JsonObject {
  const hook = options.responses.userBody;
  return hook === null ? user : hook(user);
}
