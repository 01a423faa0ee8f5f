import type { InjectionToken, Type } from '@nestjs/common';
import type { BreachedPasswordChecker } from '../users/breached-passwords.js';
import type { LegacyHashScheme } from '../crypto/legacy-hashes.js';
import type { KeyObject } from 'node:crypto';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { MfaFactor } from '../mfa/factors/mfa-factor.js';
import type { BuiltInMfaMethod } from '../mfa/mfa-methods.js';
import type { MfaSender } from '../mfa/mfa-sender.js';
import type { AccountMessagePurpose } from '../account/account-messages.js';
import type { AuthEventType } from '../events/auth-event.js';
import type { AuthEventSink } from '../events/auth-event.sink.js';
import type { AccountTokenStore } from '../stores/account-token.store.js';
import type { ActivityStore } from '../stores/activity.store.js';
import type { MfaChallengeStore } from '../stores/mfa-challenge.store.js';
import type { MfaEnrolmentStore } from '../stores/mfa-enrolment.store.js';
import type { MfaStore } from '../stores/mfa.store.js';
import type { IdentityStore } from '../stores/identity.store.js';
import type { OAuthProviderOptions } from '../oauth/oauth-provider.js';
import type { PasskeyStore } from '../stores/passkey.store.js';
import type { RateLimitStore } from '../stores/rate-limit.store.js';
import type { SessionStore } from '../stores/session.store.js';
import type { JsonValue, UserStore } from '../stores/user.store.js';
import type { TokenResponseBody } from '../transport/token-transport.js';
import type { PublicUser } from '../users/public-user.js';

import type { Duration } from './duration.js';

// Defined beside its parser, so that entries without these options (the resource server) can name it.
export type { Duration };

/** How tokens travel between client and server. */
export type AccessTokenType = 'header' | 'cookie' | 'both';

/** The JWT algorithms the module can be pinned to. */
export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

/**
 * A pluggable dependency: a class (instantiated by Nest's injector, so it can inject providers of
 * the host app), a ready instance, or a factory with its injection tokens.
 */
export type ProviderOption<T> =
  | Type<T>
  | T
  | {
      useFactory: (...args: never[]) => T | Promise<T>;
      inject?: InjectionToken[];
    };

/**
 * The life stage of a key in `jwt.keys`: `'active'` signs (exactly one key), `'standby'` is
 * configured (and verifies) before it signs, `'retired'` verifies the tokens it signed until they
 * expire. See docs/keys.md for the rotation runbook.
 */
export type JwtKeyStatus = 'active' | 'standby' | 'retired';

/** One key of `jwt.keys`: its `kid`, its own pinned algorithm and its key material. */
export interface JwtKeyOptions {
  /**
   * The key's id, written in the `kid` header of every token it signs and used to pick the key when
   * verifying: 1 to 64 letters, digits, or `-` `.` `_` `~`, unique in the set. Left out, it is derived
   * from the key as in the single-key form, so the key configured before as `jwt.secret` or
   * `jwt.privateKey` keeps the `kid` its tokens carry. @default derived from the key
   */
  kid?: string;
  /** The one algorithm this key signs and verifies with; a token naming this key with another `alg` is refused. */
  algorithm: JwtAlgorithm;
  /** HS256 only: the shared secret, at least 32 bytes. */
  secret?: string | Buffer;
  /**
   * RS256 / ES256 / EdDSA: the private key (PEM string, Buffer or KeyObject). Required for the
   * `active` key; a `standby` or `retired` key may leave it out and give `publicKey` only.
   */
  privateKey?: string | Buffer | KeyObject;
  /** RS256 / ES256 / EdDSA: the public key; derived from `privateKey` when left out. */
  publicKey?: string | Buffer | KeyObject;
  /** `'active'` (signs), `'standby'` (verifies, not yet signing) or `'retired'` (verifies until its tokens expire). @default 'active' */
  status?: JwtKeyStatus;
  /**
   * A rotation schedule instead of `status`: when this key starts signing (a `Date`, an ISO 8601
   * string or epoch milliseconds). Either every key of the set has one or none does. At any moment
   * the key with the latest `activateAt` in the past signs; a key whose time has not come is
   * `standby` (published, verifying); the keys before the signing one are `retired` and verify until
   * `jwt.maxAccessTokenTtl` (+ `clockToleranceSeconds`) after their successor took over, then are
   * dropped. Every instance switches at the same instant with no deployment; see docs/keys.md.
   */
  activateAt?: Date | string | number;
}

/**
 * Where the JWT keys come from when they are not in the options: a KMS, Vault, a secrets file or the
 * shared database. `loadKeys` is called once at start-up (the module does not start without a valid
 * set) and then every `jwt.keyReloadInterval`, and on `JwtKeyRing.reload()`. A set that fails its
 * checks, a rejection or a timeout keeps the keys in use (with a warning naming the problem, never
 * the key). Keys are compared by `kid`, algorithm, status, schedule and key material, so reloading an
 * unchanged set costs nothing.
 */
export interface KeyProvider {
  /** The key set, in the shape of `jwt.keys`. */
  loadKeys(): Promise<readonly JwtKeyOptions[]>;
}

/**
 * Access-token signing: one key (`secret`, or `privateKey`/`publicKey` with `algorithm`), or a key
 * set (`keys`) for rotation. Every access token carries the `kid` of the key that signed it.
 */
