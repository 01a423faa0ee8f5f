import type { KeyObject } from 'node:crypto';
import type { LegacyHashScheme } from '../crypto/legacy-hashes.js';
import type { AccessTokenType, AuthRouteName, JwtAlgorithm, JwtKeyStatus, ResponsesOptions } from './auth-module-options.interface.js';
import type { AccountMessagePurpose } from '../account/account-messages.js';
import type { BuiltInMfaMethod } from '../mfa/mfa-methods.js';
import type { AccountMessageTemplate } from './auth-module-options.interface.js';
import type { PublicUser } from '../users/public-user.js';
import type { OAuthProviderOptions } from '../oauth/oauth-provider.js';
import type { AuthEventType } from '../events/auth-event.js';

/**
 * The module's options after validation: every default filled in, durations in milliseconds (or
 * seconds where named so), keys as `KeyObject`s, deeply frozen. Every class injects this, via
 * `AUTH_OPTIONS`; nothing reads the raw options.
 */
export interface ResolvedAuthOptions {
  readonly accessTokenType: AccessTokenType;
  readonly jwt: {
    /**
     * The configured keys, in the order given (empty with a `keyProvider`). What signs and verifies at
     * a given moment is the `JwtKeyRing`'s (it applies schedules and reloads); read it, not this.
     */
    readonly keys: readonly ResolvedJwtKey[];
    /** Whether `jwt.keyProvider` supplies the keys (the provider itself is read from the raw options). */
    readonly keyProvider: boolean;
    /** `jwt.keyReloadInterval` in milliseconds. */
    readonly keyReloadIntervalMs: number;
    readonly issuer: string;
    readonly audience: string;
    readonly accessTokenTtlSeconds: number;
    readonly maxAccessTokenTtlSeconds: number;
    readonly clockToleranceSeconds: number;
    readonly verifiedTokenCacheSize: number;
    /** `jwt.jwksMaxAge` in seconds. */
    readonly jwksMaxAgeSeconds: number;
    /** `jwt.publicUrl`, or `null`. */
    readonly publicUrl: string | null;
  };
  /**
   * The keys the CSRF tokens, refresh-token MACs and one-time-code hashes are derived from (see
   * `secretKey`): the first makes new values, every one is accepted. The `secretKey` keys first, then
   * every JWT key holding a secret or private key (the active one first).
   */
  readonly secretKeys: readonly KeyObject[];
  readonly refreshToken: {
    readonly ttlMs: number;
    readonly absoluteTtlMs: number;
    readonly reuseGraceMs: number;
    /** `orphanGraceSeconds` in milliseconds: how long an unused successor is handed out again. */
    readonly orphanGraceMs: number;
    /** The cap on live sessions per user, or `null` for none. */
    readonly maxSessionsPerUser: number | null;
  };
  readonly cookies: {
    /** The full cookie names, prefix (`__Host-` / `__Secure-`) included. */
    readonly names: { readonly access: string; readonly refresh: string; readonly trust: string; readonly csrf: string };
    readonly domain: string | undefined;
    readonly secure: boolean;
    readonly sameSite: 'lax' | 'strict' | 'none';
    readonly csrf: boolean;
    /** The refresh cookie's path when set explicitly; else derived from the routes at first use. */
    readonly refreshPath: string | undefined;
  };
  readonly mfa: {
    /** MFA is configured: a built-in method in `mfa.methods` or a factor in `mfa.factors` (the MFA routes exist). */
    readonly enabled: boolean;
    /** The built-in factors offered (custom ones come from `mfa.factors`, see `MfaFactorRegistry`). */
    readonly methods: readonly BuiltInMfaMethod[];
    readonly required: boolean;
    /** TOTP encryption keys, the first one encrypting. Empty when TOTP is off. */
    readonly encryptionKeys: readonly KeyObject[];
    readonly issuer: string;
    readonly codeTtlMs: number;
    readonly codeLength: number;
    readonly maxAttempts: number;
    readonly lockoutMs: number;
    readonly sendLimit: {
      readonly perUser: { readonly max: number; readonly windowMs: number };
      readonly perAddress: { readonly max: number; readonly windowMs: number };
    };
    readonly trustedDeviceTtlMs: number;
    /** Lifetime of an `mfaToken` (the pending login), in seconds: 300. */
    readonly pendingTtlSeconds: number;
  };
  /** The account lifecycle (password reset, e-mail verification and change, sign-in codes, deletion). */
  readonly account: {
    /** An e-mail sender is configured (`emailSender` or `mfa.senders.email`): the e-mail routes exist. */
    readonly emailEnabled: boolean;
    readonly passwordReset: { readonly method: 'link' | 'code'; readonly tokenTtlMs: number };
    readonly emailVerification: { readonly enabled: boolean; readonly required: boolean; readonly tokenTtlMs: number };
    readonly loginCode: { readonly enabled: boolean; readonly codeTtlMs: number };
    readonly links: {
      readonly passwordReset: string | null;
      readonly emailVerification: string | null;
      readonly emailChange: string | null;
    };
    readonly codeLength: number;
    readonly maxAttempts: number;
    readonly lockoutMs: number;
    readonly sendLimit: {
      readonly perAccount: { readonly max: number; readonly windowMs: number };
      readonly perAddress: { readonly max: number; readonly windowMs: number };
    };
    readonly templates: Readonly<Partial<Record<AccountMessagePurpose, AccountMessageTemplate>>>;
    readonly beforeDelete: ((user: PublicUser) => void | Promise<void>) | null;
  };
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly account: {
      readonly maxFailures: number;
      readonly windowMs: number;
      readonly lockoutMs: number;
      readonly maxLockoutMs: number;
    };
    readonly ceiling: { readonly max: number; readonly windowMs: number };
    readonly provenForMs: number;
    readonly address: { readonly max: number; readonly windowMs: number };
  };
  readonly registration: {
    readonly revealConflicts: boolean;
    readonly rateLimit: { readonly max: number; readonly windowMs: number };
  };
  readonly password: { readonly minLength: number; readonly maxLength: number };
  /** Bounds of the password hasher (see `passwordHashing`). */
  readonly passwordHashing: { readonly concurrency: number; readonly queue: number; readonly legacy: readonly LegacyHashScheme[] };
  readonly sessionCheck: boolean;
  readonly revocation: { readonly enabled: boolean; readonly pollIntervalMs: number; readonly maxEntries: number };
  /** Milliseconds a store call may take (see `storeTimeout`), or `null` when off. */
  readonly storeTimeoutMs: number | null;
  /** Milliseconds a store read may take (see `storeReadTimeout`), or `null` when off. */
  readonly storeReadTimeoutMs: number | null;
  readonly defaultRoles: readonly string[];
  readonly trustProxyHeaders: boolean;
  readonly loginIdentifiers: readonly ('username' | 'email')[];
  readonly responses: {
    readonly messages: { readonly login: string; readonly refresh: string; readonly logout: string; readonly logoutAll: string };
    readonly tokenBody: NonNullable<ResponsesOptions['tokenBody']> | null;
    readonly userBody: NonNullable<ResponsesOptions['userBody']> | null;
    readonly validationStatus: 400 | 422;
  };
  readonly events: {
    /** The types the JSON log writes, or `null` when off. */
    readonly log: readonly AuthEventType[] | null;
    readonly eventEmitter: boolean;
    readonly queueSize: number;
    readonly batchSize: number;
    readonly sinkTimeoutMs: number;
  };
  readonly activity: {
    /** `false` with `activityStore: false`. */
    readonly enabled: boolean;
    readonly types: readonly AuthEventType[];
    readonly retentionMs: number;
    readonly pageSize: number;
  };
  readonly passkeys: {
    readonly enabled: boolean;
    /** `''` when off and not given. */
    readonly rpId: string;
    readonly rpName: string;
    readonly origins: readonly string[];
    readonly userVerification: 'required' | 'preferred' | 'discouraged';
    readonly maxPerUser: number;
    readonly challengeTtlMs: number;
  };
  readonly oauth: {
    /** The providers, in the order given; empty when social sign-in is off. */
    readonly providers: readonly ResolvedOAuthProvider[];
    /** `''` when no provider is configured. */
    readonly baseUrl: string;
    /** Origins `returnTo` may point at: `baseUrl`'s and `returnToOrigins`. */
    readonly returnToOrigins: readonly string[];
    readonly defaultReturnTo: string;
    readonly linking: 'verified-email' | 'never';
    readonly createUsers: boolean;
    readonly stateTtlMs: number;
  };
  /** Whether to load `@opentelemetry/api` (see `AuthTelemetry`). */
  readonly telemetry: boolean;
}

