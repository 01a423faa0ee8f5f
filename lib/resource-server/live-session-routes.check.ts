import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { LIVE_SESSION_KEY } from '../auth.constants.js';
import { AuthConfigError } from '../errors/auth-config.error.js';

/**
 * Refuses to start when a route asks for `@LiveSession()`: a resource server sees no sessions, so
 * it could only ignore the demand, and a route written to refuse revoked sessions would silently
 * accept them until the token's `exp`.
 */
@Injectable()
export class LiveSessionRoutesCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const routes: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (abstract new (...args: never[]) => unknown) | null | undefined;
      if (typeof controller !== 'function') continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        if (this.reflector.getAllAndOverride<boolean | undefined>(LIVE_SESSION_KEY, [handler, controller]) === true) {
          routes.push(`${controller.name}.${name}`);
        }
      }
    }
    if (routes.length > 0) {
      throw new AuthConfigError(
        routes.map(
          (route) =>
            `${route}: @LiveSession() needs the issuer's session store, which a resource server does not have (remove it here, or serve the route from the issuer)`,
        ),
        'ResourceServerModule',
      );
    }
  }
}