export interface JwtOptions {
  /**
   * Shared secret for HS256; at least 32 bytes. Its `kid` is derived from it (a truncated SHA-256
   * over a fixed label and the secret, which does not reveal the secret).
   */
  secret?: string | Buffer;
  /**
   * Private key (PEM string, Buffer or KeyObject) for RS256 / ES256 / EdDSA. Its `kid` is the
   * RFC 7638 JWK thumbprint of the public key.
   */
  privateKey?: string | Buffer | KeyObject;
  /** Public key (PEM string, Buffer or KeyObject) for RS256 / ES256 / EdDSA. */
  publicKey?: string | Buffer | KeyObject;
  /**
   * The one algorithm tokens are signed and verified with; every other algorithm (and `none`) is refused.
   * @default 'HS256'
   */
  algorithm?: JwtAlgorithm;
  /**
   * A key set instead of `secret` / `privateKey` / `publicKey` / `algorithm` (not combinable with
   * them): several keys, each with its `kid`, its own algorithm and a status. Exactly one is
   * `'active'` and signs; `'standby'` and `'retired'` keys verify. A token is verified with the key
   * its `kid` names, with that key's algorithm only; a token without `kid`, or naming no configured
   * key, is refused. Keys may instead carry an `activateAt` schedule (see {@link JwtKeyOptions.activateAt}).
   */
  keys?: JwtKeyOptions[];
  /**
   * The key set comes from this provider (a class, an instance or `{ useFactory, inject }`) instead
   * of `secret` / `privateKey` / `keys`, and is reloaded every `keyReloadInterval` without a restart.
   * Needs `secretKey` (the CSRF, refresh-token and code keys must not change with a reload).
   */
  keyProvider?: ProviderOption<KeyProvider>;
  /** How often the `keyProvider` is asked for the keys again. @default '1m' */
  keyReloadInterval?: Duration;
  /**
   * `max-age` of `GET /.well-known/jwks.json` (`Cache-Control: public`): how long verifiers may keep the
   * published keys. Publish a new key as `standby` at least this long before it becomes `active`.
   * @default '5m'
   */
  jwksMaxAge?: Duration;
  /**
   * The absolute URL the app is reachable at (`https://auth.example.com`, or with a path where a proxy
   * mounts it), without a trailing slash. `GET /.well-known/oauth-authorization-server` builds its
   * `jwks_uri` and `token_endpoint` from it, and exists only when it is set (never from the request's
   * `Host` header, which a client chooses and a shared cache would keep).
   */
  publicUrl?: string;
  /** The `iss` claim written and required. @default 'nest-gatekeeper' */
  issuer?: string;
  /** The `aud` claim written and required. @default 'nest-gatekeeper' */
  audience?: string;
  /** Access-token lifetime. @default '15m' */
  accessTokenTtl?: Duration;
  /**
   * Upper bound for a client's `expiresInMins` (and for `accessTokenTtl`): the longest an access
   * token can live. It is also how long each instance remembers a revoked session for the revocation
   * feed (see {@link AuthModuleOptions.revocation}), so a longer bound costs memory there. At most
   * one day (a number is seconds: `3600000` is refused at start-up rather than read as 41 days).
   * @default '1h'
   */
  maxAccessTokenTtl?: Duration;
  /** Clock skew tolerated when checking `exp`/`iat`. @default 0 */
  clockToleranceSeconds?: number;
  /**
   * How many verified access tokens to remember (oldest evicted first), so a client that sends the
   * same token again skips the signature check; `exp` is still checked every time. 0 turns it off.
   * @default 10000
   */
  verifiedTokenCacheSize?: number;
}

/**
 * The revocation feed. Each instance keeps in memory the ids of the sessions revoked during the last
 * `jwt.maxAccessTokenTtl` (+ clock tolerance), loaded at start-up and kept current from the session
 * store (memory store: at once; Redis: pub/sub, within milliseconds; SQL: a poll every
 * `pollInterval`). `AccessTokenGuard` refuses (401 `ACCESS_TOKEN_INVALID`) an access token whose
 * session is in that list: one map lookup per request, no store read. So after a logout, a logout
 * everywhere, a password change, `DELETE /sessions/:id` or a detected refresh-token reuse, the old
 * access token stops opening any route, on every instance, within about a second.
 *
 * A session store offering neither `listRevokedSince` nor `watchRevocations` cannot feed it: the
 * module then warns at start-up that revocation reaches host routes only at token expiry (use
 * `sessionCheck` for those stores).
 */
export interface RevocationOptions {
  /** Turn the feed on or off. @default true */
  enabled?: boolean;
  /**
   * How often a store without `watchRevocations` (the SQL store) is asked for new revocations: the
   * longest a revocation made on another instance takes to arrive here. @default '500ms'
   */
  pollInterval?: Duration;
  /**
   * The most revoked sessions kept in memory (about 150 bytes each). Beyond it the oldest entries are
   * dropped, and until every access token that could belong to them has expired the guard reads the
   * session store for the tokens old enough to (as `sessionCheck` does), so a revoked token is still
   * refused; an error is logged. @default 1000000
   */
  maxEntries?: number;
}

/** Refresh tokens and session lifetimes. */
export interface RefreshTokenOptions {
  /** Idle lifetime: a session not refreshed for this long ends. @default '7d' */
  ttl?: Duration;
  /** Absolute lifetime: a session ends this long after login, however active. @default '30d' */
  absoluteTtl?: Duration;
  /**
   * Seconds during which a just-rotated refresh token still returns the same successor pair
   * (two tabs refreshing at once). Afterwards, presenting it revokes the session. @default 10
   */
  reuseGraceSeconds?: number;
  /**
   * Seconds after a rotation during which the rotated (previous) token still returns its successor,
   * as long as that successor was never used (no refresh with it yet): a client whose refresh
   * committed but whose reply was lost (a crash, a frozen connection, a network cut) retries with
   * its last acknowledged token and gets the same refresh token (with a fresh access token) instead
   * of `REFRESH_TOKEN_REUSED` and a revoked session. Once the successor was used, presenting the
   * older token is reuse at once, as before. The trade-off: within this window a stolen previous
   * token also obtains the successor (as within `reuseGraceSeconds`, only longer); the theft is
   * detected when the legitimate client and the thief diverge. `0` keeps only `reuseGraceSeconds`.
   * The default covers a client retrying after a server restart or a store outage (the incidents
   * measured took 16–20 s) while keeping short the time in which a thief could shadow the client; raise
   * it (at most the access-token lifetime is sensible) for clients that retry only at their next
   * refresh. Must not exceed `refreshToken.ttl`. @default 120 (or `refreshToken.ttl` when shorter)
   */
  orphanGraceSeconds?: number;
  /**
   * The most live sessions a user may hold. A login beyond it revokes the user's oldest live sessions
   * (by creation time, then id), which then also reach the revocation feed. Concurrent logins
   * converge: each login, after creating its session, revokes everything beyond the newest N it sees,
   * so exactly N stay live (a login that loses such a race gets a session revoked at once).
   * @default undefined (no cap)
   */
  maxSessionsPerUser?: number;
}

