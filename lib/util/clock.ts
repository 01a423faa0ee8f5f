/** A source of the current time. Override `AUTH_CLOCK` in tests to move time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Injection token of the {@link Clock}. */
export const AUTH_CLOCK = Symbol('nest-gatekeeper:Clock');

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
