import type { AuthEvent, AuthEventType } from './auth-event.js';

/**
 * Where security events go: a log, an audit table, a SIEM, a message bus. Plug sinks in with
 * `events.sinks` (a class, an instance or `{ useFactory, inject }`).
 *
 * Events reach a sink off the request path: each sink has its own bounded queue, and its `handle`
 * gets them in order, in batches, one call at a time. A sink that is slow, hangs or throws never
 * delays or fails a request, nor another sink: its queue fills, and what does not fit is dropped and
 * counted ({@link AuthEventsStats}); a call that outlives `events.sinkTimeout` is counted as failed
 * and given up on (the next batch goes without waiting for it).
 *
 * Sinks must not need the request: by the time `handle` runs, the response may have been sent.
 *
 * ```ts
 * export class SiemSink implements AuthEventSink {
 *   readonly name = 'siem';
 *   async handle(events: readonly AuthEvent[]): Promise<void> {
 *     await fetch(SIEM_URL, { method: 'POST', body: JSON.stringify(events) });
 *   }
 * }
 * ```
 */
export interface AuthEventSink {
  /** A name for the statistics and the warnings about this sink. @default the class name */
  readonly name?: string;
  /** The event types this sink wants. @default every type */
  readonly types?: readonly AuthEventType[];
  /** Takes a batch of events (at most `events.batchSize`), oldest first. */
  handle(events: readonly AuthEvent[]): void | Promise<void>;
}
