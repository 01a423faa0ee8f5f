import type { AuthTelemetry } from './auth-telemetry.js';

/** A service whose use cases {@link Traced} wraps: it holds the module's {@link AuthTelemetry}. */
export interface TracedService {
  readonly telemetry?: AuthTelemetry;
}

/**
 * Runs the decorated async method in the OpenTelemetry span `name` (see `AuthTelemetry.span`), when
 * the instance's `telemetry` is on; otherwise calls it as it is. For the module's services only (a
 * Nest controller's handler keeps its route metadata on the original function, so it is not wrapped).
 */
export function Traced(name: string) {
  return <T>(
    _target: TracedService,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<(this: TracedService, ...args: never[]) => Promise<T>>,
  ): void => {
    const original = descriptor.value;
    if (original === undefined) return;
    descriptor.value = function traced(this: TracedService, ...args: never[]): Promise<T> {
      const telemetry = this.telemetry;
      return telemetry?.tracing === true ? telemetry.span(name, () => original.apply(this, args)) : original.apply(this, args);
    };
  };
}