/** Cookie names and attributes (cookie and dual modes). */
export interface CookieOptions {
  names?: {
    /** @default 'access_token' */
    access?: string;
    /** @default 'refresh_token' */
    refresh?: string;
    /** @default 'trust_token' */
    trust?: string;
    /** @default 'csrf_token' */
    csrf?: string;
  };
  /** The `Domain` attribute; unset means host-only. */
  domain?: string;
  /** The `Secure` attribute. Turn off only for plain-HTTP development. @default true */
  secure?: boolean;
  /** The `SameSite` attribute. @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none';
  /**
   * CSRF protection (signed double-submit) for cookie-authenticated unsafe requests (POST, PUT,
   * PATCH, DELETE): they must send the `csrf_token` cookie's value in `X-CSRF-Token`. @default true
   */
  csrf?: boolean;
  /**
   * A cookie-name prefix that browsers enforce. `'__Host-'`: the access and CSRF cookies become
   * `__Host-access_token` etc. (Secure, `Path=/`, no `Domain`, so no subdomain can set or read them);
   * the refresh and trust cookies, whose path is scoped to the auth routes, get `'__Secure-'`. `'__Secure-'`: every cookie gets
   * `__Secure-` (Secure required). Both need `secure: true`; `'__Host-'` also needs no `domain`.
   * @default none
   */
  prefix?: '__Host-' | '__Secure-';
  /**
   * The refresh cookie's `Path`. By default the auth routes' prefix, after the app's global prefix
   * (`/auth`, or `/api/auth` after `app.setGlobalPrefix('api')`), so the refresh token is only sent
   * to the auth routes.
   */
  refreshPath?: string;
}

/**
 * Where the module's e-mail and SMS codes go (the module never sends anything by itself). Both
 * implement {@link MfaSender}; one object may serve both (it reads `message.channel`).
 */
export interface MfaSendersOptions {
  /** Delivers e-mail codes; required when `methods` includes `'email'`. */
  email?: ProviderOption<MfaSender>;
  /** Delivers SMS codes; required when `methods` includes `'sms'`. */
  sms?: ProviderOption<MfaSender>;
}

/** Multi-factor authentication. */
export interface MfaOptions {
  /**
   * The second factors offered. Users enable them one by one (TOTP through `/mfa/totp/setup` and
   * `/mfa/totp/enable`); login asks for a second factor once a user has one. @default [] (MFA off unless `factors`)
   */
  methods?: BuiltInMfaMethod[];
  /**
   * Every user must complete a second factor: a user without one gets 403
   * `MFA_ENROLLMENT_REQUIRED` at login instead of tokens (never a free pass). @default false
   */
  required?: boolean;
  /**
   * Key(s) that encrypt TOTP secrets at rest (AES-256-GCM, each key ≥ 32 bytes). Required when
   * `methods` includes `'totp'`. The first key encrypts; every key is tried to decrypt, so a new key
   * goes first and the old one stays after it until every secret has been re-enrolled.
   */
  encryptionKey?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** The issuer shown in authenticator apps. @default 'nest-gatekeeper' */
  issuer?: string;
  /** Lifetime of e-mail and SMS codes, at most 10 minutes. @default '10m' */
  codeTtl?: Duration;
  /** Digits of e-mail and SMS codes (6 to 10). @default 6 */
  codeLength?: number;
  /**
   * Wrong codes allowed per user (over every pending login) before further tries are refused until
   * `lockout` has passed since the first wrong code; the pending login in use dies. @default 5
   */
  maxAttempts?: number;
  /** The cool-down after `maxAttempts` wrong codes. @default '15m' */
  lockout?: Duration;
  /**
   * E-mail/SMS sends allowed per user and per client address. Every send counts, the one at login
   * included. @default { perUser: { max: 5, window: '15m' }, perAddress: { max: 20, window: '15m' } }
   */
  sendLimit?: { perUser?: AttemptLimit; perAddress?: AttemptLimit };
  /** Lifetime of a trusted device. @default '30d' */
  trustedDeviceTtl?: Duration;
  /** The code senders. */
  senders?: MfaSendersOptions;
  /**
   * Second factors of your own, offered beside the built-in `methods` (each one a class, which
   * Nest's injector builds in the module's context, an instance, or `{ useFactory, inject }`).
   * A factor's `method` is what clients send to `/mfa/verify` (and `/mfa/send` when it sends), and
   * what `AuthUser.mfaMethods` lists for users who have it (enable it with
   * `MfaEnrolmentService.enableMethod`). The pending login, the attempt cap and lock-out, the send
   * limits and trusted devices apply to it as to the built-ins. Names are checked at start-up
   * (unique, not a built-in one). See {@link MfaFactor}.
   *
   * ```ts
   * mfa: { methods: ['totp'], encryptionKey, factors: [PushFactor] }
   * ```
   * @default []
   */
  factors?: ProviderOption<MfaFactor>[];
}

/** Password reset (`POST /password/forgot`, `POST /password/reset`; on when an e-mail sender is configured). */
export interface PasswordResetOptions {
  /**
   * What the reset message carries: `'link'`, a link with a ≥ 128-bit token (stored only as its
   * hash), or `'code'`, a short code (`accountEmails.codeLength` digits) typed into the app, which
   * `POST /password/reset` then takes with the account's `email` and guess-limits like MFA codes.
   * @default 'link'
   */
  method?: 'link' | 'code';
  /** How long a reset token or code stays valid. @default '30m' */
  tokenTtl?: Duration;
}

/** E-mail verification (on when an e-mail sender is configured). */
export interface EmailVerificationOptions {
  /**
   * Send a verification message at registration and offer `POST /email/verify/resend`. `false` sends
   * none (e-mail changes are still confirmed by the new address). @default true
   */
  enabled?: boolean;
  /**
   * Refuse sign-in to accounts whose e-mail is not verified: a correct password answers 403
   * `EMAIL_NOT_VERIFIED` (only after the password check, so it tells a guesser nothing). Needs a user
   * store with `setEmailVerified()`. @default false
   */
  required?: boolean;
  /** How long a verification (or e-mail change) link stays valid. @default '24h' */
  tokenTtl?: Duration;
}

/**
 * Passkeys (WebAuthn): sign-in without a password, and a second factor (`passkey`). Built on
 * `@simplewebauthn/server`; see docs/passkeys.md.
 */
