import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The hashing thread's code (CommonJS, evaluated): it lowers its own scheduling priority, then
 * hashes and verifies synchronously, one job at a time, with `@node-rs/argon2` loaded from the path
 * the pool resolved (so it is found wherever the package is installed).
 *
 * Linux gives every thread its own nice value: `/proc/thread-self` names this thread's id, and
 * `os.setPriority(tid, …)` changes this thread alone. Raising the nice value needs no privilege.
 * Elsewhere (or without /proc) the thread keeps the process's priority.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const argon2 = require(workerData.argon2);
const bcrypt = require(workerData.bcryptjs);
if (process.platform === 'linux' && workerData.nice > 0) {
  try {
    const os = require('node:os');
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + workerData.nice));
  } catch {}
}
parentPort.on('message', (job) => {
  let reply;
  try {
    reply = {
      value:
        job.op === 'hash'
          ? argon2.hashSync(job.password, job.options)
          : job.op === 'bcrypt'
            ? bcrypt.compareSync(job.password, job.encoded)
            : argon2.verifySync(job.encoded, job.password),
    };
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  parentPort.postMessage(reply);
});
`;

/** One hash or verification, as the hashing thread receives it. */
export type HashJob =
  | { op: 'hash'; password: string; options: Record<string, number> }
  | { op: 'verify'; encoded: string; password: string }
  /** An imported bcrypt hash (bcryptjs), off the event loop like argon2id. */
  | { op: 'bcrypt'; encoded: string; password: string };

interface Queued {
  job: HashJob;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  current: Queued | null;
  idleTimer: NodeJS.Timeout | null;
}

/**
 * Hashing threads that run below the event loop's priority: up to `size` `worker_threads`, each
 * with its nice value raised by `nice` (Linux; see {@link WORKER_SOURCE}), one job at a time, the
 * others queued in order. A password hash then only takes CPU time that the event loop leaves, so a
 * login flood cannot starve the requests the server is answering; when the event loop is idle, the
 * hashes get the whole CPU as before.
 *
 * Threads start on first use, keep the process alive only while they work, and end after `idleMs`
 * without a job (a server that signs someone in now and then keeps no idle thread).
 */
export class HashWorkerPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Queued[] = [];
  private readonly argon2Path = createRequire(import.meta.url).resolve('@node-rs/argon2');
  private readonly bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');

  constructor(
    private readonly size: number,
    private readonly nice: number,
    private readonly idleMs = 30_000,
  ) {}

  /** Hashing threads alive (busy or idle). */
  get threadCount(): number {
    return this.threads.length;
  }

  /** Runs one job on a hashing thread: resolves the hash (`hash`) or whether it matched (`verify`). */
  run(job: HashJob): Promise<string | boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const thread = this.threads.find((t) => t.current === null) ?? (this.threads.length < this.size ? this.spawn() : undefined);
      if (!thread) return;
      const next = this.queue.shift() as Queued;
      thread.current = next;
      if (thread.idleTimer) clearTimeout(thread.idleTimer);
      thread.idleTimer = null;
      thread.worker.ref();
      thread.worker.postMessage(next.job);
    }
  }

  private spawn(): Thread {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { argon2: this.argon2Path, bcryptjs: this.bcryptPath, nice: this.nice },
    });
    const thread: Thread = { worker, current: null, idleTimer: null };
    worker.on('message', (reply: { value?: string | boolean; error?: string }) => {
      const done = thread.current;
      thread.current = null;
      worker.unref();
      if (done) {
        if (reply.error !== undefined) done.reject(new Error(reply.error));
        else done.resolve(reply.value as string | boolean);
      }
      thread.idleTimer = setTimeout(() => this.retire(thread), this.idleMs).unref();
      this.dispatch();
    });
    // A thread that dies (out of memory, terminated) fails its job; the next job starts a new one.
    const fail = (error: Error): void => {
      this.remove(thread);
      thread.current?.reject(error);
      thread.current = null;
      this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hashing thread exited (code ${code})`)));
    this.threads.push(thread);
    return thread;
  }

  /**
   * Ends every hashing thread now and resolves once they have exited: the jobs running and queued
   * are rejected. The pool stays usable (a later job starts new threads), so closing a pool that
   * something else still shares costs a thread start, not an error.
   */
  async close(): Promise<void> {
    const closed = new Error('the hashing pool was closed');
    for (const queued of this.queue.splice(0)) queued.reject(closed);
    const threads = this.threads.splice(0);
    await Promise.all(
      threads.map(async (thread) => {
        if (thread.idleTimer) clearTimeout(thread.idleTimer);
        thread.idleTimer = null;
        const running = thread.current;
        thread.current = null;
        running?.reject(closed);
        await thread.worker.terminate();
      }),
    );
  }

  private retire(thread: Thread): void {
    if (thread.current !== null) return;
    this.remove(thread);
    void thread.worker.terminate();
  }

  private remove(thread: Thread): void {
    const i = this.threads.indexOf(thread);
    if (i >= 0) this.threads.splice(i, 1);
    if (thread.idleTimer) clearTimeout(thread.idleTimer);
  }
}
