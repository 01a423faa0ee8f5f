import type { FactoryProvider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AUTH_OPTIONS, AUTH_RAW_OPTIONS } from '../auth.constants.js';
import type { AuthModuleOptions, ProviderOption } from '../options/auth-module-options.interface.js';
import { instantiateProvider } from '../options/resolve-provider.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { MemoryAccountTokenStore } from './memory/memory-account-token.store.js';
import { MemoryActivityStore } from './memory/memory-activity.store.js';
import { MemoryMfaStore } from './memory/memory-mfa.store.js';
import { MemoryRateLimitStore } from './memory/memory-rate-limit.store.js';
import { MemorySessionStore } from './memory/memory-session.store.js';
import { MemoryUserStore } from './memory/memory-user.store.js';
import { AuthTelemetry } from '../telemetry/auth-telemetry.js';
import { withStoreTimeout } from './store-timeout.js';

/**
 * The store with the `storeTimeout` safety net and, with telemetry on, the latency of its calls (the
 * in-memory stores cannot hang and stay bare).
 */
function timed<T>(store: T, options: ResolvedAuthOptions, name: string, telemetry: AuthTelemetry): T {
  if (typeof store !== 'object' || store === null) return store;
  const inMemory =
    store instanceof MemoryUserStore ||
    store instanceof MemorySessionStore ||
    store instanceof MemoryRateLimitStore ||
    store instanceof MemoryMfaStore ||
    store instanceof MemoryAccountTokenStore ||
    store instanceof MemoryActivityStore;
  if (inMemory) return store;
  const observe = telemetry.metering ? telemetry.storeCall.bind(telemetry) : undefined;
  return withStoreTimeout(store, options.storeTimeoutMs, name, options.storeReadTimeoutMs, observe);
}

/**
 * The provider of one plug point (a store or a sender): the option `pick` reads from the raw options
 * (a class, an instance or `{ useFactory, inject }`, see {@link instantiateProvider}), or else `fallback`,
 * either a function of the resolved options or the token of another provider to reuse (so one
 * `mfaStore` serves both MFA halves). With a `name`, a configured store gets the `storeTimeout` net
 * under that name; a fallback is used as it is (the in-memory defaults, or a provider already netted).
 * `check` verifies a configured value at start-up (e.g. {@link assertUserStore}: every method present); it gets the
 * raw options too, to name the option that supplied the value.
 */
export function storeProvider<T>(
  token: symbol,
  pick: (raw: AuthModuleOptions) => ProviderOption<T> | undefined,
  fallback: symbol | ((options: ResolvedAuthOptions) => T),
  name: string | null,
  check?: (value: unknown, raw: AuthModuleOptions) => T,
): FactoryProvider<Promise<T>> {
  const fallbackToken = typeof fallback === 'symbol' ? fallback : null;
  return {
    provide: token,
    useFactory: async (
      raw: AuthModuleOptions,
      moduleRef: ModuleRef,
      options: ResolvedAuthOptions,
      telemetry: AuthTelemetry,
      shared?: T,
    ): Promise<T> => {
      const option = pick(raw);
      if (option === undefined || option === null) return typeof fallback === 'symbol' ? (shared as T) : fallback(options);
      const instance = await instantiateProvider(option, moduleRef);
      const value = check === undefined ? instance : check(instance, raw);
      return name === null ? value : timed(value, options, name, telemetry);
    },
    inject: [AUTH_RAW_OPTIONS, ModuleRef, AUTH_OPTIONS, AuthTelemetry, ...(fallbackToken === null ? [] : [fallbackToken])],
  };
}
