import type { Duration } from '../options/duration.js';

/** The algorithms a resource server can verify (the asymmetric ones: a shared secret is never published). */
export type ResourceServerAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/**
 * Options of {@link ResourceServerModule}: where the issuer publishes its keys and what its access
 * tokens must say. A service configured with these verifies the issuer's access tokens on its own,
 * with no user or session store and no signing key.
 */
export interface ResourceServerOptions {
  /**
   * The issuer's JSON Web Key Set: `https://auth.example.com/.well-known/jwks.json`. It must be
   * `https`, except on a loopback host (`localhost`, `127.0.0.0/8`, `::1`) or with
   * `jwks.allowInsecureHttp`.
   */
  jwksUri: string;
  /** The `iss` the tokens must carry: the issuer's `jwt.issuer`. */
  issuer: string;
  /** The `aud` the tokens must carry: the issuer's `jwt.audience`. */
  audience: string;
  /**
   * The algorithms accepted. A published key whose `alg` is not listed is ignored; each key verifies
   * with its own `alg` only.
   * @default ['EdDSA', 'ES256', 'RS256']
   */
  algorithms?: ResourceServerAlgorithm[];
  /** Clock skew tolerated when checking `exp` and `nbf`, in seconds. @default 0 */
  clockToleranceSeconds?: number;
  /**
   * How many verified access tokens to remember (oldest evicted first), so that a token sent again
   * skips the signature check; `exp` is still checked every time. 0 turns it off.
   * @default 10000
   */
  verifiedTokenCacheSize?: number;
  /** How the key set is fetched and cached. */
  jwks?: ResourceServerJwksOptions;
}

/** How a resource server fetches and caches the issuer's JWK Set. */
export interface ResourceServerJwksOptions {
  /** How long one fetch of the key set may take (connection and body). @default '5s' */
  timeout?: Duration;
  /** The largest key set read, in bytes; a longer response is a failed fetch. @default 262144 */
  maxResponseBytes?: number;
  /** The most keys a key set may hold; more is a failed fetch. @default 50 */
  maxKeys?: number;
  /** How long the keys are fresh when the response has no `Cache-Control: max-age`. @default '5m' */
  defaultCacheAge?: Duration;
  /** The shortest freshness taken from `Cache-Control` (`no-cache`, `max-age=0` and such count as this). @default '30s' */
  minCacheAge?: Duration;
  /** The longest freshness taken from `Cache-Control`. @default '1d' */
  maxCacheAge?: Duration;
  /**
   * The least time between two fetches caused by a token whose `kid` names no known key. Such a
   * token waits for one re-fetch (shared by every request that needs it); within the cooldown it is
   * refused with 401 at once, so forged `kid`s cannot make the service hammer the issuer.
   * @default '30s'
   */
  unknownKidCooldown?: Duration;
  /**
   * How long after the keys stop being fresh they keep being used while the issuer cannot be reached
   * (or answers something that is not a usable key set). After that every token is refused until a
   * fetch succeeds.
   * @default '1d'
   */
  maxStale?: Duration;
  /** Allows an `http:` `jwksUri` on a host that is not loopback (only behind a trusted network). @default false */
  allowInsecureHttp?: boolean;
}

/** What shapes the module rather than configures it: given beside the options, also to `forRootAsync`. */
export interface ResourceServerModuleExtras {
  /**
   * Register {@link ResourceServerGuard} and `RolesGuard` app-wide (`@Public()` opts a route out).
   * With `false`, put `@UseGuards(ResourceServerGuard, RolesGuard)` where they are needed.
   * @default true
   */
  globalGuard?: boolean;
}
