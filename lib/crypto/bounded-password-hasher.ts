import { Argon2idPasswordHasher } from './argon2id-password.hasher.js';
import { legacySchemeOf, verifyLegacy, type LegacyHashScheme } from './legacy-hashes.js';
import type { PasswordHasher } from './password-hasher.js';
import { PasswordHashingBusyError } from './password-hashing-busy.error.js';

// Defined apart so that rendering it (errors/problem-details.filter.ts) does not load argon2.
export { PasswordHashingBusyError };

/** Limits of a {@link BoundedPasswordHasher}. */
export interface PasswordHashingLimits {
  /** Hashes and verifications running at once (at least 1). */
  readonly concurrency: number;
  /** Further operations allowed to wait for a running one to finish (at least 0). */
  readonly queue: number;
  /** Hashes of other systems also verified (and then due for a rehash), see {@link LegacyHashScheme}. */
  readonly legacy?: readonly LegacyHashScheme[];
}

/**
 * A place among the operations a {@link BoundedPasswordHasher} admits, taken before any other work
 * (see {@link BoundedPasswordHasher.reserve}). Pass it to `hash` or `verify`, one call at a time, as
 * often as the use case needs; {@link release} it when the use case ends, whatever the outcome.
 */
export class HashPermit {
  private released = false;

  /** @internal */
  constructor(private readonly onRelease: () => void) {}

  /** Whether {@link release} was called. */
  get isReleased(): boolean {
    return this.released;
  }

  /** Gives the place back (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }
}

/** Weight of the newest duration in the running mean behind `Retry-After`. */
const MEAN_WEIGHT = 0.2;
const MAX_RETRY_AFTER_SECONDS = 60;

/**
 * Bounds the password hashing of any {@link PasswordHasher}: at most `concurrency` hashes and
 * verifications run at once, at most `queue` more wait for them (first come, first served), and
 * anything beyond is refused at once with {@link PasswordHashingBusyError}. A password hash is the
 * most expensive thing a request can make the server do (argon2id: ~10 ms of CPU and 19 MiB); without
 * a bound a login flood queues hundreds of them and starves every other request of the CPU.
 *
 * The module wraps the configured hasher in one of these (`PASSWORD_HASHER` resolves to it), so its
 * own operations and an app's calls through `PASSWORD_HASHER` share one budget. `hash` and `verify`
 * are admitted per call; a use case that must refuse early (before a user lookup, so a refusal says
 * nothing about the account) takes a {@link HashPermit} with {@link reserve} first and passes it on.
 */
export class BoundedPasswordHasher implements PasswordHasher {
  /** Permits alive: running, waiting for a running place, or taken and not yet used. */
  private admitted = 0;
  private running = 0;
  /** Operations waiting for a running place, oldest first; each is handed the place of one that ends. */
  private readonly waiting: (() => void)[] = [];
  /** Running mean of an operation's duration (ms), for `Retry-After`. */
  private meanMs = 0;

  constructor(
    /** The hasher doing the work. */
    readonly inner: PasswordHasher,
    /** The bounds. */
    readonly limits: PasswordHashingLimits,
  ) {
    if (!Number.isInteger(limits.concurrency) || limits.concurrency < 1) throw new RangeError('concurrency must be an integer ≥ 1');
    if (!Number.isInteger(limits.queue) || limits.queue < 0) throw new RangeError('queue must be an integer ≥ 0');
  }

  /** Operations running and waiting, and permits taken but not yet used. */
  get inFlight(): number {
    return this.admitted;
  }

  /**
   * Takes a place for the operations of one use case, or throws {@link PasswordHashingBusyError} when
   * `concurrency + queue` places are taken. Synchronous, so it can run before anything else.
   */
  reserve(): HashPermit {
    if (this.admitted >= this.limits.concurrency + this.limits.queue) {
      throw new PasswordHashingBusyError(this.retryAfterSeconds());
    }
    this.admitted++;
    return new HashPermit(() => {
      this.admitted--;
    });
  }