export interface PasskeyOptions {
  /** Offer passkeys: the `passkeys/…` routes and the `passkey` second factor. @default false */
  enabled?: boolean;
  /**
   * The relying party id: the host name the passkeys belong to (`example.com`, or `localhost` in
   * development), no scheme or port. Passkeys work on it and its subdomains. Required when enabled.
   */
  rpId?: string;
  /** The name authenticators show next to the passkey. @default 'nest-gatekeeper' */
  rpName?: string;
  /**
   * The exact origins the ceremonies run on (`https://app.example.com`): each `https:` (or
   * `http://localhost…` in development), on the RP id's host or a subdomain of it. Required when
   * enabled.
   */
  origins?: string[];
  /**
   * Whether authenticators must verify the user (PIN, biometrics). A sign-in with a verified user
   * satisfies the second factor; without, users with a second factor still get the second step.
   * `'required'` refuses passkeys that cannot verify the user. @default 'preferred'
   */
  userVerification?: 'required' | 'preferred' | 'discouraged';
  /** Passkeys per account. @default 10 */
  maxPerUser?: number;
  /** How long a ceremony's challenge stays valid (30 s to 10 minutes). @default '5m' */
  challengeTtl?: Duration;
}

/**
 * Social and enterprise sign-in (OpenID Connect and OAuth 2.0 providers) on `openid-client`; see
 * docs/social-login.md.
 */
export interface OAuthOptions {
  /**
   * The providers by name, the `:provider` of the routes (lower-case letters, digits and `-`, at
   * most 32): `{ google: oauthProviders.google({ clientId, clientSecret }), corp: { type: 'oidc', issuer, clientId } }`.
   * The routes exist when there is at least one.
   * @default {}
   */
  providers?: Record<string, OAuthProviderOptions>;
  /**
   * The absolute URL the app is reachable at by browsers (`https://api.example.com`, with the app's
   * global prefix if it has one, no trailing slash): each callback URL to register at a provider is
   * `<baseUrl>/<routes.prefix>/oauth/<name>/callback`. Required with a provider (never taken from
   * the request's `Host` header). https, or http on localhost / a loopback address in development.
   */
  baseUrl?: string;
  /**
   * The other origins the browser may be sent back to after a sign-in (`returnTo`), e.g. the SPA's
   * `https://app.example.com`. Paths on `baseUrl`'s origin are always allowed; anything else is
   * refused (no open redirect).
   * @default []
   */
  returnToOrigins?: string[];
  /** Where the browser goes when the sign-in named no `returnTo` (a path, or a URL on an allowed origin). @default '/' */
  defaultReturnTo?: string;
  /**
   * Whether a provider account signs in to an existing account with the same e-mail:
   * `'verified-email'` links only when the provider says it verified the address AND the account's
   * address is verified here (no pre-registration takeover); `'never'` never links by e-mail (users
   * link providers from their account with `POST /identities/link`).
   * @default 'verified-email'
   */
  linking?: 'verified-email' | 'never';
  /**
   * Whether a provider account that matches no account creates one (with the provider's verified
   * e-mail, verified here, and no password). `false`: only linked accounts sign in.
   * @default true
   */
  createUsers?: boolean;
  /** How long a sign-in may spend at the provider (the state cookie's life), 1 to 30 minutes. @default '10m' */
  stateTtl?: Duration;
}

/** Sign-in by e-mail code, a first factor without a password (`POST /login/code/send`, `POST /login/code`). */
export interface LoginCodeOptions {
  /** Offer it (needs an e-mail sender). @default false */
  enabled?: boolean;
  /** How long a sign-in code stays valid, at most 15 minutes. @default '10m' */
  codeTtl?: Duration;
}

/**
 * Links the account messages point to: a URL with a `{token}` placeholder, e.g.
 * `'https://app.example.com/reset?token={token}'`. Without one, the message carries the token to paste.
 */
export interface AccountLinksOptions {
  passwordReset?: string;
  emailVerification?: string;
  /** The confirmation of a new address (defaults to the `emailVerification` link: both go to `POST /email/verify`). */
  emailChange?: string;
}

/** The values a message template can use. */
export interface AccountMessageVariables {
  /** The recipient's username. */
  username: string;
  /** The token or code (empty for notices). */
  code: string;
  /** The link built from `links` (empty when none is configured or the message has none). */
  link: string;
  /** How long the token or code stays valid, in whole minutes (0 for notices). */
  expiresInMinutes: number;
  /** The new address (e-mail change messages) or the account's address. */
  email: string;
}

/** The subject and text of one account message: a string with `{username}`, `{code}`, `{link}`, `{expiresInMinutes}`, `{email}`, or a function. */
export interface AccountMessageTemplate {
  subject?: string | ((vars: AccountMessageVariables) => string);
  text?: string | ((vars: AccountMessageVariables) => string);
}

/** The account lifecycle's messages and their limits. */
export interface AccountEmailsOptions {
  /** Digits of reset codes (`passwordReset.method: 'code'`) and sign-in codes (6 to 10). @default 8 */
  codeLength?: number;
  /**
   * Wrong codes allowed per account and purpose before the code dies and further tries are refused
   * until `lockout` has passed. @default 5
   */
  maxAttempts?: number;
  /** The cool-down after `maxAttempts` wrong codes. @default '15m' */
  lockout?: Duration;
  /**
   * Messages allowed per account and purpose (counted by the address or username asked for, existing
   * or not) and per client address over every purpose. Beyond: 429 with `Retry-After`.
   * @default { perAccount: { max: 5, window: '15m' }, perAddress: { max: 50, window: '15m' } }
   */
  sendLimit?: { perAccount?: AttemptLimit; perAddress?: AttemptLimit };
  /** Your own subject and text, per message purpose. */
  templates?: Partial<Record<AccountMessagePurpose, AccountMessageTemplate>>;
}

/** Deleting accounts (`POST /account/delete`). */
export interface AccountDeletionOptions {
  /**
   * Called after the password (and second factor) check, before anything is deleted: clean up your own
   * data, or throw (an `HttpException` reaches the client as it is) to refuse the deletion.
   */
  beforeDelete?: (user: PublicUser) => void | Promise<void>;
}

