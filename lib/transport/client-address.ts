import { headerValue, type AuthRequest } from './http.types.js';

/** Who sent a request, as rate limits and session records see it. */
export interface ClientContext {
  /** The client address (see {@link clientAddress}). */
  ip?: string;
  /** The `User-Agent` header. */
  userAgent?: string;
  /** The `X-Request-Id` header, when it is 1 to 128 visible ASCII characters (security events carry it). */
  requestId?: string;
}

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

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

/** The request's client address, user agent and request id. */
export function clientContext(req: AuthRequest, trustProxyHeaders: boolean): ClientContext {
  const requestId = headerValue(req, 'x-request-id');
  return {
    ip: clientAddress(req, trustProxyHeaders),
    userAgent: headerValue(req, 'user-agent'),
    requestId: requestId !== undefined && REQUEST_ID.test(requestId) ? requestId : undefined,
  };
}

/** A {@link ClientContext} from what a caller passed: the context itself, or (the older form) the client address alone. */
export function toClientContext(client: ClientContext | string | undefined): ClientContext {
  return typeof client === 'string' ? { ip: client } : (client ?? {});
}