  /** Hashes through the inner hasher, under the bound (on `permit`'s place when given). */
  hash(password: string, permit?: HashPermit): Promise<string> {
    return this.run(() => this.inner.hash(password), permit);
  }

  /**
   * Verifies through the inner hasher, under the bound (on `permit`'s place when given). A hash of a
   * scheme in `limits.legacy` (an imported bcrypt or PBKDF2 hash) is verified by that scheme instead,
   * under the same bound.
   */
  verify(encoded: string, password: string, permit?: HashPermit): Promise<boolean> {
    // No password (see `unusablePasswordHash`): the same work as a wrong one, and never a match.
    if (!isPasswordUsable(encoded)) return this.verify(encoded.slice(UNUSABLE_MARK.length), password, permit).then(() => false);
    const scheme = this.legacyScheme(encoded);
    if (scheme !== null) {
      const inner = this.inner;
      // bcrypt on the library hasher's threads (off the event loop); elsewhere in bcryptjs's slices.
      if (scheme === 'bcrypt' && inner instanceof Argon2idPasswordHasher)
        return this.run(() => inner.verifyBcrypt(encoded, password), permit);
      return this.run(() => verifyLegacy(scheme, encoded, password), permit);
    }
    return this.run(() => this.inner.verify(encoded, password), permit);
  }

  /**
   * Whether `encoded` should be replaced at the next login: an imported legacy hash always; else the
   * inner hasher's answer (no hashing, not bounded), `false` when it has no `needsRehash`.
   */
  needsRehash(encoded: string): boolean {
    if (!isPasswordUsable(encoded)) return false;
    if (this.legacyScheme(encoded) !== null) return true;
    return this.inner.needsRehash?.(encoded) ?? false;
  }

  private legacyScheme(encoded: string): LegacyHashScheme | null {
    const legacy = this.limits.legacy;
    if (legacy === undefined || legacy.length === 0) return null;
    const scheme = legacySchemeOf(encoded);
    return scheme !== null && legacy.includes(scheme) ? scheme : null;
  }

  /**
   * Ends the hashing threads of the inner hasher when it is the library's
   * {@link Argon2idPasswordHasher} (see its `close`); any other hasher is left alone (a `close` of its
   * own may mean something else). The module calls it at application shutdown.
   */
  async close(): Promise<void> {
    if (this.inner instanceof Argon2idPasswordHasher) await this.inner.close();
  }

  private async run<T>(work: () => Promise<T>, permit: HashPermit | undefined): Promise<T> {
    const own = permit === undefined || permit.isReleased ? this.reserve() : undefined;
    try {
      if (this.running < this.limits.concurrency) this.running++;
      else await new Promise<void>((resolve) => this.waiting.push(resolve));
      const started = performance.now();
      try {
        return await work();
      } finally {
        const ms = performance.now() - started;
        this.meanMs = this.meanMs === 0 ? ms : this.meanMs + MEAN_WEIGHT * (ms - this.meanMs);
        // Hand the running place to the oldest waiter, or give it back.
        const next = this.waiting.shift();
        if (next) next();
        else this.running--;
      }
    } finally {
      own?.release();
    }
  }

  /** How long until the operations admitted now are done, rounded up to whole seconds (1 to 60). */
  private retryAfterSeconds(): number {
    const seconds = ((this.admitted / this.limits.concurrency) * this.meanMs) / 1000;
    return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(seconds)));
  }
}

/** The mark of an account without a password: the stored hash is this, then a hash of a random secret. */
const UNUSABLE_MARK = '!';

/**
 * The stored "hash" of an account that has no password (made from a provider sign-in): the mark,
 * then the hash of a random secret nobody knows, so that a password login on it costs exactly what
 * a wrong password costs (no timing tells such accounts apart), and never succeeds.
 */
export function unusablePasswordHash(hashOfRandomSecret: string): string {
  return `${UNUSABLE_MARK}${hashOfRandomSecret}`;
}

/** Whether a stored hash is a password (not the mark of an account without one). */
export function isPasswordUsable(encoded: string): boolean {
  return !encoded.startsWith(UNUSABLE_MARK);
}
