import type { Provider, Type } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { switchOffHandler } from './mount-controller.js';

/** Whether a handler's route exists, decided from the resolved options. */
export type RouteCondition = (options: ResolvedAuthOptions) => boolean;

/** Each mounted controller's own handlers, kept so that a module compiled again can put them back. */
const ownHandlers = new WeakMap<Type<object>, Map<string, PropertyDescriptor>>();

/**
 * Routes that exist only when the options say so: the MFA routes with MFA configured, the e-mail
 * routes of the account lifecycle with an e-mail sender, the sign-in code routes with
 * `loginCode.enabled`; with `forRoot` and `forRootAsync` alike. `forRootAsync` options are known only
 * once its factory has run, after Nest has taken the module's controllers, so the controller is
 * mounted as the extras say and this provider decides at start-up: Nest creates every provider before
 * it registers a route (and before a Swagger document can be built), and a handler whose condition
 * is false is switched off, so its path answers 404 like any unknown route and is absent from the
 * Swagger document.
 *
 * @param mounted the module's mounted controller, if the extras mount one
 * @param conditions the condition of each handler that has one (the others are left alone)
 */
export function routeSwitchesProvider(mounted: Type<object> | undefined, conditions: Readonly<Record<string, RouteCondition>>): Provider {
  return {
    provide: Symbol(`nest-gatekeeper:RouteSwitches:${mounted?.name ?? 'none'}`),
    useFactory: (options: ResolvedAuthOptions): void => {
      if (mounted === undefined) return;
      const saved = savedHandlers(mounted, Object.keys(conditions));
      for (const [name, own] of saved) {
        if (conditions[name]?.(options) === true) Object.defineProperty(mounted.prototype, name, own);
        else switchOffHandler(mounted, name);
      }
    },
    inject: [AUTH_OPTIONS],
  };
}

function savedHandlers(mounted: Type<object>, handlers: readonly string[]): Map<string, PropertyDescriptor> {
  let saved = ownHandlers.get(mounted);
  if (saved === undefined) {
    saved = new Map();
    for (const name of handlers) {
      const own = Object.getOwnPropertyDescriptor(mounted.prototype as object, name);
      if (own !== undefined) saved.set(name, own);
    }
    ownHandlers.set(mounted, saved);
  }
  return saved;
}
