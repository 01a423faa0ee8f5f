import { Algorithm, hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { HashWorkerPool } from './hash-worker-pool.js';
import { bcryptCostAllowed, normalisedBcrypt, verifyLegacy } from './legacy-hashes.js';
import type { PasswordHasher } from './password-hasher.js';

/** Argon2id cost parameters. */
export interface Argon2idParams {
  /** Memory in KiB. @default 19456 (19 MiB, OWASP's minimum) */
  memoryCost?: number;
  /** Iterations. @default 2 */
  timeCost?: number;
  /** Lanes. @default 1 */
  parallelism?: number;
}

/** Where an {@link Argon2idPasswordHasher} hashes. */
export interface Argon2idThreadOptions {
  /**
   * Hashing threads of its own (`worker_threads`, started on first use), or `false` for libuv's
   * shared thread pool (where hashes also hold up file-system and DNS work). More threads than the
   * cores the process may use add memory (19 MiB per running hash), not throughput.
   * @default os.availableParallelism()
   */
  threads?: number | false;
  /**
   * How much lower than the event loop its threads run (added to their nice value, Linux only; 0
   * keeps the process's priority). A hash then takes only the CPU time the event loop leaves: under
   * a login flood, the other requests keep being answered, and an idle server still hashes at full
   * speed. Ignored with `threads: false`.
   * @default 10
   */
  niceIncrement?: number;
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/;

/**
 * The default {@link PasswordHasher}: argon2id (RFC 9106) through `@node-rs/argon2`, at or above
 * OWASP's minimum (m=19 MiB, t=2, p=1). Hashing runs off the event loop, on threads of its own that
 * run at a lower priority than the event loop (see {@link Argon2idThreadOptions}).
 */
export class Argon2idPasswordHasher implements PasswordHasher {
  private readonly params: Required<Argon2idParams>;
  private readonly pool: HashWorkerPool | null;

  constructor(params: Argon2idParams = {}, threads: Argon2idThreadOptions = {}) {
    this.params = { memoryCost: 19_456, timeCost: 2, parallelism: 1, ...params };
    const size = threads.threads ?? availableParallelism();
    this.pool = size === false ? null : new HashWorkerPool(Math.max(1, size), Math.max(0, threads.niceIncrement ?? 10));
  }

  async hash(password: string): Promise<string> {
    const options = { algorithm: Algorithm.Argon2id, ...this.params };
    if (this.pool === null) return hash(password, options);
    return (await this.pool.run({ op: 'hash', password, options })) as string;
  }

  async verify(encoded: string, password: string): Promise<boolean> {
    try {
      return this.pool === null ? await verify(encoded, password) : ((await this.pool.run({ op: 'verify', encoded, password })) as boolean);
    } catch {
      return false;
    }
  }

  /**
   * Verifies an imported bcrypt hash (see `passwordHashing.legacy`) on the hashing threads, like an
   * argon2id verification (on the event loop, in bcryptjs's slices, with `threads: false`).
   * Resolves `false` for a malformed hash.
   */
  async verifyBcrypt(encoded: string, password: string): Promise<boolean> {
    if (this.pool === null || !bcryptCostAllowed(encoded)) return verifyLegacy('bcrypt', encoded, password);
    try {
      return (await this.pool.run({ op: 'bcrypt', encoded: normalisedBcrypt(encoded), password })) as boolean;
    } catch {
      return false;
    }
  }

  /**
   * Ends the hashing threads (see {@link HashWorkerPool.close}); the module calls it at application
   * shutdown. A later hash starts new threads. Nothing to do with `threads: false`.
   */
  async close(): Promise<void> {
    await this.pool?.close();
  }

  needsRehash(encoded: string): boolean {
    const match = PHC.exec(encoded);
    if (!match) return true;
    const [, m, t, p] = match.map(Number);
    return m < this.params.memoryCost || t < this.params.timeCost || p < this.params.parallelism;
  }
}
