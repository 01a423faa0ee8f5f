import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions, ResolvedOAuthProvider } from '../options/resolved-auth-options.js';
import type * as jose from 'jose';
import type * as openIdClient from 'openid-client';
import type { Configuration } from 'openid-client';
import type { OAuthProfile } from './oauth-provider.js';
import { hasControlCharacter, isWellFormed } from '../util/text.js';

type OpenIdClient = typeof openIdClient;
type Jose = typeof jose;

/** Seconds a provider call may take (discovery, token endpoint, JWKS). */
const PROVIDER_TIMEOUT_SECONDS = 10;
/** After a failed discovery, how long requests are answered "unavailable" before trying again. */
const DISCOVERY_RETRY_MS = 5_000;
/** Google's issuer (its ID tokens may also say `accounts.google.com`). */
const GOOGLE_ISSUER = 'https://accounts.google.com';
/** Algorithms accepted on ID tokens of the native route (asymmetric only). */
const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** The secrets of one authorization request, kept in the state cookie until the callback. */
export interface AuthorizationRequest {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The callback's parameters (query, or the body of a `form_post`). */
export type CallbackParameters = Record<string, string>;

/**
 * The OAuth 2.0 / OpenID Connect client side, on `openid-client` (loaded at the first sign-in):
 * discovery (cached per provider, retried after a failure), the authorization URL with PKCE (S256),
 * `state` and `nonce`, the code exchange with every check of the authorization response and the ID
 * token, and the ID tokens of native apps (`jose`, the provider's JWKS). Provider failures become
 * `OAUTH_FAILED` (401: the provider refused, or its answer did not verify) or
 * `OAUTH_PROVIDER_UNAVAILABLE` (503: it could not be reached); never a 500.
 */
@Injectable()
export class OAuthClient {
  private library: Promise<OpenIdClient> | undefined;
  private jose: Promise<Jose> | undefined;
  private readonly configurations = new Map<string, { config: Promise<Configuration>; failedAt?: number }>();
  private readonly keySets = new Map<string, ReturnType<Jose['createRemoteJWKSet']>>();

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  /** A new authorization request to `provider`, returning to `redirectUri`. */
  async authorizationRequest(provider: ResolvedOAuthProvider, redirectUri: string): Promise<AuthorizationRequest> {
    const client = await this.load();
    const config = await this.configuration(provider);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const parameters: Record<string, string> = {
      ...provider.authorizationParams,
      redirect_uri: redirectUri,
      scope: provider.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    };
    if (provider.type === 'oidc') {
      parameters.nonce = nonce;
      if (provider.responseMode === 'form_post') parameters.response_mode = 'form_post';
    }
    return { url: client.buildAuthorizationUrl(config, parameters).href, state, nonce, codeVerifier };
  }

