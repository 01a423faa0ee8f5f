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
  /** Set by {@link AccessTokenGuard} once the access token is verified. */
  user?: AuthPrincipal;
}

/** The parts of an HTTP response the module writes, on Express (`setHeader`) or Fastify (`header`). */
export interface AuthResponse {
  setHeader?(name: string, value: string | string[]): unknown;
  getHeader?(name: string): string | number | string[] | undefined;
  header?(name: string, value: string | string[]): unknown;
  /** Sets the status code (Express `status`, Fastify `status`/`code`). */
  status?(code: number): unknown;
}

/** Sets the response status on Express or Fastify (inside a handler with `@Res({ passthrough: true })`). */
export function setStatus(res: AuthResponse, code: number): void {
  if (typeof res.status === 'function') res.status(code);
}

/** Sets a response header on Express or Fastify. */
export function setHeader(res: AuthResponse, name: string, value: string | string[]): void {
  if (typeof res.setHeader === 'function') res.setHeader(name, value);
  else if (typeof res.header === 'function') res.header(name, value);
}

/** The first value of a request header, or `undefined`. */
export function headerValue(req: AuthRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
