/**
 * The test-runner functions the contract suites use, looked up on `globalThis` when called, so that
 * the suites run under Jest and under Vitest with `globals: true` (or any runner with the same
 * globals) without importing either. Only the matchers the suites use are typed.
 */

/** The matchers the contract suites use (a subset common to Jest and Vitest). */
export interface ContractMatchers<R> {
  toBe(expected: unknown): R;
  toEqual(expected: unknown): R;
  toStrictEqual(expected: unknown): R;
  toMatchObject(expected: object): R;
  toBeNull(): R;
  toBeUndefined(): R;
  toBeInstanceOf(expected: abstract new (...args: never[]) => unknown): R;
  toContain(expected: unknown): R;
  toHaveLength(expected: number): R;
  toBeGreaterThan(expected: number): R;
  toBeGreaterThanOrEqual(expected: number): R;
  toBeLessThanOrEqual(expected: number): R;
}

/** What `expect(value)` returns. */
export interface ContractExpectation extends ContractMatchers<void> {
  not: ContractMatchers<void>;
  resolves: ContractMatchers<Promise<void>>;
  rejects: ContractMatchers<Promise<void>>;
}

type Body = () => unknown;

/** The globals of a Jest-compatible runner. */
interface RunnerGlobals {
  describe(name: string, body: () => void): void;
  it(name: string, body: Body, timeout?: number): void;
  beforeEach(body: Body, timeout?: number): void;
  afterEach(body: Body, timeout?: number): void;
  expect(actual: unknown): ContractExpectation;
}

function runner<K extends keyof RunnerGlobals>(name: K): RunnerGlobals[K] {
  const fn: RunnerGlobals[K] | undefined = (globalThis as Partial<RunnerGlobals>)[name];
  if (typeof fn !== 'function') {
    throw new Error(
      `nest-gatekeeper/testing: the global '${name}' is missing. Call the contract suites from a test file ` +
        'run by Jest, or by Vitest with `globals: true`.',
    );
  }
  return fn;
}

/** Time allowed to each contract test (the parallel tests on a remote database need more than 5 s). */
export const CONTRACT_TEST_TIMEOUT_MS = 30_000;

export const describe = (name: string, body: () => void): void => runner('describe')(name, body);
export const it = (name: string, body: Body): void => runner('it')(name, body, CONTRACT_TEST_TIMEOUT_MS);
export const beforeEach = (body: Body): void => runner('beforeEach')(body, CONTRACT_TEST_TIMEOUT_MS);
export const afterEach = (body: Body): void => runner('afterEach')(body, CONTRACT_TEST_TIMEOUT_MS);
export const expect = (actual: unknown): ContractExpectation => runner('expect')(actual);