/** Route names whose path can be changed with {@link RoutesOptions}. */
export type AuthRouteName =
  | 'register'
  | 'login'
  | 'token'
  | 'refresh'
  | 'me'
  | 'logout'
  | 'sessions'
  | 'session'
  | 'passwordChange'
  | 'mfaSend'
  | 'mfaVerify'
  | 'totpSetup'
  | 'totpEnable'
  | 'mfaDisable'
  | 'mfaDevices'
  | 'mfaDevice'
  | 'passwordForgot'
  | 'passwordReset'
  | 'emailVerify'
  | 'emailVerifyResend'
  | 'emailChange'
  | 'accountDelete'
  | 'loginCodeSend'
  | 'loginCode'
  | 'activity'
  | 'passkeyRegisterOptions'
  | 'passkeyRegister'
  | 'passkeys'
  | 'passkey'
  | 'passkeyLoginOptions'
  | 'passkeyLogin'
  | 'passkeyMfaOptions'
  | 'passkeyMfaVerify'
  | 'passkeyMfaEnable'
  | 'oauthStart'
  | 'oauthCallback'
  | 'oauthToken'
  | 'oauthExchange'
  | 'identities'
  | 'identityLink'
  | 'identity'
  | 'jwks'
  | 'authorizationServerMetadata';

/**
 * The shape of the module's HTTP surface (a builder extra: it shapes the module, so it is given
 * beside `useFactory` in `forRootAsync`, not returned by it). Every route takes a path relative to
 * the prefix (e.g. `me: 'profile'`), or `false` to leave it out.
 */
export interface RoutesOptions {
  /** Prefix of every route. @default 'auth' */
  prefix?: string;
  /** `POST /register`. @default 'register' */
  register?: string | false;
  /** `POST /login`. @default 'login' */
  login?: string | false;
  /**
   * `POST /token`, the OAuth 2.0 token endpoint (form body; password and refresh_token grants) for
   * first-party clients such as Swagger UI's "Authorize". @default 'token'
   */
  token?: string | false;
  /** `POST /refresh`. @default 'refresh' */
  refresh?: string | false;
  /** `GET /me`. @default 'me' */
  me?: string | false;
  /** `POST /logout`. @default 'logout' */
  logout?: string | false;
  /** `GET /sessions`; `false` leaves out both session routes. @default 'sessions' */
  sessions?: string | false;
  /** `DELETE /sessions/:id` (must contain `:id`). @default 'sessions/:id' */
  session?: string | false;
  /** `POST /password/change`. @default 'password/change' */
  passwordChange?: string | false;
  /** `POST /mfa/send`. @default 'mfa/send' */
  mfaSend?: string | false;
  /** `POST /mfa/verify`. @default 'mfa/verify' */
  mfaVerify?: string | false;
  /** `POST /mfa/totp/setup`. @default 'mfa/totp/setup' */
  totpSetup?: string | false;
  /** `POST /mfa/totp/enable`. @default 'mfa/totp/enable' */
  totpEnable?: string | false;
  /** `POST /mfa/disable`. @default 'mfa/disable' */
  mfaDisable?: string | false;
  /** `GET /mfa/devices`. @default 'mfa/devices' */
  mfaDevices?: string | false;
  /** `DELETE /mfa/devices/:id` (must contain `:id`). @default 'mfa/devices/:id' */
  mfaDevice?: string | false;
  /** `POST /password/forgot` (exists when an e-mail sender is configured). @default 'password/forgot' */
  passwordForgot?: string | false;
  /** `POST /password/reset` (exists when an e-mail sender is configured). @default 'password/reset' */
  passwordReset?: string | false;
  /** `POST /email/verify` (exists when an e-mail sender is configured). @default 'email/verify' */
  emailVerify?: string | false;
  /** `POST /email/verify/resend` (exists when e-mail verification is on). @default 'email/verify/resend' */
  emailVerifyResend?: string | false;
  /** `POST /email/change` (exists when an e-mail sender is configured). @default 'email/change' */
  emailChange?: string | false;
  /** `POST /account/delete`. @default 'account/delete' */
  accountDelete?: string | false;
  /** `POST /login/code/send` (exists when `loginCode.enabled`). @default 'login/code/send' */
  loginCodeSend?: string | false;
  /** `POST /login/code` (exists when `loginCode.enabled`). @default 'login/code' */
  loginCode?: string | false;
  /** `GET /activity`, the caller's security events (exists unless `activityStore: false`). @default 'activity' */
  activity?: string | false;
  /** `POST /passkeys/register/options` (the passkey routes exist with `passkeys.enabled`). @default 'passkeys/register/options' */
  passkeyRegisterOptions?: string | false;
  /** `POST /passkeys/register`. @default 'passkeys/register' */
  passkeyRegister?: string | false;
  /** `GET /passkeys`, the caller's passkeys; `false` leaves out rename and delete too. @default 'passkeys' */
  passkeys?: string | false;
  /** `PATCH` and `DELETE /passkeys/:id` (must contain `:id`). @default 'passkeys/:id' */
  passkey?: string | false;
  /** `POST /passkeys/login/options`. @default 'passkeys/login/options' */
  passkeyLoginOptions?: string | false;
  /** `POST /passkeys/login`. @default 'passkeys/login' */
  passkeyLogin?: string | false;
  /** `POST /passkeys/mfa/options` (the `passkey` second factor). @default 'passkeys/mfa/options' */
  passkeyMfaOptions?: string | false;
  /** `POST /passkeys/mfa/verify`. @default 'passkeys/mfa/verify' */
  passkeyMfaVerify?: string | false;
  /** `POST /passkeys/mfa/enable`. @default 'passkeys/mfa/enable' */
  passkeyMfaEnable?: string | false;
  /** `GET /oauth/:provider`, the start of a sign-in at a provider (the OAuth routes exist with a provider; must contain `:provider`). @default 'oauth/:provider' */
  oauthStart?: string | false;
  /** `GET` (and `POST`, for `form_post` providers) `/oauth/:provider/callback`. @default 'oauth/:provider/callback' */
  oauthCallback?: string | false;
  /** `POST /oauth/:provider/token`, sign-in with a provider ID token (native apps). @default 'oauth/:provider/token' */
  oauthToken?: string | false;
  /** `POST /oauth/exchange`, the login outcome of a finished provider sign-in for a one-time code. @default 'oauth/exchange' */
  oauthExchange?: string | false;
  /** `GET /identities`, the caller's linked provider accounts. @default 'identities' */
  identities?: string | false;
  /** `POST /identities/link`, start linking a provider account to the caller. @default 'identities/link' */
  identityLink?: string | false;
  /** `DELETE /identities/:id` (must contain `:id`). @default 'identities/:id' */
  identity?: string | false;
  /**
   * Switch for every account lifecycle route (the eight above). @default true
   */
  account?: boolean;
  /**
   * Switch for every MFA route. The seven MFA routes are mounted only when MFA is configured
   * (`mfa.methods` or `mfa.factors` not empty), decided at start-up for `forRoot` and `forRootAsync` alike: with MFA
   * off they answer 404 like any unknown route and are absent from the Swagger document. `false`
   * leaves them out even when MFA is configured (e.g. to serve your own MFA endpoints).
   * @default true
   */
  mfa?: boolean;
  /** Switch for the registration route (same as `register: false`). @default true */
  registration?: boolean;
  /** Switch for the password route (same as `passwordChange: false`). @default true */
  password?: boolean;
  /**
   * `GET /.well-known/jwks.json`, the public signing keys, at the app root (not under `prefix`; an
   * app-wide global prefix applies). Exists only with an RS256 / ES256 / EdDSA key.
   * @default '.well-known/jwks.json'
   */
  jwks?: string | false;
  /**
   * `GET /.well-known/oauth-authorization-server` (RFC 8414), at the app root like `jwks`. Exists
   * only with an asymmetric key and `jwt.publicUrl`. @default '.well-known/oauth-authorization-server'
   */
  authorizationServerMetadata?: string | false;
}