/** A provider of `oauth.providers`, checked, with its name and defaults filled in. */
export type ResolvedOAuthProvider = OAuthProviderOptions & {
  readonly name: string;
  readonly label: string;
  readonly scopes: readonly string[];
  readonly tokenEndpointAuthMethod: 'client_secret_post' | 'client_secret_basic';
  readonly authorizationParams: Readonly<Record<string, string>>;
};

/** One key of the resolved key set. */
export interface ResolvedJwtKey {
  readonly kid: string;
  readonly algorithm: JwtAlgorithm;
  /** The status given (a scheduled key reads `'standby'` here: the `JwtKeyRing` computes its status from the clock). */
  readonly status: JwtKeyStatus;
  /** When the key starts signing (epoch ms), in a scheduled set; `null` otherwise. */
  readonly activateAt: number | null;
  /** The secret or private key; `null` for a verify-only key given by its public key. */
  readonly signingKey: KeyObject | null;
  /** The secret or public key. */
  readonly verificationKey: KeyObject;
}

/** The resolved shape extras (routes, global guard). A `null` path is a route left out. */
export interface ResolvedAuthRoutes {
  readonly prefix: string;
  readonly paths: Readonly<Record<AuthRouteName, string | null>>;
  readonly globalGuard: boolean;
}
