import type { Provider, Type } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { switchOffHandler } from './mount-controller.js';

/** Internal token of the provider that leaves the MFA routes out when MFA is off. */
const MFA_ROUTES = Symbol('nest-gatekeeper:MfaRoutes');

/** Each mounted MFA controller's own handlers, kept so that a module compiled again can put them back. */
const ownHandlers = new WeakMap<Type<object>, Map<string, PropertyDescriptor>>();

/**
 * The MFA routes exist only when MFA is configured (`mfa.methods` or `mfa.factors` not empty), with `forRoot` and
 * `forRootAsync` alike. `forRootAsync` options are known only once its factory has run, after Nest
 * has taken the module's controllers, so the MFA controller is mounted as the extras say and this
 * provider decides at start-up: Nest creates every provider before it registers a route (and before
 * a Swagger document can be built), and with MFA off the provider switches the controller's handlers
 * off, so their paths answer 404 like any unknown route and are absent from the Swagger document.
 *
 * @param mounted the module's mounted MFA controller, if the extras mount one
 * @param handlers its handler names
 */
export function mfaRoutesProvider(mounted: Type<object> | undefined, handlers: readonly string[]): Provider {
  return {
    provide: MFA_ROUTES,
    useFactory: (options: ResolvedAuthOptions): boolean => {
      const on = options.mfa.enabled;
      if (mounted !== undefined) setHandlers(mounted, handlers, on);
      return on;
    },
    inject: [AUTH_OPTIONS],
  };
}

function setHandlers(mounted: Type<object>, handlers: readonly string[], on: boolean): void {
  const proto = mounted.prototype as object;
  let saved = ownHandlers.get(mounted);
  if (saved === undefined) {
    saved = new Map();
    for (const name of handlers) {
      const own = Object.getOwnPropertyDescriptor(proto, name);
      if (own !== undefined) saved.set(name, own);
    }
    ownHandlers.set(mounted, saved);
  }
  for (const [name, own] of saved) {
    if (on) Object.defineProperty(proto, name, own);
    else switchOffHandler(mounted, name);
  }
}
