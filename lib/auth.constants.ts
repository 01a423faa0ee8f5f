/** Injection token of the resolved, frozen module options ({@link ResolvedAuthOptions}). */
export const AUTH_OPTIONS = Symbol('nest-gatekeeper:ResolvedOptions');
/** Injection token of the resolved route shape ({@link ResolvedAuthRoutes}). */
export const AUTH_ROUTES = Symbol('nest-gatekeeper:Routes');

/** @internal metadata key of `@Public()`. */
export const IS_PUBLIC_KEY = 'nest-gatekeeper:isPublic';
/** @internal metadata key of `@Roles()`. */
export const ROLES_KEY = 'nest-gatekeeper:roles';
/** @internal metadata key of `@LiveSession()` / `@SkipLiveSession()`. */
export const LIVE_SESSION_KEY = 'nest-gatekeeper:liveSession';
/** @internal metadata key of `@VerifiedEmail()`. */
export const VERIFIED_EMAIL_KEY = 'nest-gatekeeper:verifiedEmail';
/** @internal the raw module options as given to `forRoot` / returned by `forRootAsync`'s factory. */
export const AUTH_RAW_OPTIONS = Symbol('nest-gatekeeper:RawOptions');
