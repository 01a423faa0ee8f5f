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

/** The options of the `cookie` package for `attributes` (`maxAge: 0` also sets `Expires` in the past); `maxAge` left out on request. */
function serializeOptions(attributes: CookieAttributes, withMaxAge: boolean): SerializeOptions {
  const options: SerializeOptions = {
    httpOnly: attributes.httpOnly,
    secure: attributes.secure,
    sameSite: attributes.sameSite,
    path: attributes.path,
  };
  if (withMaxAge) options.maxAge = attributes.maxAge;
  if (attributes.domain !== undefined) options.domain = attributes.domain;
  if (attributes.maxAge === 0) options.expires = new Date(0);
  return options;
}

/**
 * The attributes after `Max-Age` of each kind of line written so far (`; Domain=…; Path=…;
 * Expires=…; HttpOnly; Secure; SameSite=…`, as the `cookie` package writes them), by cookie name and
 * attributes. They come from the options (a few cookie names and paths), so the map stays small; it
 * stops growing at {@link MAX_SUFFIXES} all the same.
 */
const suffixes = new Map<string, string>();
const MAX_SUFFIXES = 64;

/**
 * The `Set-Cookie` line for a cookie (`maxAge: 0` also sets `Expires` in the past): the `cookie`
 * package's line, byte for byte, with its errors (an invalid name, path, domain or `Max-Age` throws
 * its `TypeError`, a lone surrogate in the value `encodeURIComponent`'s `URIError`). Its attributes
 * after `Max-Age` depend on the options only, so the package writes them once per kind of line (and
 * checks the name and attributes then); each call adds the encoded value and `Max-Age`. (A value
 * encoded by `encodeURIComponent` always passes the package's value check.) Three lines per token
 * response in cookie mode: writing them through the package every time was the largest cost of the
 * module's own in a cookie-mode refresh.
 */
export function setCookieLine(name: string, value: string, attributes: CookieAttributes): string {
  const { maxAge } = attributes;
  if (!Number.isInteger(maxAge)) return serializeCookie(name, value, serializeOptions(attributes, true)); // throws the package's TypeError
  // No part of a valid line holds a NUL, so two kinds of line never share a key.
  const key = `${name}\0${attributes.path}\0${attributes.domain ?? ''}\0${attributes.sameSite}\0${attributes.httpOnly ? 1 : 0}${attributes.secure ? 1 : 0}${maxAge === 0 ? 1 : 0}`;
  let suffix = suffixes.get(key);
  if (suffix === undefined) {
    // `name=` and the attributes after `Max-Age` (the package's order: Max-Age, Domain, Path, Expires, …).
    suffix = serializeCookie(name, '', serializeOptions(attributes, false)).slice(name.length + 1);
    if (suffixes.size < MAX_SUFFIXES) suffixes.set(key, suffix);
  }
  return `${name}=${encodeURIComponent(value)}; Max-Age=${maxAge}${suffix}`;
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
