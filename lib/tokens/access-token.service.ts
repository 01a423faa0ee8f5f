import { Inject, Injectable } from '@nestjs/common';
import { createSigner } from 'fast-jwt';
import type { KeyObject } from 'node:crypto';
import { randomToken } from '../crypto/secrets.js';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { jwtKeyMaterial } from './jwt-key-material.js';
import { hasCanonicalSignature } from './jws-signature.js';
import { KeyedJwt } from './jwt-key-set.js';
import { JwtKeyRing } from './jwt-key-ring.js';
import {
  ACCESS_TOKEN_TYPE,
  accessTokenKeyVerifier,
  verifyAccessToken,
  VerifiedTokenCache,
  type AccessTokenKeyVerifier,
} from './access-token.verifier.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import type { AuthPrincipal } from './access-token.claims.js';

export { ACCESS_TOKEN_TYPE };

/** What {@link AccessTokenService.sign} needs. */
export interface AccessTokenSubject {
  userId: string;
  sessionId: string;
  roles: readonly string[];
  /** Sets the `email_verified` claim (left out when false). */
  emailVerified?: boolean;
}

/** A signed access token. */
export interface SignedAccessToken {
  token: string;
  /** Lifetime in seconds. */
  expiresIn: number;
}

interface AccessTokenPayload {
  sub: string;
  sid: string;
  roles: string[];
  email_verified?: true;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
}

/**
 * Signs and verifies access tokens (JWT, through fast-jwt). Tokens are signed with the active key of
 * `jwt.keys` (or the single configured key), header `{ alg, typ: 'at+jwt', kid }`. A token is verified
 * with the configured key its `kid` names, pinned to that key's own algorithm: `none`, every other
 * algorithm, a missing `kid` and a `kid` naming no configured key are refused, and `jku`, `x5u` or
 * `jwk` never select a key. `typ` must be `at+jwt`;
 * `iss`, `aud`, `sub`, `sid` and `exp` are required. Expiry is checked against the injected
 * {@link Clock}.
 *
 * Verified tokens are remembered (up to `jwt.verifiedTokenCacheSize`, oldest first out), keyed by the
 * exact token string: the same bytes under the same pinned key verify the same way, so a hit skips
 * only the signature and claim checks that already passed; `exp` is checked on every hit. A full
 * HS256 verification costs 10–40 µs inside a server; a hit costs well under one.
 */
@Injectable()
export class AccessTokenService {
  /** The active key's signer and one verifier per key, by `kid`, each pinned to its key's algorithm. */
  private readonly keys: KeyedJwt<(payload: AccessTokenPayload) => string, AccessTokenKeyVerifier>;
  private readonly verified: VerifiedTokenCache;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    @Inject(JwtKeyRing) ring: JwtKeyRing,
  ) {
    const { issuer, audience } = options.jwt;
    this.verified = new VerifiedTokenCache(options.jwt.verifiedTokenCacheSize);
    this.keys = new KeyedJwt(
      ring,
      (active) =>
        createSigner({
          key: jwtKeyMaterial(active.signingKey as KeyObject),
          algorithm: active.algorithm,
          header: { alg: active.algorithm, typ: ACCESS_TOKEN_TYPE, kid: active.kid },
        }),
      (key) => accessTokenKeyVerifier(key.verificationKey, key.algorithm, { issuer, audience }),
      // Keys changed (a reload, a scheduled switch): a token verified by a key now gone must not be served from the cache.
      () => this.verified.clear(),
    );
  }

  /** Signs an access token living `ttlSeconds` (the configured TTL by default). */
  sign(subject: AccessTokenSubject, ttlSeconds = this.options.jwt.accessTokenTtlSeconds): SignedAccessToken {
    const iat = Math.floor(this.clock.now() / 1000);
    const token = this.keys.signer()({
      sub: subject.userId,
      sid: subject.sessionId,
      roles: [...subject.roles],
      ...(subject.emailVerified === true ? { email_verified: true as const } : {}),
      iss: this.options.jwt.issuer,
      aud: this.options.jwt.audience,
      iat,
      exp: iat + ttlSeconds,
      jti: randomToken(12),
    });
    return { token, expiresIn: ttlSeconds };
  }

  /**
   * Verifies an access token and returns its principal. Throws `ACCESS_TOKEN_INVALID` for a bad
   * signature (including a signature not in canonical base64url: characters outside the alphabet,
   * `=` padding, non-zero spare bits), a missing `kid` or one naming no configured key, an algorithm
   * other than that key's, a wrong `typ`, `iss` or `aud`, a missing or
   * past `exp`, a future `nbf`, or missing `sub`/`sid`.
   */
  verify(token: string): AuthPrincipal {
    const verifiers = this.keys.verifiers();
    const now = this.clock.now() / 1000;
    const tolerance = this.options.jwt.clockToleranceSeconds;
    const cached = this.verified.get(token, now, tolerance);
    if (cached !== undefined) {
      if (cached === null) throw invalid();
      return cached;
    }
    const check = verifyAccessToken(verifiers, token, now, tolerance);
    if (!('principal' in check)) throw invalid();
    this.verified.set(token, check.principal);
    return check.principal;
  }

  /**
   * The session id (`sid`) of a token whose signature and claims verify, expired or not; `undefined`
   * for anything else. Used to compare a second credential with the one that authenticates.
   */
  sessionIdOf(token: string): string | undefined {
    this.keys.sync();
    const cached = this.verified.peek(token);
    if (cached !== undefined) return cached.sessionId;
    if (!hasCanonicalSignature(token)) return undefined;
    const verifier = this.keys.verifierFor(token);
    if (verifier === undefined) return undefined;
    try {
      const { sid } = verifier(token).payload as Record<string, unknown>;
      return typeof sid === 'string' ? sid : undefined;
    } catch {
      return undefined;
    }
  }
}

function invalid(): AuthException {
  return new AuthException('ACCESS_TOKEN_INVALID', { tokenPresented: true });
}
