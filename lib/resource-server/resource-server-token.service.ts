import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AuthException } from '../errors/auth.exception.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import { accessTokenKeyVerifier, VerifiedTokenCache, verifyAccessToken } from '../tokens/access-token.verifier.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { JwksClient } from './jwks-client.js';
import type { ResolvedResourceServerOptions } from './resolve-resource-server-options.js';
import { RESOURCE_SERVER_OPTIONS } from './resource-server.constants.js';

/**
 * Verifies the issuer's access tokens with the keys of its JWK Set ({@link JwksClient}), by the
 * same rules as the issuer itself: the key the header's `kid` names and no other, that key's
 * algorithm only, a canonical signature, `typ: at+jwt`, the configured `iss` and `aud`, `sub`,
 * `sid` and `exp` required, `exp`/`nbf` against the injected {@link Clock}. Verified tokens are
 * remembered like the issuer's (`verifiedTokenCacheSize`), and forgotten when a key goes away.
 *
 * It sees no sessions: a token stays valid until its `exp` even if the user logged out. Keep access
 * tokens short-lived on the issuer (`jwt.accessTokenTtl`).
 */
@Injectable()
export class ResourceServerTokenService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly verified: VerifiedTokenCache;
  private readonly jwks: JwksClient;

  constructor(
    @Inject(RESOURCE_SERVER_OPTIONS) private readonly options: ResolvedResourceServerOptions,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {
    this.verified = new VerifiedTokenCache(options.verifiedTokenCacheSize);
    const rules = { issuer: options.issuer, audience: options.audience };
    this.jwks = new JwksClient(
      options,
      clock,
      (key) => accessTokenKeyVerifier(key.key, key.algorithm, rules),
      () => this.verified.clear(),
      new Logger('ResourceServer'),
    );
  }

  /** Starts fetching the key set in the background: start-up neither waits for the issuer nor fails without it. */
  onApplicationBootstrap(): void {
    this.jwks.keys(this.clock.now());
  }

  /** Stops fetching. */
  onModuleDestroy(): void {
    this.jwks.close();
  }

  /**
   * Verifies an access token and returns its principal, or throws 401 `ACCESS_TOKEN_INVALID`.
   * Synchronous when the token's key is known (the usual case); a promise only while a token whose
   * `kid` names no known key waits for the one re-fetch the cooldown allows. Use `await` either way.
   */
  verify(token: string): AuthPrincipal | Promise<AuthPrincipal> {
    const nowMs = this.clock.now();
    const keys = this.jwks.keys(nowMs);
    const now = nowMs / 1000;
    const tolerance = this.options.clockToleranceSeconds;
    const cached = this.verified.get(token, now, tolerance);
    if (cached !== undefined) {
      if (cached === null) throw invalid();
      return cached;
    }
    const check = verifyAccessToken(keys, token, now, tolerance);
    if ('principal' in check) {
      this.verified.set(token, check.principal);
      return check.principal;
    }
    // Only a token that names a kid may cause a fetch; and only as often as the cooldown allows.
    if ('invalid' in check || check.unknownKid === undefined) throw invalid();
    const refetch = this.jwks.refetchForUnknownKid(nowMs);
    if (refetch === undefined) throw invalid();
    return refetch.then(() => this.verifyAfterFetch(token));
  }

  private verifyAfterFetch(token: string): AuthPrincipal {
    const nowMs = this.clock.now();
    const check = verifyAccessToken(this.jwks.keys(nowMs), token, nowMs / 1000, this.options.clockToleranceSeconds);
    if (!('principal' in check)) throw invalid();
    this.verified.set(token, check.principal);
    return check.principal;
  }
}

function invalid(): AuthException {
  return new AuthException('ACCESS_TOKEN_INVALID', { tokenPresented: true });
}