/** One attempt limit: at most `max` failures per `window`. */
export interface AttemptLimit {
  max?: number;
  window?: Duration;
}

/**
 * Brute-force protection for password checks (see docs/security.md for the threat model and what a
 * guesser gets per hour). Only failures are counted; a success clears its client's count.
 */
export interface RateLimitOptions {
  /** Turn every limit off (not recommended). @default true */
  enabled?: boolean;
  /**
   * The tight limit, per account AND client address (counted both by the identifier typed and by the
   * account, so alternating username and e-mail gains nothing): after `maxFailures` failures that
   * client is locked out of that account for `lockout`, doubling with every further failure up to
   * `maxLockout`. Failures are forgotten `window` after the first one. Other addresses are not
   * affected, so a guesser elsewhere cannot lock the owner out.
   */
  account?: {
    /** @default 5 */
    maxFailures?: number;
    /** @default '1h' */
    window?: Duration;
    /** @default '30s' */
    lockout?: Duration;
    /** @default '15m' */
    maxLockout?: Duration;
  };
  /**
   * The account-wide ceiling against distributed guessing: failures of the account from every
   * address. Once `max` is reached within `window`, clients that cannot prove themselves (a valid
   * trust token of the user, or an address with a successful login of the account within
   * `provenFor`) are answered like a wrong password, unchecked, until the window ends.
   * @default { max: 50, window: '1h' }
   */
  ceiling?: AttemptLimit;
  /** How long an address with a successful login stays "proven" for that account (passes the ceiling). @default '30d' */
  provenFor?: Duration;
  /** Per client address: failed logins allowed per window, over all accounts. @default { max: 100, window: '15m' } */
  address?: AttemptLimit;
}

/** `POST /register`. */
export interface RegistrationOptions {
  /**
   * `true` (the contract's default): a taken username or e-mail answers 409 `CONFLICT` — convenient,
   * and it tells anyone who has an account. `false`: taken and fresh answer the same 202
   * `{ message }` (after the same work), so registration reveals nothing; the new account can then
   * log in, and the taken one is left untouched. See docs/security.md for the trade-off.
   * @default true
   */
  revealConflicts?: boolean;
  /**
   * Sign-ups per client address (each costs a password hash); beyond it 429 with `Retry-After`.
   * Reserved before hashing, so parallel bursts cannot overshoot. @default { max: 20, window: '1h' }
   */
  rateLimit?: AttemptLimit;
}

/** Password policy. */
export interface PasswordPolicyOptions {
  /** @default 8 */
  minLength?: number;
  /** Checked (in characters and in UTF-8 bytes ×4) before hashing. @default 128 */
  maxLength?: number;
  /**
   * Refuse new passwords (registration, change, reset) that appear in a public breach corpus: a
   * {@link BreachedPasswordChecker}, e.g. `new HibpBreachedPasswordChecker()` (Have I Been Pwned's
   * k-anonymity range API: only 5 characters of the password's SHA-1 leave the process), as a class,
   * an instance or `{ useFactory, inject }`. A breached password is 400 `VALIDATION_FAILED`
   * (`password.breached`); when the service cannot be asked the password is accepted
   * (`password.breach_check_unavailable`). See docs/security.md.
   * @default false
   */
  breachedPasswords?: ProviderOption<BreachedPasswordChecker> | false;
}

/**
 * How many password hashes and verifications may be in flight. A password hash (argon2id by default)
 * costs ~10 ms of CPU and 19 MiB of memory, so the module runs at most `concurrency` at once, lets
 * `queue` more wait, and answers anything beyond at once with 503 `AUTH_BUSY` and `Retry-After` —
 * before looking the account up, so the answer is the same for every account. This bounds login,
 * the dummy verification of unknown users, registration, password change, MFA disable and rehashing,
 * whatever `passwordHasher` is configured, and keeps a login flood from starving other requests.
 */
export interface PasswordHashingOptions {
  /**
   * Hashes and verifications running at once. More than the cores the process may use only adds
   * memory and cache contention (each argon2id hash needs its 19 MiB), not throughput.
   * @default os.availableParallelism() (the cores this process may run on; CPU affinity counts)
   */
  concurrency?: number;
  /**
   * Further hashes and verifications allowed to wait for a running one; the rest get 503 at once. A
   * waiting sign-in costs no CPU (a shed one that its client retries at once does), so the default
   * absorbs a burst of sign-ins rather than refusing it, while the longest wait stays about
   * `queue / concurrency` hashes: ~0.3 s at argon2id's 10 ms. Lower it for a slower hasher
   * (bcrypt cost 12, ~250 ms per hash, would wait up to 8 s).
   * @default 32 × concurrency (at most 1024)
   */
  queue?: number;
  /**
   * Hashes imported from another system that the module also verifies, so that an existing user
   * table works as it is: `'bcrypt'` (`$2a$`/`$2b$`/`$2y$`) and `'pbkdf2'` (Django's
   * `pbkdf2_sha256$…`, the PHC `$pbkdf2-sha256$…`). Each is replaced by a hash of the configured
   * hasher (argon2id) at the user's next successful login (`password.rehashed`). See docs/security.md.
   * @default []
   */
  legacy?: LegacyHashScheme[];
}

