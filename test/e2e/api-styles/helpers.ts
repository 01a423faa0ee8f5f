import type { Response } from 'supertest';

/** The claims of a JWT (no verification: the tests only read `iat`/`exp`). */
export function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The `name=value` pairs of a response's Set-Cookie headers. */
export function setCookies(res: Response): Record<string, { value: string; line: string }> {
  const lines = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return Object.fromEntries(
    lines.map((line) => {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      return [pair.slice(0, eq), { value: decodeURIComponent(pair.slice(eq + 1)), line }];
    }),
  );
}
