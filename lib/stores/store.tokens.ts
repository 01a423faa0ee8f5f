/** Injection token of the {@link UserStore}. */
export const USER_STORE = Symbol('nest-gatekeeper:UserStore');
/** Injection token of the {@link SessionStore}. */
export const SESSION_STORE = Symbol('nest-gatekeeper:SessionStore');
/** Injection token of the {@link RateLimitStore}. */
export const RATE_LIMIT_STORE = Symbol('nest-gatekeeper:RateLimitStore');
/** Injection token of the {@link MfaStore}. */
export const MFA_STORE = Symbol('nest-gatekeeper:MfaStore');