/** The routes whose JSON body {@link ResponsesOptions.tokenBody} shapes. */
export type TokenResponseRoute = 'login' | 'refresh' | 'mfaVerify';

/** What {@link ResponsesOptions.tokenBody} is told besides the module's body. */
export interface TokenBodyContext {
  /** Which route answers. */
  route: TokenResponseRoute;
  /** The user the tokens were issued to (public fields only). */
  user: PublicUser;
  /** Whether the access and refresh tokens are in `body` (header and dual modes) or only in cookies. */
  tokensInBody: boolean;
}

/** A JSON object: what the response-shaping hooks return. */
export type JsonObject = { [key: string]: JsonValue | undefined };

/**
 * How the module's responses look, for teams that must keep an existing API (see docs/recipes.md).
 * The defaults are CONTRACT §4.
 */
export interface ResponsesOptions {
  /** The `message` of the token responses and of logout. */
  messages?: {
    /** @default 'Login successful.' */
    login?: string;
    /** @default 'Token refreshed.' */
    refresh?: string;
    /** @default 'Logged out.' */
    logout?: string;
    /** @default 'Logged out of all sessions.' */
    logoutAll?: string;
  };
  /**
   * Reshapes the JSON body of every token response (login, refresh, MFA verification) — e.g.
   * `({ accessToken, refreshToken }) => ({ access_token: accessToken, refresh_token: refreshToken })`.
   * Cookies are set as usual whatever it returns; in cookie mode `body` holds no token, and the hook
   * cannot get one. The pending-MFA answer of login is not reshaped.
   */
  tokenBody?: (body: TokenResponseBody, context: TokenBodyContext) => JsonObject;
  /** Reshapes the body of `GET /me` (the public user). */
  userBody?: (user: PublicUser) => JsonObject;
  /**
   * The status of `VALIDATION_FAILED` problems: 400 (RFC 9110) or 422 (what FastAPI-style clients
   * expect). @default 400
   */
  validationStatus?: 400 | 422;
}

/**
 * Security events (docs/events.md): what happened, to whom, from where; never a secret. Each sink
 * gets them off the request path through a bounded queue of its own.
 */
export interface EventsOptions {
  /** Where events go (a class, an instance or `{ useFactory, inject }` each). @default [] */
  sinks?: ProviderOption<AuthEventSink>[];
  /**
   * Log each event as one JSON line through Nest's `Logger` (context `AuthEvents`; warnings for
   * failures, locks and detected reuse): `true` logs every type but `refresh.rotated`, a list logs
   * those types. @default false
   */
  log?: boolean | AuthEventType[];
  /**
   * Hand events to `@nestjs/event-emitter` as `auth.<type>` (e.g. `auth.login.failed`) when the app
   * has its `EventEmitterModule`. @default true
   */
  eventEmitter?: boolean;
  /** Events waiting per sink; what does not fit is dropped and counted. @default 10000 */
  queueSize?: number;
  /** Events per call of a sink. @default 100 */
  batchSize?: number;
  /** How long a sink call may take before it is counted as failed and the next batch goes. @default '10s' */
  sinkTimeout?: Duration;
}

/** The per-user activity feed (`GET /auth/activity`, CONTRACT §10). */
export interface ActivityOptions {
  /**
   * The event types the feed shows. @default every type but `refresh.rotated`, `mfa.required`,
   * `mfa.challenge_sent`, `password.rehashed`, `password.breach_check_unavailable` and `account.deleted`
   */
  types?: AuthEventType[];
  /** How long entries are kept (the janitor deletes older ones). @default '90d' */
  retention?: Duration;
  /** Entries per page when the client asks for no `limit` (at most 100). @default 20 */
  pageSize?: number;
}

