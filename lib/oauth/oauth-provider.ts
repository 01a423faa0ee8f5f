/**
 * What a provider says about the person who signed in, as the module uses it. `emailVerified` is the
 * provider's own statement (`email_verified` of OpenID Connect, GitHub's `verified` flag): an
 * address the provider did not verify never links to an account and never creates one.
 */
export interface OAuthProfile {
  /** The provider's stable id of the account (`sub`; GitHub's numeric user id as text). */
  subject: string;
  /** The account's e-mail address at the provider, or `null`. */
  email: string | null;
  /** Whether the provider says it verified `email` (never `true` without one). */
  emailVerified: boolean;
  /** A display name, when the provider gives one. */
  name?: string | null;
}

/** The fields every provider has. */
interface OAuthProviderBase {
  /** The client id the provider issued to this app. */
  clientId: string;
  /** The client secret (confidential clients); leave out for a public client with PKCE only. */
  clientSecret?: string;
  /**
   * How the client authenticates at the token endpoint (with a `clientSecret`).
   * @default 'client_secret_post'
   */
  tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic';
  /** The scopes asked for. @default ['openid', 'email', 'profile'] for OpenID Connect */
  scopes?: string[];
  /** The name shown on "Sign in with …" buttons. @default the provider's key in `oauth.providers` */
  label?: string;
}

/**
 * Any OpenID Connect provider, by its issuer: discovery (`/.well-known/openid-configuration`), the
 * authorization code flow with PKCE (S256), `state` and `nonce`, and the ID token checked
 * (signature from the provider's JWKS, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`) by
 * `openid-client`.
 */
export interface OidcProviderOptions extends OAuthProviderBase {
  type: 'oidc';
  /** The issuer URL exactly as the provider's `iss` (https; `http://localhost` or loopback in development). */
  issuer: string;
  /**
   * More client ids whose ID tokens `POST /oauth/:provider/token` accepts (`aud` or `azp`): a mobile
   * app's own client ids. The browser flow accepts `clientId` only.
   * @default []
   */
  audiences?: string[];
  /**
   * How the provider returns to the callback: `'query'` (a GET), or `'form_post'` (a cross-site POST,
   * e.g. Apple when the e-mail scope is asked for; the state cookie is then `SameSite=None; Secure`).
   * @default 'query'
   */
  responseMode?: 'query' | 'form_post';
  /** Extra parameters of the authorization request (e.g. `{ prompt: 'select_account' }`). @default {} */
  authorizationParams?: Record<string, string>;
  /**
   * Take the ID token's `email` as verified even without `email_verified: true`. Only for a provider
   * whose addresses you control (your own company's tenant): a provider that lets users type any
   * address would let them link to, or claim, anyone's account here.
   * @default false
   */
  trustEmail?: boolean;
}

/**
 * A plain OAuth 2.0 provider (no ID token): the authorization code flow with PKCE and `state`, then
 * `profile(accessToken)` reads who signed in from the provider's API.
 */
export interface OAuth2ProviderOptions extends OAuthProviderBase {
  type: 'oauth2';
  /** The authorization endpoint URL. */
  authorizationEndpoint: string;
  /** The token endpoint URL. */
  tokenEndpoint: string;
  /** Reads the account behind an access token (called once per sign-in, server to server). */
  profile: (accessToken: string) => Promise<OAuthProfile>;
  /** Extra parameters of the authorization request. @default {} */
  authorizationParams?: Record<string, string>;
}

/** A provider of `oauth.providers`: an OpenID Connect issuer, or a plain OAuth 2.0 one. */
export type OAuthProviderOptions = OidcProviderOptions | OAuth2ProviderOptions;

/** The credentials of a provider preset. */
export interface OAuthClientCredentials {
  /** The client id the provider issued to this app. */
  clientId: string;
  /** The client secret (Apple: the ES256 client-secret JWT). */
  clientSecret?: string;
  /** Replaces the preset's scopes. */
  scopes?: string[];
  /** The name on "Sign in with …" buttons (default: the provider's). */
  label?: string;
  /** More client ids accepted by the ID-token route (OpenID Connect presets). */
  audiences?: string[];
}

/** Google (OpenID Connect, `https://accounts.google.com`). */
function google(credentials: OAuthClientCredentials): OidcProviderOptions {
  return { type: 'oidc', issuer: 'https://accounts.google.com', label: 'Google', ...credentials };
}

/**
 * Microsoft Entra ID for one tenant (OpenID Connect, `https://login.microsoftonline.com/<tenant>/v2.0`).
 * The tenant is its id (a GUID): the multi-tenant endpoints (`common`, `organizations`) have no
 * single issuer to check ID tokens against and are refused. Entra's `email` claim is not verified
 * by Microsoft for every account type and its ID tokens carry no `email_verified`: the address counts
 * as verified only with `trustEmail: true` (e.g. a tenant of your own company).
 */
