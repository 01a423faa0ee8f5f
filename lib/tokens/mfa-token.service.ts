import { Inject, Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { jwtKeyMaterial } from './jwt-key-material.js';
import { hasCanonicalSignature } from './jws-signature.js';
import { KeyedJwt } from './jwt-key-set.js';
import { JwtKeyRing } from './jwt-key-ring.js';
import { randomToken } from '../crypto/secrets.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';

/** The JOSE `typ` of `mfaToken`s: never accepted where an access token (`at+jwt`) is expected. */
export const MFA_TOKEN_TYPE = 'mfa+jwt';

/** What an `mfaToken` says: a password check passed, a second factor is pending. */
export interface PendingMfaLogin {
  /** The user id. */
  userId: string;
  /** The pending login's random id (single use). */
  pendingId: string;
  /** Expiry, epoch seconds. */
  expiresAt: number;
  /** The access-token lifetime asked for at login, in seconds. */
  accessTtlSeconds?: number;
  /**
   * Second factors this pending login may not use: `['email']` after a sign-in code, which already
   * proved the mailbox (an e-mail code would prove it again, not a second factor).
   */
  excludedMethods?: readonly string[];
}

interface MfaTokenPayload {
  sub: string;
  pid: string;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  att?: number;
  xm?: string[];
}

/**
 * Signs and verifies `mfaToken`s: JWTs with `typ: mfa+jwt` and the audience `<jwt.audience>/mfa`,
 * valid 5 minutes, signed with the active JWT key (its `kid` in the header) and verified, like access
 * tokens, with the configured key their `kid` names and that key's algorithm only. The access guard
 * refuses them (wrong `typ` and audience); only `/mfa/send` and `/mfa/verify` read them.
 */
@Injectable()
export class MfaTokenService {
  /** The active key's signer and one verifier per key, by `kid`, each pinned to its key's algorithm. */
  private readonly keys: KeyedJwt<(payload: MfaTokenPayload) => string, (token: string) => unknown>;
  private readonly audience: string;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    @Inject(JwtKeyRing) ring: JwtKeyRing,
  ) {
    const { issuer, audience } = options.jwt;
    this.audience = `${audience}/mfa`;
    this.keys = new KeyedJwt(
      ring,
      (active) =>
        createSigner({
          key: jwtKeyMaterial(active.signingKey as KeyObject),
          algorithm: active.algorithm,
          header: { alg: active.algorithm, typ: MFA_TOKEN_TYPE, kid: active.kid },
        }),
      (key) =>
        createVerifier({
          key: jwtKeyMaterial(key.verificationKey),
          algorithms: [key.algorithm],
          allowedIss: issuer,
          allowedAud: this.audience,
          checkTyp: MFA_TOKEN_TYPE,
          requiredClaims: ['sub', 'pid', 'exp', 'iss', 'aud'],
          ignoreExpiration: true,
          ignoreNotBefore: true,
        }) as (token: string) => unknown,
    );
  }

  /** A new pending login for the user, and its token. */
  issue(userId: string, accessTtlSeconds?: number, excludedMethods: readonly string[] = []): { token: string; pending: PendingMfaLogin } {
    const iat = Math.floor(this.clock.now() / 1000);
    const exp = iat + this.options.mfa.pendingTtlSeconds;
    const pid = randomToken(16);
    const token = this.keys.signer()({
      sub: userId,
      pid,
      iss: this.options.jwt.issuer,
      aud: this.audience,
      iat,
      exp,
      ...(accessTtlSeconds === undefined ? {} : { att: accessTtlSeconds }),
      ...(excludedMethods.length === 0 ? {} : { xm: [...excludedMethods] }),
    });
    return {
      token,
      pending: { userId, pendingId: pid, expiresAt: exp, accessTtlSeconds, ...(excludedMethods.length === 0 ? {} : { excludedMethods }) },
    };
  }

  /**
   * The pending login of a valid token; `MFA_TOKEN_INVALID` for anything else (expired included, and
   * a signature not in canonical base64url, so that one token has one spelling, and a missing or
   * unknown `kid`).
   */
  verify(token: string): PendingMfaLogin {
    if (!hasCanonicalSignature(token)) throw new AuthException('MFA_TOKEN_INVALID');
    const verifier = this.keys.verifierFor(token);
    if (verifier === undefined) throw new AuthException('MFA_TOKEN_INVALID');
    let payload: Record<string, unknown>;
    try {
      payload = verifier(token) as Record<string, unknown>;
    } catch {
      throw new AuthException('MFA_TOKEN_INVALID');
    }
    const { sub, pid, exp, att, xm } = payload;
    if (typeof sub !== 'string' || typeof pid !== 'string' || typeof exp !== 'number' || exp <= this.clock.now() / 1000) {
      throw new AuthException('MFA_TOKEN_INVALID');
    }
    return {
      userId: sub,
      pendingId: pid,
      expiresAt: exp,
      accessTtlSeconds: typeof att === 'number' && Number.isInteger(att) && att > 0 ? att : undefined,
      ...(Array.isArray(xm) ? { excludedMethods: xm.filter((m): m is string => typeof m === 'string') } : {}),
    };
  }
}
