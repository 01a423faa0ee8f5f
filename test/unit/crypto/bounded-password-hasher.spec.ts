import { BoundedPasswordHasher, PasswordHashingBusyError } from '../../../lib/crypto/bounded-password-hasher.js';
import type { PasswordHasher } from '../../../lib/index.js';

/** A hasher whose operations wait until the test finishes them, in any order; records what ran. */
class ManualHasher implements PasswordHasher {
  readonly started: string[] = [];
  private readonly pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();

  hash(password: string): Promise<string> {
    return this.op(`hash:${password}`).then(() => `h(${password})`);
  }

  verify(encoded: string, password: string): Promise<boolean> {
    return this.op(`verify:${password}`).then(() => encoded === `h(${password})`);
  }

  get running(): number {
    return this.pending.size;
  }

  finish(name: string, error?: Error): void {
    const op = this.pending.get(name);
    if (!op) throw new Error(`${name} is not running (running: ${[...this.pending.keys()].join(', ')})`);
    this.pending.delete(name);
    if (error) op.reject(error);
    else op.resolve();
  }

  private op(name: string): Promise<void> {
    this.started.push(name);
    return new Promise((resolve, reject) => this.pending.set(name, { resolve, reject }));
  }
}

/** Lets every settled promise callback run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('BoundedPasswordHasher: a hash flood cannot pile up unbounded work', () => {
  it('runs at most `concurrency` operations; the next ones wait and start first come, first served', async () => {
    const inner = new ManualHasher();
    const hasher = new BoundedPasswordHasher(inner, { concurrency: 2, queue: 3 });
    const results = ['a', 'b', 'c', 'd', 'e'].map((p) => hasher.verify(`h(${p})`, p));
    await flush();
    expect(inner.started).toEqual(['verify:a', 'verify:b']);
    expect(hasher.inFlight).toBe(5);
    inner.finish('verify:b');
    await flush();
    expect(inner.started).toEqual(['verify:a', 'verify:b', 'verify:c']);
    inner.finish('verify:a');
    await flush();
    expect(inner.started.slice(3)).toEqual(['verify:d']);
    for (const name of ['verify:c', 'verify:d']) inner.finish(name);
    await flush();
    inner.finish('verify:e');
    await expect(Promise.all(results)).resolves.toEqual([true, true, true, true, true]);
    expect(hasher.inFlight).toBe(0);
  });

  it('refuses at once beyond concurrency + queue, with a Retry-After of at least 1 s, without calling the inner hasher', async () => {
    const inner = new ManualHasher();
    const hasher = new BoundedPasswordHasher(inner, { concurrency: 1, queue: 2 });
    const admitted = ['a', 'b', 'c'].map((p) => hasher.hash(p));
    const refused = hasher.hash('d');
    await expect(refused).rejects.toBeInstanceOf(PasswordHashingBusyError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
    expect(((await refused.catch((e: unknown) => e)) as PasswordHashingBusyError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(() => hasher.reserve()).toThrow(PasswordHashingBusyError);
    await flush();
    expect(inner.started).toEqual(['hash:a']);
    // Places come back as operations end.
    inner.finish('hash:a');
    await flush();
    const next = hasher.hash('e');
    for (const name of ['hash:b', 'hash:c']) {
      inner.finish(name);
      await flush();
    }
    inner.finish('hash:e');
    await expect(Promise.all([...admitted, next])).resolves.toEqual(['h(a)', 'h(b)', 'h(c)', 'h(e)']);
  });

  it('a permit holds its place across several operations of one use case until released (idempotently)', async () => {
    const inner = new ManualHasher();
    const hasher = new BoundedPasswordHasher(inner, { concurrency: 1, queue: 0 });
    const permit = hasher.reserve();
    // The place is taken before any hashing: nobody else gets in.
    await expect(hasher.verify('h(x)', 'x')).rejects.toBeInstanceOf(PasswordHashingBusyError);
    const verified = hasher.verify('h(p)', 'p', permit);
    await flush();
    inner.finish('verify:p');
    await expect(verified).resolves.toBe(true);
    // Between the operations the place is still the permit's.
    expect(() => hasher.reserve()).toThrow(PasswordHashingBusyError);
    const rehashed = hasher.hash('p', permit);
    await flush();
    inner.finish('hash:p');
    await expect(rehashed).resolves.toBe('h(p)');
    permit.release();
    permit.release();
    expect(hasher.inFlight).toBe(0);
    const other = hasher.reserve();
    expect(() => hasher.reserve()).toThrow(PasswordHashingBusyError);
    other.release();
  });

  it('a failing operation gives its running place and its admission back', async () => {
    const inner = new ManualHasher();
    const hasher = new BoundedPasswordHasher(inner, { concurrency: 1, queue: 0 });
    const failing = hasher.hash('a');
    await flush();
    inner.finish('hash:a', new Error('boom'));
    await expect(failing).rejects.toThrow('boom');
    expect(hasher.inFlight).toBe(0);
    const next = hasher.hash('b');
    await flush();
    inner.finish('hash:b');
    await expect(next).resolves.toBe('h(b)');
  });

  it('needsRehash asks the inner hasher (false when it has none), without taking a place', () => {
    const inner = new ManualHasher();
    const plain = new BoundedPasswordHasher(inner, { concurrency: 1, queue: 0 });
    const permit = plain.reserve();
    expect(plain.needsRehash('h(a)')).toBe(false);
    permit.release();
    const withRehash = new BoundedPasswordHasher(Object.assign(inner, { needsRehash: (e: string) => e === 'old' }), {
      concurrency: 1,
      queue: 0,
    });
    expect(withRehash.needsRehash('old')).toBe(true);
    expect(withRehash.needsRehash('h(a)')).toBe(false);
  });

  it('refuses limits that are not whole numbers in range', () => {
    const inner = new ManualHasher();
    expect(() => new BoundedPasswordHasher(inner, { concurrency: 0, queue: 0 })).toThrow(RangeError);
    expect(() => new BoundedPasswordHasher(inner, { concurrency: 1.5, queue: 0 })).toThrow(RangeError);
    expect(() => new BoundedPasswordHasher(inner, { concurrency: 1, queue: -1 })).toThrow(RangeError);
  });
});
