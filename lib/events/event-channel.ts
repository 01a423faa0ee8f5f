import type { Logger } from '@nestjs/common';
import type { AuthEvent, AuthEventType } from './auth-event.js';
import type { AuthEventSink } from './auth-event.sink.js';

/** What happened to the events meant for one sink. */
export interface AuthEventSinkStats {
  /** The sink's name. */
  name: string;
  /** Events handed to the sink by calls that completed. */
  delivered: number;
  /** Events dropped because the sink's queue was full (the sink was too slow, or hung). */
  dropped: number;
  /** Events in calls that threw, or outlived `events.sinkTimeout`. */
  failed: number;
  /** Events waiting now. */
  queued: number;
}

/** The limits of a channel. */
export interface EventChannelLimits {
  queueSize: number;
  batchSize: number;
  timeoutMs: number;
}

/**
 * One sink's bounded queue and its delivery loop: events go out in order, in batches, one call at a
 * time, each call bounded by the timeout. Nothing here ever throws into the emitter.
 */
export class EventChannel {
  private queue: AuthEvent[] = [];
  /** Index of the oldest waiting event in `queue` (the array is compacted as it drains). */
  private head = 0;
  private running = false;
  /** Events accepted into the queue so far, and events whose call has ended (delivered or failed). */
  private accepted = 0;
  private ended = 0;
  private waiters: { until: number; resolve: () => void }[] = [];
  private delivered = 0;
  private dropped = 0;
  private failed = 0;
  private warnings = 0;
  private readonly wanted: ReadonlySet<AuthEventType> | null;

  constructor(
    readonly name: string,
    private readonly sink: AuthEventSink,
    private readonly limits: EventChannelLimits,
    private readonly logger: Logger,
    types: readonly AuthEventType[] | undefined,
  ) {
    this.wanted = types === undefined ? null : new Set(types);
  }

  /** Whether this channel delivers to `sink`. */
  isFor(sink: AuthEventSink): boolean {
    return this.sink === sink;
  }

  /** Whether this sink wants events of `type`. */
  wants(type: AuthEventType): boolean {
    return this.wanted === null || this.wanted.has(type);
  }

  /** Queues the event (dropped and counted when the queue is full) and starts delivery if idle. */
  push(event: AuthEvent): void {
    if (this.queue.length - this.head >= this.limits.queueSize) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) {
        this.logger.warn(`Event sink '${this.name}' is too slow: its queue is full, ${this.dropped} event(s) dropped so far.`);
      }
      return;
    }
    this.queue.push(event);
    this.accepted++;
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.drain());
    }
  }

  /** Resolves once every event queued so far has been handed over (or failed), or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void> {
    if (this.ended >= this.accepted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      const waiter = { until: this.accepted, resolve: done };
      this.waiters.push(waiter);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  stats(): AuthEventSinkStats {
    return {
      name: this.name,
      delivered: this.delivered,
      dropped: this.dropped,
      failed: this.failed,
      queued: this.queue.length - this.head,
    };
  }

  private async drain(): Promise<void> {
    while (this.head < this.queue.length) {
      const end = Math.min(this.queue.length, this.head + this.limits.batchSize);
      const batch = this.queue.slice(this.head, end);
      this.head = end;
      if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      try {
        await this.deliver(batch);
        this.delivered += batch.length;
      } catch (error) {
        this.failed += batch.length;
        this.warn(error);
      }
      this.ended += batch.length;
      if (this.waiters.length > 0) this.wake();
    }
    this.queue = [];
    this.head = 0;
    this.running = false;
  }

  /** Resolves the waiters whose events have all ended (a timed-out waiter resolving twice is harmless). */
  private wake(): void {
    const still: { until: number; resolve: () => void }[] = [];
    for (const waiter of this.waiters) {
      if (waiter.until <= this.ended) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  /** One call of the sink, bounded by the timeout (a late call is abandoned, not awaited). */
  private deliver(batch: readonly AuthEvent[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`did not finish within ${this.limits.timeoutMs} ms`)), this.limits.timeoutMs);
      timer.unref();
      let result: void | Promise<void>;
      try {
        result = this.sink.handle(batch);
      } catch (error) {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      Promise.resolve(result).then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** A warning about a failed call: the first, then every hundredth (never the events themselves). */
  private warn(error: unknown): void {
    this.warnings++;
    if (this.warnings !== 1 && this.warnings % 100 !== 0) return;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn(`Event sink '${this.name}' failed (${this.warnings} failed call(s) so far): ${message.slice(0, 200)}`);
  }
}