/** The options of {@link AuthModule}. */
export interface AuthModuleOptions {
  /** How tokens travel. @default 'header' */
  accessTokenType?: AccessTokenType;
  /** Access-token signing and lifetime. */
  jwt: JwtOptions;
  /**
   * The secret that keys CSRF tokens, refresh-token MACs and the hashes of one-time codes (e-mail and
   * SMS second-factor codes, reset, verification and sign-in codes), kept apart from the JWT signing
   * keys so that those rotate without touching them. One key (at least 32 bytes) or a list: the first
   * keys new values, every key is accepted, so a new key goes first and the old one stays after it
   * for as long as values it keyed may still be presented (a session's CSRF token is replaced at its
   * next refresh; codes live minutes).
   *
   * Values keyed by the JWT keys are accepted too, for as long as those keys are configured with their
   * secret or private key: that is how they are keyed when `secretKey` is not set (the behaviour of
   * earlier versions), so setting it logs nobody out. Without `secretKey`, the active JWT key keys new
   * values and every other JWT key holding a secret or private key is accepted: a rotation by the
   * runbook of `docs/keys.md` then works as long as the retired key keeps its private key. Set it
   * when a retired key is given by its public key alone, and always with a `keyProvider`.
   */
  secretKey?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Refresh-token lifetime and rotation. */
  refreshToken?: RefreshTokenOptions;
  /** Cookie names and attributes. */
  cookies?: CookieOptions;
  /** Where users live. Required. */
  userStore: ProviderOption<UserStore>;
  /** Where sessions live. @default an in-memory store (`MemorySessionStore`) */
  sessionStore?: ProviderOption<SessionStore>;
  /**
   * Where the login and MFA attempt counters live (formerly `rateLimit.store`). Share it between
   * instances. @default an in-memory store (`MemoryRateLimitStore`)
   */
  rateLimitStore?: ProviderOption<RateLimitStore>;
  /**
   * Where the MFA state lives, both halves: enrolment (TOTP secrets, recovery codes) and challenges
   * (one-time codes, finished pending logins, trusted devices). Formerly `mfa.store`.
   * `mfaEnrolmentStore` and `mfaChallengeStore` each override one half.
   * @default an in-memory store (`MemoryMfaStore`)
   */
  mfaStore?: ProviderOption<MfaStore>;
  /**
   * Where the durable MFA enrolment lives (TOTP secrets, recovery codes), overriding that half of
   * `mfaStore`: e.g. `TypeOrmMfaStore` while `mfaChallengeStore` is a `RedisMfaStore`.
   * @default the `mfaStore`
   */
  mfaEnrolmentStore?: ProviderOption<MfaEnrolmentStore>;
  /**
   * Where the short-lived MFA state lives (one-time codes, finished pending logins, trusted devices),
   * overriding that half of `mfaStore`: e.g. a `RedisMfaStore`. @default the `mfaStore`
   */
  mfaChallengeStore?: ProviderOption<MfaChallengeStore>;
  /**
   * How passwords are hashed. The module ends the hashing threads of an `Argon2idPasswordHasher`
   * at application shutdown; another hasher's resources are the app's to close.
   * @default argon2id, m=19 MiB, t=2, p=1
   */
  passwordHasher?: ProviderOption<PasswordHasher>;
  /** How many password hashes may run and wait at once (the rest get 503 `AUTH_BUSY`). */
  passwordHashing?: PasswordHashingOptions;
  /** Multi-factor authentication. */
  mfa?: MfaOptions;
  /** Brute-force protection. */
  rateLimit?: RateLimitOptions;
  /** Password policy. */
  password?: PasswordPolicyOptions;
  /** Registration: whether conflicts are revealed, and the sign-up limit per address. */
  registration?: RegistrationOptions;
  /**
   * Check the session store on every authenticated request, so a revoked session's access token stops
   * working at once instead of at its expiry. Costs one store read per request. Usually unnecessary:
   * the revocation feed ({@link revocation}) gets the same result within about a second, without a
   * store read per request; use this with a custom store that offers neither `listRevokedSince` nor
   * `watchRevocations`. @default false
   */
  sessionCheck?: boolean;
  /** The revocation feed: revoked sessions' access tokens refused on every route, on every instance. */
  revocation?: RevocationOptions;
  /**
   * How long a store call may take before the request is answered 503 `STORE_UNAVAILABLE`: a safety
   * net for a database or Redis that stops answering without closing its connections (set your
   * driver's own timeouts too; see docs/stores.md). `false` turns it off. The in-memory stores are
   * never wrapped. @default '5s'
   */
  storeTimeout?: Duration | false;
  /**
   * The same safety net for store reads (`find…`, `peek`, `list…`), which should answer far faster
   * than writes: a frozen database then costs a reader (`/me`, the session list, a login's look-up)
   * this long instead of the write timeout. Never longer than `storeTimeout`. `false` uses
   * `storeTimeout` for reads too. @default '2s'
   */
  storeReadTimeout?: Duration | false;
  /**
   * Where the account lifecycle's one-time tokens live (password reset, e-mail verification and
   * change, sign-in codes): e.g. a `TypeOrmAccountTokenStore` or `RedisAccountTokenStore`.
   * @default in-memory (one instance only)
   */
  accountTokenStore?: ProviderOption<AccountTokenStore>;
  /**
   * Delivers the account lifecycle's e-mails (and the MFA e-mail codes: the same sender as
   * `mfa.senders.email`; give one or the other). Configuring one turns on password reset, e-mail
   * verification and change. @default none
   */
  emailSender?: ProviderOption<MfaSender>;
  /** Password reset by e-mail. */
  passwordReset?: PasswordResetOptions;
  /** E-mail verification. */
  emailVerification?: EmailVerificationOptions;
  /** Sign-in by e-mail code (passwordless first factor). */
  loginCode?: LoginCodeOptions;
  /** Links the account messages point to. */
  links?: AccountLinksOptions;
  /** The account messages: code length, guess and send limits, templates. */
  accountEmails?: AccountEmailsOptions;
  /** Account deletion. */
  accountDeletion?: AccountDeletionOptions;
  /** Roles given to users created by `POST /register`. @default ['user'] */
  defaultRoles?: string[];
  /**
   * Trust `X-Forwarded-For` for the client address of rate limits and session records. Enable only
   * behind a proxy you control (better: configure Express's `trust proxy`). @default false
   */
  trustProxyHeaders?: boolean;
  /**
   * Which login fields `POST /login` accepts: `['username', 'email']` (either one per request; a
   * `username` containing `@` is looked up as an e-mail), `['username']` or `['email']`.
   * @default ['username', 'email']
   */
  loginIdentifiers?: ('username' | 'email')[];
  /** Messages, body shapes and the validation status of the module's responses. */
  responses?: ResponsesOptions;
  /** Security events: sinks, the JSON log, the `@nestjs/event-emitter` bridge, queue bounds. */
  events?: EventsOptions;
  /**
   * Where the per-user activity feed lives (`GET /auth/activity`); `false` turns the feed off (the
   * route answers 404). Use a shared store (`TypeOrmActivityStore`, `RedisActivityStore`) with
   * several instances. @default an in-memory store (`MemoryActivityStore`: one instance only)
   */
  activityStore?: ProviderOption<ActivityStore> | false;
  /** The activity feed: which events it shows, how long they are kept, the page size. */
  activity?: ActivityOptions;
  /** Passkeys (WebAuthn): off unless `passkeys.enabled`. */
  passkeys?: PasskeyOptions;
  /**
   * Where passkeys live. Use a shared, durable store (`TypeOrmPasskeyStore`) in production: a lost
   * passkey is a lost way to sign in. @default an in-memory store (`MemoryPasskeyStore`: one instance only)
   */
  passkeyStore?: ProviderOption<PasskeyStore>;
  /** Social and enterprise sign-in: off unless `oauth.providers` names one. */
  oauth?: OAuthOptions;
  /**
   * Where the links between provider accounts and users live. Use a shared, durable store
   * (`TypeOrmIdentityStore`) in production. @default an in-memory store (`MemoryIdentityStore`: one instance only)
   */
  identityStore?: ProviderOption<IdentityStore>;
  /**
   * OpenTelemetry: a span per use case, counters of outcomes and the latency of store calls, through
   * `@opentelemetry/api` (an optional peer dependency) and the providers the app's SDK registers
   * before the app starts. Without the package or an SDK it is off whatever this says; `false` turns
   * it off with them (docs/events.md).
   * @default true
   */
  telemetry?: boolean;
}

/** Extras of `forRoot`/`forRootAsync` that shape the module itself (not resolvable by a factory). */
export interface AuthModuleExtras {
  /** Route prefix, paths and switches. */
  routes?: RoutesOptions;
  /** Register {@link AccessTokenGuard} and {@link RolesGuard} app-wide. @default true */
  globalGuard?: boolean;
}
