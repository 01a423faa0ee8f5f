import type { KeyObject } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import type { AuthPrincipal } from './access-token.claims.js';
import { hasCanonicalSignature } from './jws-signature.js';
import { jwtKeyMaterial } from './jwt-key-material.js';
import { headerKid } from './jwt-key-set.js';

// The verification rules of access tokens, shared by the issuer (AccessTokenService, keys from its
// configuration) and the resource server (keys from the issuer's JWKS): one place decides what a
// valid access token is.

/** The JOSE `typ` of access tokens (RFC 9068). Other token kinds use other types. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** A verifier pinned to one key and its algorithm: returns the decoded token or throws. */
export type AccessTokenKeyVerifier = (token: string) => { header: Record<string, unknown>; payload: unknown };

/** What an access token must name: its issuer (`iss`) and audience (`aud`). */
export interface AccessTokenClaimRules {
  issuer: string;
  audience: string;
}

/**
 * A verifier for access tokens signed by `key`, accepting `algorithm` only (never `none` or any
 * other), `typ: at+jwt`, the given `iss` and `aud`, and requiring `sub`, `sid`, `exp`. Expiry and
 * `nbf` are left to {@link principalOf}, which checks them against an injected clock. Made once per
 * key (fast-jwt compiles the checks).
 */
export function accessTokenKeyVerifier(key: KeyObject, algorithm: string, rules: AccessTokenClaimRules): AccessTokenKeyVerifier {
  return createVerifier({
    key: jwtKeyMaterial(key),
    algorithms: [algorithm as 'HS256'],
    allowedIss: rules.issuer,
    allowedAud: rules.audience,
    checkTyp: ACCESS_TOKEN_TYPE,
    requiredClaims: ['sub', 'sid', 'exp', 'iss', 'aud'],
    ignoreExpiration: true,
    ignoreNotBefore: true,
    complete: true,
  }) as AccessTokenKeyVerifier;
}

/**
 * The principal of a verified payload, or `undefined` when `sub`/`sid` are not strings, `exp` is
 * missing or past, or `nbf` is in the future (each with `toleranceSeconds`).
 */
export function principalOf(payload: unknown, nowSeconds: number, toleranceSeconds: number): AuthPrincipal | undefined {
  const { sub, sid, exp, nbf, roles, email_verified: emailVerified } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number' || exp + toleranceSeconds <= nowSeconds) {
    return undefined;
  }
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf - toleranceSeconds > nowSeconds)) return undefined;
  return {
    id: sub,
    sessionId: sid,
    roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
    emailVerified: emailVerified === true,
    expiresAt: exp,
  };
}

/** The outcome of {@link verifyAccessToken}: a principal, or why there is none. */
export type AccessTokenCheck =
  | { principal: AuthPrincipal }
  /** The header names no `kid`, or one no known key has (the caller may refresh its keys and retry). */
  | { unknownKid: string | undefined }
  /** A bad signature, algorithm, `typ`, claim or time. */
  | { invalid: true };

/**
 * Verifies an access token with the key its header's `kid` names in `verifiers` (never another
 * key): the signature must be canonical base64url, then the key's pinned verifier runs, then
 * {@link principalOf}. Returns instead of throwing, so that callers choose their error (and the
 * resource server can tell an unknown `kid` from a bad token).
 */
export function verifyAccessToken(
  verifiers: ReadonlyMap<string, AccessTokenKeyVerifier>,
  token: string,
  nowSeconds: number,
  toleranceSeconds: number,
): AccessTokenCheck {
  // Before the verifier: a signature spelled another way would verify (decoders drop spare bits).
  if (!hasCanonicalSignature(token)) return INVALID;
  // The key the header's kid names, among the known ones only; no kid or an unknown one is refused.
  const kid = headerKid(token);
  const verifier = kid === undefined ? undefined : verifiers.get(kid);
  if (verifier === undefined) return { unknownKid: kid };
  let payload: unknown;
  try {
    payload = verifier(token).payload;
  } catch {
    return INVALID;
  }
  const principal = principalOf(payload, nowSeconds, toleranceSeconds);
  return principal === undefined ? INVALID : { principal };
}

const INVALID = Object.freeze({ invalid: true as const });

/**
 * Verified access tokens by their exact text (oldest evicted first), so that a token presented
 * again skips the signature and claim checks that already passed; `exp` is checked on every hit.
 * The same bytes under the same pinned key verify the same way. `size` 0 turns it off.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, AuthPrincipal>();

  constructor(private readonly size: number) {}

  /**
   * The cached principal of `token` (a fresh copy: callers may attach it to a request), `null` when
   * it was cached but has expired (and is dropped), `undefined` when it is not cached.
   */
  get(token: string, nowSeconds: number, toleranceSeconds: number): AuthPrincipal | null | undefined {
    const cached = this.entries.get(token);
    if (cached === undefined) return undefined;
    if (cached.expiresAt + toleranceSeconds > nowSeconds) {
      return {
        id: cached.id,
        sessionId: cached.sessionId,
        roles: cached.roles,
        emailVerified: cached.emailVerified,
        expiresAt: cached.expiresAt,
      };
    }
    this.entries.delete(token);
    return null;
  }

  /** The cached principal without the expiry check (for {@link AccessTokenService.sessionIdOf}). */
  peek(token: string): AuthPrincipal | undefined {
    return this.entries.get(token);
  }

  /** Remembers a verified token. */
  set(token: string, principal: AuthPrincipal): void {
    if (this.size <= 0) return;
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, Object.freeze({ ...principal, roles: Object.freeze([...principal.roles]) }));
  }

  /** Forgets every token (when a key they were verified with is gone). */
  clear(): void {
    this.entries.clear();
  }
}
