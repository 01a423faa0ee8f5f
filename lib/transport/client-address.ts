import { headerValue, type AuthRequest } from './http.types.js';

/** Who sent a request, as rate limits and session records see it. */
export interface ClientContext {
  /** The client address (see {@link clientAddress}). */
  ip?: string;
  /** The `User-Agent` header. */
  userAgent?: string;
}

/**
 * The client address for rate limits and session records: the framework's `req.ip` (which honours
 * Express's `trust proxy`), or the first `X-Forwarded-For` entry when `trustProxyHeaders` is on.
 */
export function clientAddress(req: AuthRequest, trustProxyHeaders: boolean): string | undefined {
  if (trustProxyHeaders) {
    const forwarded = headerValue(req, 'x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  return req.ip ?? req.socket?.remoteAddress;
}

/** The request's client address and user agent. */
export function clientContext(req: AuthRequest, trustProxyHeaders: boolean): ClientContext {
  return { ip: clientAddress(req, trustProxyHeaders), userAgent: headerValue(req, 'user-agent') };
}
