import { describe, expect, it } from '@jest/globals';
import { serialize, type SerializeOptions } from 'cookie';
import { setCookieLine, type CookieAttributes } from '../../../lib/transport/cookies.js';

/** What the `cookie` package writes for these attributes (setCookieLine's reference). */
function packageLine(name: string, value: string, a: CookieAttributes): string {
  const options: SerializeOptions = { httpOnly: a.httpOnly, secure: a.secure, sameSite: a.sameSite, path: a.path, maxAge: a.maxAge };
  if (a.domain !== undefined) options.domain = a.domain;
  if (a.maxAge === 0) options.expires = new Date(0);
  return serialize(name, value, options);
}

/** The outcome of a call: its line, or the class and message of what it threw. */
function outcome(write: () => string): string {
  try {
    return write();
  } catch (error) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImsxIn0.eyJzdWIiOiI0MiIsInNpZCI6IkFBQUFBQUFBQUFBQUFBQUFBQUFBQUEiLCJleHAiOjE3MDAwMDA5MDB9.c2lnbmF0dXJlLWJ5dGVzLWJhc2U2NHVybA';
const VALUES = [
  JWT,
  'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB',
  '',
  'a b;c=d',
  'é ü €',
  '"quoted"',
  'x\u0000y',
  '%41',
];
const ATTRIBUTES: CookieAttributes[] = [];
for (const httpOnly of [true, false])
  for (const secure of [true, false])
    for (const sameSite of ['lax', 'strict', 'none'] as const)
      for (const path of ['/', '/auth', '/api/v1/auth', ''])
        for (const domain of [undefined, 'example.com', ''])
          for (const maxAge of [0, 900, 604_800, -1]) ATTRIBUTES.push({ httpOnly, secure, sameSite, path, domain, maxAge });

describe('setCookieLine', () => {
  it("writes the cookie package's line, byte for byte, for every combination of attributes and values", () => {
    for (const name of ['access_token', 'refresh_token', 'csrf_token', '__Host-at'])
      for (const attributes of ATTRIBUTES)
        for (const value of VALUES) {
          const expected = packageLine(name, value, attributes);
          // Twice: the first call writes and keeps the attributes' part of the line, the second reuses it.
          expect(setCookieLine(name, value, attributes)).toBe(expected);
          expect(setCookieLine(name, value, attributes)).toBe(expected);
        }
  });

  it('deletes with Max-Age=0 and an Expires in the past', () => {
    expect(
      setCookieLine('refresh_token', '', { httpOnly: true, secure: true, sameSite: 'lax', path: '/auth', domain: undefined, maxAge: 0 }),
    ).toBe('refresh_token=; Max-Age=0; Path=/auth; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax');
  });

  it('throws what the cookie package throws, also once a line of the same kind was written', () => {
    const good: CookieAttributes = { httpOnly: true, secure: true, sameSite: 'lax', path: '/', domain: undefined, maxAge: 60 };
    const cases: [string, string, CookieAttributes][] = [
      ['bad name', 'v', good],
      ['bad;name', 'v', good],
      ['ok', 'v', { ...good, path: '/a;b' }],
      ['ok', 'v', { ...good, path: '/a\u0000b' }],
      ['ok', 'v', { ...good, domain: 'exa mple.com' }],
      ['ok', 'v', { ...good, maxAge: 1.5 }],
      ['ok', 'v', { ...good, maxAge: Number.NaN }],
      ['ok', 'v', { ...good, maxAge: Number.POSITIVE_INFINITY }],
      ['ok', 'v', { ...good, sameSite: 'sideways' as CookieAttributes['sameSite'] }],
      ['ok', 'lone \ud800 surrogate', good],
    ];
    setCookieLine('ok', 'v', good);
    for (const [name, value, attributes] of cases) {
      const expected = outcome(() => packageLine(name, value, attributes));
      expect(expected).toMatch(/^(TypeError|URIError): /);
      expect(outcome(() => setCookieLine(name, value, attributes))).toBe(expected);
      expect(outcome(() => setCookieLine(name, value, attributes))).toBe(expected);
    }
  });
});