  /**
   * Exchanges the code of a callback for the account it signed in: the response is checked (`state`,
   * `iss` when sent, errors), the code redeemed with the PKCE verifier, the ID token verified
   * (signature, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`); a plain OAuth 2.0 provider is then asked
   * for the profile.
   */
  async redeem(
    provider: ResolvedOAuthProvider,
    redirectUri: string,
    parameters: CallbackParameters,
    expected: { state: string; nonce: string; codeVerifier: string },
  ): Promise<OAuthProfile> {
    const client = await this.load();
    const config = await this.configuration(provider);
    const current = new URL(redirectUri);
    for (const [key, value] of Object.entries(parameters)) current.searchParams.set(key, value);
    let tokens: Awaited<ReturnType<OpenIdClient['authorizationCodeGrant']>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: expected.codeVerifier,
        expectedState: expected.state,
        ...(provider.type === 'oidc' ? { expectedNonce: expected.nonce, idTokenExpected: true } : {}),
      });
    } catch (error) {
      throw providerError(error);
    }
    if (provider.type === 'oauth2') {
      try {
        return checkedProfile(await withTimeout(provider.profile(tokens.access_token), PROVIDER_TIMEOUT_SECONDS * 1000));
      } catch (error) {
        throw providerError(error);
      }
    }
    const claims = tokens.claims();
    if (claims === undefined) throw new AuthException('OAUTH_FAILED');
    if (claims.email !== undefined || config.serverMetadata().userinfo_endpoint === undefined) return profileOf(claims, provider);
    // A provider that keeps the ID token minimal (as OpenID Connect asks for the code flow): the
    // e-mail is read from its UserInfo endpoint, whose `sub` must be the ID token's.
    try {
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      return profileOf({ ...info, sub: claims.sub }, provider);
    } catch (error) {
      throw providerError(error);
    }
  }

  /**
   * Verifies an ID token a native app got from the provider for `nonce` (the raw value, or its
   * SHA-256 in hex as Apple and Google SDKs send it): signature by the provider's JWKS, `iss`, `aud`
   * (`clientId` or `audiences`), `azp` when present, `exp`, `iat`. Resolves the profile and the
   * token's expiry (epoch ms, for its single use).
   */
  async verifyIdToken(
    provider: ResolvedOAuthProvider,
    idToken: string,
    nonce: string,
  ): Promise<{ profile: OAuthProfile; once: string; usableUntil: number }> {
    if (provider.type !== 'oidc') throw new AuthException('OAUTH_FAILED', { detail: 'This provider issues no ID tokens.' });
    const config = await this.configuration(provider);
    const verifier = await (this.jose ??= import('jose'));
    const metadata = config.serverMetadata();
    if (metadata.jwks_uri === undefined) throw new AuthException('OAUTH_PROVIDER_UNAVAILABLE');
    let keySet = this.keySets.get(provider.name);
    if (keySet === undefined) {
      keySet = verifier.createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: PROVIDER_TIMEOUT_SECONDS * 1000 });
      this.keySets.set(provider.name, keySet);
    }
    const audiences = [provider.clientId, ...(provider.audiences ?? [])];
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await verifier.jwtVerify(idToken, keySet, {
        // Google's SDKs may write its issuer without the scheme (documented by Google).
        issuer: metadata.issuer === GOOGLE_ISSUER ? [GOOGLE_ISSUER, 'accounts.google.com'] : metadata.issuer,
        currentDate: new Date(this.clock.now()),
        audience: audiences,
        algorithms: ID_TOKEN_ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iat', 'nonce'],
        clockTolerance: this.options.jwt.clockToleranceSeconds,
        maxTokenAge: '1h',
      }));
    } catch (error) {
      if (isUnreachable(error)) throw new AuthException('OAUTH_PROVIDER_UNAVAILABLE');
      throw new AuthException('OAUTH_FAILED');
    }
    const azp = payload.azp;
    // Several audiences: the authorized party must say which client the token was issued to.
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && azp === undefined) throw new AuthException('OAUTH_FAILED');
    if (azp !== undefined && (typeof azp !== 'string' || !audiences.includes(azp))) throw new AuthException('OAUTH_FAILED');
    const hashed = createHash('sha256').update(nonce).digest('hex');
    if (typeof payload.nonce !== 'string' || (payload.nonce !== nonce && payload.nonce !== hashed)) throw new AuthException('OAUTH_FAILED');
    const iat = payload.iat as number;
    const profile = profileOf(payload, provider);
    return {
      profile,
      // The single-use key, from the token's own claims (not from the request, whose nonce may be
      // the raw value or its hash: both would open the same token).
      once: createHash('sha256').update(`${metadata.issuer}\n${profile.subject}\n${payload.nonce}\n${iat}`).digest('base64url'),
      // The token is accepted until its exp, and at most an hour after iat, plus the clock tolerance.
      usableUntil: (Math.min(payload.exp as number, iat + 3600) + this.options.jwt.clockToleranceSeconds) * 1000,
    };
  }

  private load(): Promise<OpenIdClient> {
    return (this.library ??= import('openid-client'));
  }

  /** The provider's configuration: discovered once (OpenID Connect) or built from its endpoints. */
  private async configuration(provider: ResolvedOAuthProvider): Promise<Configuration> {
    const cached = this.configurations.get(provider.name);
    if (cached !== undefined && (cached.failedAt === undefined || Date.now() - cached.failedAt < DISCOVERY_RETRY_MS)) {
      return cached.config;
    }
    const entry: { config: Promise<Configuration>; failedAt?: number } = { config: this.configure(provider) };
    entry.config.catch(() => {
      entry.failedAt = Date.now();
    });
    this.configurations.set(provider.name, entry);
    return entry.config;
  }

  private async configure(provider: ResolvedOAuthProvider): Promise<Configuration> {
    const client = await this.load();
    const secret = provider.clientSecret;
    const auth =
      secret === undefined
        ? client.None()
        : provider.tokenEndpointAuthMethod === 'client_secret_basic'
          ? client.ClientSecretBasic(secret)
          : client.ClientSecretPost(secret);
    const endpoint = provider.type === 'oidc' ? provider.issuer : provider.tokenEndpoint;
    const execute = isLocal(endpoint) ? [client.allowInsecureRequests] : [];
    if (provider.type === 'oauth2') {
      const config = new client.Configuration(
        {
          issuer: new URL(provider.authorizationEndpoint).origin,
          authorization_endpoint: provider.authorizationEndpoint,
          token_endpoint: provider.tokenEndpoint,
        },
        provider.clientId,
        undefined,
        auth,
      );
      config.timeout = PROVIDER_TIMEOUT_SECONDS;
      for (const run of execute) run(config);
      return config;
    }
    try {
      return await client.discovery(new URL(provider.issuer), provider.clientId, undefined, auth, {
        execute,
        timeout: PROVIDER_TIMEOUT_SECONDS,
      });
    } catch {
      throw new AuthException('OAUTH_PROVIDER_UNAVAILABLE');
    }
  }
}

