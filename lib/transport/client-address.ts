import { headerValue, type AuthRequest } from './http.types.js';

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
