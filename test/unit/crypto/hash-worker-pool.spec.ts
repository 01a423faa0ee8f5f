import { readdirSync, readFileSync } from 'node:fs';
import { Argon2idPasswordHasher } from '../../../lib/index.js';
import { HashWorkerPool } from '../../../lib/crypto/hash-worker-pool.js';

/** The nice value of each thread of this process, by thread id (Linux). */
function threadNiceValues(): Map<number, number> {
  const values = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      values.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return values;
}

const linux = process.platform === 'linux' ? it : it.skip;
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

describe('hashing threads: a login flood cannot take the CPU from the event loop', () => {
  linux('hashes on threads 10 nice levels below the event loop, which keeps its own priority', async () => {
    const mainNice = threadNiceValues().get(process.pid) as number;
    const pool = new HashWorkerPool(1, 10);
    const encoded = (await pool.run({ op: 'hash', password: 'pw', options: OPTIONS })) as string;
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const values = threadNiceValues();
    expect(values.get(process.pid)).toBe(mainNice);
    expect([...values.values()].filter((nice) => nice === Math.min(19, mainNice + 10)).length).toBeGreaterThanOrEqual(1);
    await expect(pool.run({ op: 'verify', encoded, password: 'pw' })).resolves.toBe(true);
  });

  it('runs at most `size` threads, queues the rest in order, and ends idle threads', async () => {
    const pool = new HashWorkerPool(2, 10, 20);
    const encoded = (await pool.run({ op: 'hash', password: 'pw', options: OPTIONS })) as string;
    const results = Promise.all(['pw', 'x', 'pw', 'y', 'pw'].map((password) => pool.run({ op: 'verify', encoded, password })));
    expect(pool.threadCount).toBeLessThanOrEqual(2);
    await expect(results).resolves.toEqual([true, false, true, false, true]);
    while (pool.threadCount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // A new job starts a new thread.
    await expect(pool.run({ op: 'verify', encoded, password: 'pw' })).resolves.toBe(true);
  });

  it('a failing job rejects without killing its thread', async () => {
    const pool = new HashWorkerPool(1, 0);
    await expect(pool.run({ op: 'verify', encoded: 'not a hash', password: 'pw' })).rejects.toThrow();
    expect(pool.threadCount).toBe(1);
    await expect(pool.run({ op: 'hash', password: 'pw', options: OPTIONS })).resolves.toMatch(/^\$argon2id\$/);
  });

  it('Argon2idPasswordHasher hashes on its threads by default, on libuv’s pool with threads: false; the hashes are interchangeable', async () => {
    const threaded = new Argon2idPasswordHasher();
    const pooled = new Argon2idPasswordHasher({}, { threads: false });
    const a = await threaded.hash('correct horse');
    const b = await pooled.hash('correct horse');
    await expect(pooled.verify(a, 'correct horse')).resolves.toBe(true);
    await expect(threaded.verify(b, 'correct horse')).resolves.toBe(true);
    await expect(threaded.verify(a, 'wrong')).resolves.toBe(false);
    await expect(threaded.verify('garbage', 'wrong')).resolves.toBe(false);
  });

  it('close() ends every thread at once (idle ones too, not after idleMs), rejects the jobs still queued, and leaves the pool usable', async () => {
    const pool = new HashWorkerPool(1, 0, 60_000);
    const encoded = (await pool.run({ op: 'hash', password: 'pw', options: OPTIONS })) as string;
    expect(pool.threadCount).toBe(1);
    const running = pool.run({ op: 'verify', encoded, password: 'pw' });
    const queued = pool.run({ op: 'verify', encoded, password: 'pw' });
    const settled = Promise.allSettled([running, queued]);
    await pool.close();
    expect(pool.threadCount).toBe(0);
    const [first, second] = await settled;
    expect(second).toMatchObject({ status: 'rejected', reason: { message: 'the hashing pool was closed' } });
    // The running one may have finished just before the thread ended; either way it settled.
    expect(['fulfilled', 'rejected']).toContain(first.status);
    await expect(pool.run({ op: 'verify', encoded, password: 'pw' })).resolves.toBe(true);
    await pool.close();
    expect(pool.threadCount).toBe(0);
  });
});