/** Whether a URL is http on localhost or a loopback address (plain HTTP allowed only there). */
function isLocal(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return (
    protocol === 'http:' &&
    (hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '127.0.0.1' || hostname === '[::1]')
  );
}

/** Whether an error (or one of its causes) is a network failure or a timeout. */
function isUnreachable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause.name === 'TimeoutError' || cause.name === 'AbortError' || cause.name === 'JWKSTimeout') return true;
    if (cause instanceof TypeError && cause.message === 'fetch failed') return true;
    const status = (cause as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 500) return true;
  }
  return false;
}

function providerError(error: unknown): AuthException {
  if (error instanceof AuthException) return error;
  return new AuthException(isUnreachable(error) ? 'OAUTH_PROVIDER_UNAVAILABLE' : 'OAUTH_FAILED');
}

/** The profile in ID token claims (already verified). */
function profileOf(claims: Record<string, unknown>, provider: ResolvedOAuthProvider): OAuthProfile {
  const email = typeof claims.email === 'string' ? claims.email : null;
  const trusted = provider.type === 'oidc' && provider.trustEmail === true;
  return checkedProfile({
    subject: typeof claims.sub === 'string' ? claims.sub : '',
    email,
    emailVerified: email !== null && (claims.email_verified === true || claims.email_verified === 'true' || trusted),
    name: typeof claims.name === 'string' ? claims.name : null,
  });
}

/**
 * A profile the stores can keep: a subject of 1 to 255 well-formed characters without control
 * characters (else `OAUTH_FAILED`); an e-mail of at most 254 such characters (else none, and so not
 * verified); a name cut to 200.
 */
function checkedProfile(profile: OAuthProfile): OAuthProfile {
  const clean = (value: unknown, max: number): value is string =>
    typeof value === 'string' && value.length > 0 && value.length <= max && isWellFormed(value) && !hasControlCharacter(value);
  if (!clean(profile?.subject, 255)) throw new AuthException('OAUTH_FAILED');
  const email = clean(profile.email, 254) ? profile.email : null;
  return {
    subject: profile.subject,
    email,
    emailVerified: profile.emailVerified === true && email !== null,
    name: clean(profile.name, 10_000) ? profile.name.slice(0, 200) : null,
  };
}

/** `promise`, or a `TimeoutError` after `ms` (a provider's profile call of the app's own writing). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('provider profile timed out'), { name: 'TimeoutError' })), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
