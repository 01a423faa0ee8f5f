import { ConfigurableModuleBuilder, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { RolesGuard } from '../guards/roles.guard.js';
import { AUTH_CLOCK, systemClock } from '../util/clock.js';
import { LiveSessionRoutesCheck } from './live-session-routes.check.js';
import { resolveResourceServerOptions } from './resolve-resource-server-options.js';
import type { ResourceServerModuleExtras, ResourceServerOptions } from './resource-server-options.interface.js';
import { ResourceServerProblemFilter } from './resource-server-problem.filter.js';
import { ResourceServerTokenService } from './resource-server-token.service.js';
import { RESOURCE_SERVER_OPTIONS } from './resource-server.constants.js';
import { ResourceServerGuard } from './resource-server.guard.js';

const builder = new ConfigurableModuleBuilder<ResourceServerOptions>({ moduleName: 'ResourceServer' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createResourceServerOptions')
  .setExtras<ResourceServerModuleExtras>({ globalGuard: true }, (definition, extras) => withShape(definition, extras.globalGuard !== false))
  .build();

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } = builder;

/** What `ResourceServerModule.forRoot()` takes: the options plus the extras (`globalGuard`). */
export type ResourceServerForRootOptions = typeof builder.OPTIONS_TYPE;
/** What `ResourceServerModule.forRootAsync()` takes: `imports`, `inject`, `useFactory | useClass | useExisting`, plus the extras. */
export type ResourceServerAsyncOptions = typeof builder.ASYNC_OPTIONS_TYPE;

function withShape(definition: DynamicModule, globalGuard: boolean): DynamicModule {
  const providers: Provider[] = [
    ...(definition.providers ?? []),
    { provide: RESOURCE_SERVER_OPTIONS, useFactory: resolveResourceServerOptions, inject: [MODULE_OPTIONS_TOKEN] },
    { provide: AUTH_CLOCK, useValue: systemClock },
    ResourceServerTokenService,
    ResourceServerGuard,
    RolesGuard,
    LiveSessionRoutesCheck,
    { provide: APP_FILTER, useClass: ResourceServerProblemFilter },
    ...(globalGuard
      ? [
          { provide: APP_GUARD, useExisting: ResourceServerGuard },
          { provide: APP_GUARD, useExisting: RolesGuard },
        ]
      : []),
  ];
  return {
    ...definition,
    global: true,
    imports: [...(definition.imports ?? []), DiscoveryModule],
    providers,
    exports: [AUTH_CLOCK, ResourceServerTokenService, ResourceServerGuard, RolesGuard],
  };
}

/**
 * Verify-only authentication for a service that trusts an issuer running `AuthModule`: access
 * tokens are verified with the keys the issuer publishes (`/.well-known/jwks.json`), with no user
 * or session store and no signing key. Import it once, in the root module:
 *
 * ```ts
 * @Module({
 *   imports: [
 *     ResourceServerModule.forRoot({
 *       jwksUri: 'https://auth.example.com/.well-known/jwks.json',
 *       issuer: 'https://auth.example.com', // the issuer's jwt.issuer
 *       audience: 'orders-api', // the issuer's jwt.audience
 *     }),
 *   ],
 *   controllers: [OrdersController],
 * })
 * export class AppModule {}
 * ```
 *
 * or `forRootAsync` with options from a `ConfigService`. It is global, registers
 * {@link ResourceServerGuard} and `RolesGuard` app-wide unless `globalGuard: false`, and writes its
 * 401/403s as problem+json. `@Public()`, `@Roles()`, `@CurrentUser()` and `@VerifiedEmail()` work
 * as on the issuer; `@LiveSession()` is refused at start-up (a resource server sees no sessions).
 * Invalid options fail at start-up with one `AuthConfigError` listing every problem; an unreachable
 * issuer does not (see docs/resource-server.md).
 */
@Module({})
export class ResourceServerModule extends ConfigurableModuleClass {}
