import { createHash } from 'node:crypto';
import type { ResolvedJwtKey } from '../options/resolved-auth-options.js';

/** A published key: its public members only, with `kid`, `alg` and `use: 'sig'`. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: string;
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** The public members of each key type (RFC 7518 §6); every other member (`d`, `p`, `q`, `k`, …) is left out. */
const PUBLIC_MEMBERS = ['crv', 'x', 'y', 'n', 'e'] as const;

/**
 * The JWK Set of the configured asymmetric keys (active, standby and retired), in configuration
 * order: the public members picked one by one from the exported public key, never copied wholesale.
 * HS256 secrets are never published.
 */
export function publicJwks(keys: readonly ResolvedJwtKey[]): { keys: PublicJwk[] } {
  return {
    keys: keys
      .filter((key) => key.algorithm !== 'HS256' && key.verificationKey.type === 'public')
      .map((key) => {
        const exported = key.verificationKey.export({ format: 'jwk' }) as Record<string, unknown>;
        const jwk: PublicJwk = { kty: String(exported.kty), kid: key.kid, alg: key.algorithm, use: 'sig' };
        for (const member of PUBLIC_MEMBERS) if (typeof exported[member] === 'string') jwk[member] = exported[member];
        return jwk;
      }),
  };
}

/** Whether the key set has a key worth publishing (an asymmetric one). */
export function hasPublicKeys(keys: readonly ResolvedJwtKey[]): boolean {
  return keys.some((key) => key.algorithm !== 'HS256');
}

/** A strong ETag of a response body: the first 128 bits of its SHA-256, quoted. */
export function strongEtag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

/** Whether an `If-None-Match` header matches `etag` (`*`, or one of its comma-separated tags; `W/` ignored as RFC 9110 §13.1.2 asks). */
export function ifNoneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.length > 4096) return false;
  return value.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}
