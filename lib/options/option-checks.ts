import { KeyObject } from 'node:crypto';
import { parseDurationMs } from './duration.js';

/** The option checks the resolvers are made of. Each records a problem and returns a fallback. */

/** Collects every problem; the resolver throws them together. */
export class Problems {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
}

/** A raw options object, as given. */
export type Dict = Record<string, unknown>;

/**
 * The known keys of an options interface, checked by the compiler: declare them with
 * `keysOf<JwtOptions>({ secret: 1, … })`, and an option added to the interface without being
 * listed here (or listed without being in the interface) fails `tsc`.
 */
export function keysOf<T>(keys: Record<keyof T, 1>): readonly string[] {
  return Object.keys(keys);
}

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof KeyObject);
}

/** A section of the options: `{}` when absent; refuses a non-object and every unknown key. */
export function section(problems: Problems, value: unknown, path: string, known: readonly string[]): Dict {
  if (value === undefined) return {};
  if (!isDict(value)) {
    problems.add(path, 'must be an object');
    return {};
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const moved = MOVED_KEYS[`${path}.${key}`];
    problems.add(`${path}.${key}`, moved === undefined ? 'unknown option' : `moved to ${moved}`);
  }
  return value;
}

/** Options that moved (before 1.0): refused with the new name instead of "unknown option". */
const MOVED_KEYS: Readonly<Record<string, string>> = {
  'rateLimit.store': 'rateLimitStore',
  'mfa.store': 'mfaStore (or mfaEnrolmentStore / mfaChallengeStore for one half)',
};

export function duration(problems: Problems, path: string, value: unknown, fallback: string): number {
  const ms = parseDurationMs(value ?? fallback);
  if (ms === undefined) {
    problems.add(path, `must be a positive duration such as '15m' or a number of seconds (got ${JSON.stringify(value)})`);
    return parseDurationMs(fallback) as number;
  }
  return ms;
}

export function integer(problems: Problems, path: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    problems.add(path, `must be an integer ≥ ${min} (got ${JSON.stringify(value)})`);
    return fallback;
  }
  return value;
}

export function bool(problems: Problems, path: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    problems.add(path, `must be true or false (got ${JSON.stringify(value)})`);
    return fallback;
  }
  return value;
}

export function text(problems: Problems, path: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    problems.add(path, 'must be a non-empty string');
    return fallback;
  }
  return value;
}

export function oneOf<T extends string>(problems: Problems, path: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    problems.add(path, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (got ${JSON.stringify(value)})`);
    return fallback;
  }
  return value as T;
}

/** Freezes an object and everything in it (KeyObjects excepted). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof KeyObject) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
