import { randomUUID } from 'node:crypto';
import type { StoredOneTimeCode, StoredTrustedDevice } from '../stores/mfa-challenge.store.js';
import { expect } from './test-api.js';
import { settle } from './store-fixture.js';

// Shared by the MFA enrolment and challenge contracts.

/** Realistic epoch milliseconds, beyond 2^32 (so 32-bit integer columns would fail). */
export const T0 = 1_750_000_000_000;
export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
/** The TOTP time step (30 s) at T0. */
export const STEP = Math.floor(T0 / 30_000);
export const PARALLEL = 50;

/** A hash-like string (SHA-256 base64url length). */
export function hash(): string {
  return randomUUID().replaceAll('-', '').padEnd(43, 'x');
}

/** An encrypted-secret-like string (longer than any varchar(255)). */
export function secret(): string {
  return `v1.${randomUUID()}.${'A'.repeat(400)}`;
}

export function code(overrides: Partial<StoredOneTimeCode> = {}): StoredOneTimeCode {
  return { pendingId: randomUUID(), method: 'email', codeHash: hash(), expiresAt: T0 + 10 * MINUTE, ...overrides };
}

export function device(overrides: Partial<StoredTrustedDevice> = {}): StoredTrustedDevice {
  return {
    id: randomUUID(),
    userId: randomUUID(),
    tokenHash: hash(),
    label: 'Firefox on Linux',
    createdAt: T0,
    lastUsedAt: T0,
    expiresAt: T0 + 30 * DAY,
    ...overrides,
  };
}

/** Settles the calls and expects no rejection; resolves the results in call order. */
export async function allResolved<T>(calls: readonly Promise<T>[]): Promise<T[]> {
  const { values, errors } = await settle(calls);
  expect(errors).toEqual([]);
  return values;
}

export function countTrue(results: readonly boolean[]): number {
  return results.filter((ok) => ok).length;
}
