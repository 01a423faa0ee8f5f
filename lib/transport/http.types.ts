import type { AuthPrincipal } from '../tokens/access-token.claims.js';

/** The parts of an HTTP request (Express or Fastify) the module reads. */
export interface AuthRequest {
  method: string;
  url: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
  /** Parsed cookies (cookie-parser / @fastify/cookie). */
  cookies?: Record<string, string | undefined>;
  body?: unknown;
  /** Set by {@link AccessTokenGuard} once the access token is verified (`null` before, on Fastify, where the module declares it). */
  user?: AuthPrincipal | null;
}

/**
 * A response as handlers receive it (`@Res({ passthrough: true })`): Express's response or Fastify's
 * reply. The module writes it only through the `HttpPlatform` picked at start-up.
 */
export type AuthResponse = object;

/** The first value of a request header, or `undefined`. */
export function headerValue(req: AuthRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
