import { parse as parseCookieHeader, serialize as serializeCookie, type SerializeOptions } from 'cookie';
import type { AuthRequest } from './http.types.js';
import { headerValue } from './http.types.js';

/** A cookie as the request carried it. */
export interface RequestCookie {
  /** The (URL-decoded) value of the first occurrence. */
  value: string;
  /** How many cookies of this name the request carried (more than one is refused by the caller). */
  count: number;
}

/** Every `Cookie` header line of the request, joined as one header (HTTP/2 may send several). */
function cookieHeader(req: AuthRequest): string {
  const raw = req.headers.cookie;
  return Array.isArray(raw) ? raw.join('; ') : (raw ?? '');
}

/**
 * One cookie of the request, read from the raw `Cookie` header with the `cookie` package. (Not
 * cached on the request: adding a property to Node's request object costs more than this parse of a
 * few pairs, and a request reads at most two cookies.) The raw header is used rather than `req.cookies`: it is the same on Express and
 * Fastify, needs no cookie-parser or @fastify/cookie, and shows duplicates, which parsers drop (a
 * second `access_token` can be planted by a sibling subdomain; the caller refuses the request).
 */
export function readCookie(req: AuthRequest, name: string): RequestCookie | undefined {
  const header = cookieHeader(req);
  if (header === '' || !header.includes(name)) return undefined;
  const value = parseCookieHeader(header)[name];
  if (value === undefined) return undefined;
  return { value, count: countCookies(header, name) };
}

/**
 * How many pairs of the `Cookie` header are named `name`. The header is cut at `;` (the pair
 * separator of RFC 6265) and each pair is read by the `cookie` package; only headers that mention
 * the name twice are cut at all.
 */
function countCookies(header: string, name: string): number {
  const first = header.indexOf(name);
  if (header.indexOf(name, first + name.length) === -1) return 1;
  let count = 0;
  for (const pair of header.split(';')) {
    if (pair.includes(name) && parseCookieHeader(pair)[name] !== undefined) count++;
  }
  return count;
}

/** Cookie attributes the module writes (a subset of the `cookie` package's options). */
export interface CookieAttributes {
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  path: string;
  domain: string | undefined;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

/** The `Set-Cookie` line for a cookie (`maxAge: 0` also sets `Expires` in the past). */
export function setCookieLine(name: string, value: string, attributes: CookieAttributes): string {
  const options: SerializeOptions = {
    httpOnly: attributes.httpOnly,
    secure: attributes.secure,
    sameSite: attributes.sameSite,
    path: attributes.path,
    maxAge: attributes.maxAge,
    ...(attributes.domain !== undefined ? { domain: attributes.domain } : {}),
    ...(attributes.maxAge === 0 ? { expires: new Date(0) } : {}),
  };
  return serializeCookie(name, value, options);
}

/** Whether the request's method can change state (and so needs CSRF protection when cookie-authenticated). */
export function isUnsafeMethod(req: AuthRequest): boolean {
  const method = req.method;
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

/** The `X-CSRF-Token` header. */
export function csrfHeader(req: AuthRequest): string | undefined {
  return headerValue(req, 'x-csrf-token');
}