function microsoft(credentials: OAuthClientCredentials & { tenant: string; trustEmail?: boolean }): OidcProviderOptions {
  const { tenant, ...rest } = credentials;
  return { type: 'oidc', issuer: `https://login.microsoftonline.com/${encodeURIComponent(tenant)}/v2.0`, label: 'Microsoft', ...rest };
}

/**
 * Sign in with Apple (OpenID Connect, `https://appleid.apple.com`). Apple answers the e-mail scope
 * with a `form_post` to the callback. `clientSecret` is the ES256 client-secret JWT Apple asks for
 * (made with your team key; valid at most six months).
 */
function apple(credentials: OAuthClientCredentials): OidcProviderOptions {
  return {
    type: 'oidc',
    issuer: 'https://appleid.apple.com',
    label: 'Apple',
    scopes: ['openid', 'email', 'name'],
    responseMode: 'form_post',
    ...credentials,
  };
}

/** Where GitHub lives (GitHub Enterprise Server, or a test server speaking its protocol). */
export interface GitHubUrls {
  /** The web site (authorize, access_token). @default 'https://github.com' */
  webUrl?: string;
  /** The REST API. @default 'https://api.github.com' */
  apiUrl?: string;
}

/**
 * GitHub (OAuth 2.0 with PKCE; no ID token): the account is `GET /user`, the e-mail the primary
 * address of `GET /user/emails` with its `verified` flag (scope `read:user user:email`).
 */
function github(credentials: OAuthClientCredentials & GitHubUrls): OAuth2ProviderOptions {
  const { webUrl = 'https://github.com', apiUrl = 'https://api.github.com', audiences: _unused, ...rest } = credentials;
  const api = apiUrl.replace(/\/+$/, '');
  const web = webUrl.replace(/\/+$/, '');
  return {
    type: 'oauth2',
    label: 'GitHub',
    scopes: ['read:user', 'user:email'],
    authorizationEndpoint: `${web}/login/oauth/authorize`,
    tokenEndpoint: `${web}/login/oauth/access_token`,
    profile: (accessToken) => gitHubProfile(api, accessToken),
    ...rest,
  };
}

/** The most bytes read of a provider API answer. */
const MAX_API_BYTES = 256 * 1024;
/** How long a provider API call may take. */
const API_TIMEOUT_MS = 10_000;

/** A JSON document from a provider API (bounded in time and size); throws on any failure. */
export async function fetchProviderJson(url: string, accessToken: string): Promise<unknown> {
  const response = await fetch(url, {
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/vnd.github+json, application/json',
      'user-agent': 'nest-gatekeeper',
    },
    redirect: 'error',
    signal: AbortSignal.timeout(API_TIMEOUT_MS),
  });
  // The status goes with the error: 5xx is the provider being down (503 to the client), 4xx a refusal.
  if (!response.ok) throw Object.assign(new Error(`provider API answered ${response.status}`), { status: response.status });
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_API_BYTES) throw new Error('provider API answer too large');
  const text = await response.text();
  if (text.length > MAX_API_BYTES) throw new Error('provider API answer too large');
  return JSON.parse(text) as unknown;
}

/** GitHub's user and primary e-mail. */
async function gitHubProfile(api: string, accessToken: string): Promise<OAuthProfile> {
  const [user, emails] = await Promise.all([
    fetchProviderJson(`${api}/user`, accessToken),
    fetchProviderJson(`${api}/user/emails`, accessToken),
  ]);
  if (typeof user !== 'object' || user === null || !('id' in user)) throw new Error('GitHub user without id');
  const id = user.id;
  if ((typeof id !== 'number' || !Number.isSafeInteger(id)) && typeof id !== 'string') throw new Error('GitHub user id of a wrong type');
  const primary = Array.isArray(emails)
    ? (emails as unknown[]).find(
        (entry): entry is { email: string; verified: unknown } =>
          typeof entry === 'object' &&
          entry !== null &&
          (entry as { primary?: unknown }).primary === true &&
          typeof (entry as { email?: unknown }).email === 'string',
      )
    : undefined;
  const name = (user as { name?: unknown }).name;
  return {
    subject: String(id),
    email: primary?.email ?? null,
    emailVerified: primary?.verified === true,
    name: typeof name === 'string' ? name : null,
  };
}

/**
 * Ready-made providers for `oauth.providers`: `google`, `microsoft` (one tenant), `apple` and
 * `github`. Any other OpenID Connect provider: `{ type: 'oidc', issuer, clientId, clientSecret }`.
 */
export const oauthProviders = Object.freeze({ google, microsoft, apple, github });
