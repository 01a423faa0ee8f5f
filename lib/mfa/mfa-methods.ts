/**
 * The second factors the module ships, in one list: `MfaMethod`, the delivered subset, the DTOs'
 * `@IsIn`/Swagger enums and the validation of `mfa.methods` all derive from it.
 */
export const MFA_METHODS = ['totp', 'email', 'sms'] as const;

/** A second factor the module ships (see {@link MFA_METHODS}). */
export type BuiltInMfaMethod = (typeof MFA_METHODS)[number];

/** The built-in factors that deliver a one-time code by message. */
export const DELIVERED_MFA_METHODS = ['email', 'sms'] as const satisfies readonly BuiltInMfaMethod[];

/** A second factor that delivers a one-time code by message. */
export type DeliveredMfaMethod = (typeof DELIVERED_MFA_METHODS)[number];

/** The method name of recovery codes at `/mfa/verify` (never enrolled on its own). */
export const RECOVERY_METHOD = 'recovery';

/**
 * A second factor's method name: a built-in one, or the `method` of a factor added through
 * `mfa.factors` (so `AuthUser.mfaMethods` may hold custom names; the built-ins still autocomplete).
 */
export type MfaMethod = BuiltInMfaMethod | (string & {});

/** A method accepted at `/mfa/verify`: an enabled second factor, or a recovery code. */
export type MfaVerifyMethod = MfaMethod | typeof RECOVERY_METHOD;
