/** @internal injection token of the resolved, frozen {@link ResolvedResourceServerOptions}. */
export const RESOURCE_SERVER_OPTIONS = Symbol('nest-gatekeeper:ResourceServerOptions');
