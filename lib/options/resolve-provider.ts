import type { InjectionToken, Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { ProviderOption } from './auth-module-options.interface.js';

interface FactoryOption<T> {
  useFactory: (...args: unknown[]) => T | Promise<T>;
  inject?: InjectionToken[];
}

function isFactory<T>(option: object): option is FactoryOption<T> {
  return typeof (option as Partial<FactoryOption<T>>).useFactory === 'function';
}

/**
 * Normalises a pluggable dependency: a class is instantiated by Nest's injector (its constructor may
 * inject anything visible to the auth module), a `{ useFactory, inject }` is called with the
 * injected providers, an instance is used as is, and `undefined` falls back to the default.
 */
export async function resolveProvider<T>(option: ProviderOption<T> | undefined, moduleRef: ModuleRef, fallback: () => T): Promise<T> {
  if (option === undefined || option === null) return fallback();
  return instantiateProvider(option, moduleRef);
}

/** {@link resolveProvider} for an option that is set. */
export async function instantiateProvider<T>(option: ProviderOption<T>, moduleRef: ModuleRef): Promise<T> {
  if (typeof option === 'function') return moduleRef.create<T>(option as Type<T>);
  if (typeof option === 'object' && option !== null && isFactory<T>(option)) {
    const deps = (option.inject ?? []).map((token) => moduleRef.get<unknown>(token, { strict: false }));
    return option.useFactory(...deps);
  }
  return option as T;
}
