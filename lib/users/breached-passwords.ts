import { Inject } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { assertImplements, type MethodList } from '../stores/assert-implements.js';

/**
 * Tells whether a password appears in a public breach corpus. The module asks it for every new
 * password (registration, change, reset) when `password.breachedPasswords` is set. A rejection means
 * "could not ask": the password is accepted (fail open) and `password.breach_check_unavailable` is
 * emitted, so an outage of the service never blocks a sign-up.
 */
export interface BreachedPasswordChecker {
  /** Whether `password` is known to be breached. Rejects when the answer cannot be had. */
  isBreached(password: string): Promise<boolean>;
}

/** Options of {@link HibpBreachedPasswordChecker}. */
export interface HibpBreachedPasswordCheckerOptions {
  /** The range API's base URL (a mirror, or a test server). @default 'https://api.pwnedpasswords.com' */
  baseUrl?: string;
  /** How long to wait for an answer (ms) before failing open. @default 2000 */
  timeoutMs?: number;
  /** Breaches a password must appear in to be refused. @default 1 */
  minCount?: number;
}

/** The largest range answer read (real ones are about 40 KB, padded ones a little more). */
const MAX_RANGE_BYTES = 1024 * 1024;
const RANGE_LINE = /^([0-9A-F]{35}):(\d{1,10})$/;

/**
 * A {@link BreachedPasswordChecker} on the k-anonymity range API of Have I Been Pwned (Pwned
 * Passwords): only the first 5 hexadecimal characters of the password's SHA-1 leave the process
 * (`GET <baseUrl>/range/<prefix>` with `Add-Padding: true`, so the answer's size says nothing
 * either); the suffixes that come back are compared here. An error status, a malformed answer, one
 * larger than 1 MiB or no answer within `timeoutMs` rejects (the module then fails open).
 */
export class HibpBreachedPasswordChecker implements BreachedPasswordChecker {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly minCount: number;

  constructor(options: HibpBreachedPasswordCheckerOptions = {}) {
    this.baseUrl = (options.baseUrl ?? 'https://api.pwnedpasswords.com').replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.minCount = options.minCount ?? 1;
    if (!/^https?:\/\//.test(this.baseUrl)) throw new RangeError('HibpBreachedPasswordChecker: baseUrl must be an http(s) URL');
    if (!Number.isSafeInteger(this.timeoutMs) || this.timeoutMs < 1)
      throw new RangeError('HibpBreachedPasswordChecker: timeoutMs must be a positive integer');
    if (!Number.isSafeInteger(this.minCount) || this.minCount < 1)
      throw new RangeError('HibpBreachedPasswordChecker: minCount must be a positive integer');
  }

  async isBreached(password: string): Promise<boolean> {
    // SHA-1 here is the range API's index, not a password hash: nothing is stored.
    const digest = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const prefix = digest.slice(0, 5);
    const suffix = digest.slice(5);
    const response = await fetch(`${this.baseUrl}/range/${prefix}`, {
      headers: { 'Add-Padding': 'true', 'User-Agent': 'nest-gatekeeper' },
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: 'error',
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`the range API answered ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_RANGE_BYTES) {
      await response.body?.cancel();
      throw new Error('the range answer is too large');
    }
    const body = await readBounded(response, MAX_RANGE_BYTES);
    let lines = 0;
    for (const line of body.split(/\r?\n/)) {
      if (line === '') continue;
      const match = RANGE_LINE.exec(line);
      if (match === null) throw new Error('the range answer is malformed');
      lines++;
      if (match[1] === suffix) return Number(match[2]) >= this.minCount; // padding lines count 0
    }
    if (lines === 0) throw new Error('the range answer is empty');
    return false;
  }
}

/** The body as text, rejecting beyond `max` bytes. */
async function readBounded(response: Response, max: number): Promise<string> {
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new Error('the range answer is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const CHECKER_METHODS = { isBreached: 1 } satisfies MethodList<BreachedPasswordChecker>;

/** Checks at start-up that `checker` has every {@link BreachedPasswordChecker} method. */
export function assertBreachedPasswordChecker(checker: unknown): BreachedPasswordChecker {
  return assertImplements<BreachedPasswordChecker>('password.breachedPasswords', 'BreachedPasswordChecker', checker, CHECKER_METHODS);
}

/** Injection token of the configured {@link BreachedPasswordChecker} (`null` when off). */
export const BREACHED_PASSWORD_CHECKER = Symbol('nest-gatekeeper:BreachedPasswordChecker');

/** Injects the configured {@link BreachedPasswordChecker}, or `null`. */
export const InjectBreachedPasswordChecker = (): PropertyDecorator & ParameterDecorator => Inject(BREACHED_PASSWORD_CHECKER);
