import { Algorithm, hash, verify } from '@node-rs/argon2';
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

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/;

/**
 * The default {@link PasswordHasher}: argon2id (RFC 9106) through `@node-rs/argon2`, at or above
 * OWASP's minimum (m=19 MiB, t=2, p=1). Hashing runs on libuv's thread pool, off the event loop.
 */
export class Argon2idPasswordHasher implements PasswordHasher {
  private readonly params: Required<Argon2idParams>;

  constructor(params: Argon2idParams = {}) {
    this.params = { memoryCost: 19_456, timeCost: 2, parallelism: 1, ...params };
  }

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: Algorithm.Argon2id, ...this.params });
  }

  async verify(encoded: string, password: string): Promise<boolean> {
    try {
      return await verify(encoded, password);
    } catch {
      return false;
    }
  }

  needsRehash(encoded: string): boolean {
    const match = PHC.exec(encoded);
    if (!match) return true;
    const [, m, t, p] = match.map(Number);
    return m < this.params.memoryCost || t < this.params.timeCost || p < this.params.parallelism;
  }
}
