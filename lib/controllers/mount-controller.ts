import { Header, UseGuards, type CanActivate, type Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';

/**
 * Returns a subclass of `base` mounted at `prefix`, with each listed handler at its configured path.
 * Handlers are wrapped so the path can differ per module instance without touching `base`; every
 * other piece of metadata (HTTP method, Swagger, status codes, guards) is copied to the wrapper.
 * A handler mapped to `null` is switched off: it is shadowed by a method without route metadata, so
 * Nest does not mount the inherited one. Every mounted handler answers with
 * `X-Content-Type-Options: nosniff` (set once by Nest with the route's other static headers; the
 * problems the module writes carry it too, see `writeProblem`).
 */
export function mountController<T extends object>(
  base: Type<T>,
  prefix: string,
  paths: Partial<Record<keyof T & string, string | null>>,
  guards: Type<CanActivate>[] = [],
): Type<T> {
  const mounted = class extends (base as Type<object>) {} as Type<T>;
  Object.defineProperty(mounted, 'name', { value: base.name });
  const proto = base.prototype as Record<string, unknown>;
  for (const [method, path] of Object.entries(paths) as [string, string | null][]) {
    const original = proto[method];
    if (typeof original !== 'function') throw new Error(`${base.name}.${method} is not a handler`);
    if (path === null) {
      switchOffHandler(mounted, method);
      continue;
    }
    const handler = original as (...args: unknown[]) => unknown;
    const wrapper = {
      [method](this: unknown, ...args: unknown[]): unknown {
        return handler.apply(this, args);
      },
    }[method];
    for (const key of Reflect.getMetadataKeys(handler)) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, handler) as unknown, wrapper);
    }
    Reflect.defineMetadata(PATH_METADATA, path, wrapper);
    Header('X-Content-Type-Options', 'nosniff')(mounted.prototype as object, method, { value: wrapper });
    Object.defineProperty(mounted.prototype, method, { value: wrapper, writable: true, configurable: true });
  }
  Reflect.defineMetadata(PATH_METADATA, prefix, mounted);
  if (guards.length > 0) UseGuards(...guards)(mounted);
  return mounted;
}

/**
 * Switches one handler of a mounted controller off: it is shadowed by a method without route
 * metadata, so Nest's router and Swagger skip it (the path answers like any unknown route).
 */
export function switchOffHandler(mounted: Type<object>, method: string): void {
  const switchedOff = function (): never {
    throw new Error(`${mounted.name}.${method} is switched off`);
  };
  Object.defineProperty(mounted.prototype, method, { value: switchedOff, writable: true, configurable: true });
}
