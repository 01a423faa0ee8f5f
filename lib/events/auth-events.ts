import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { randomToken } from '../crypto/secrets.js';
import type { AuthEvent, AuthEventDetails, AuthEventType } from './auth-event.js';
import type { AuthEventSink } from './auth-event.sink.js';
import { EventChannel, type AuthEventSinkStats, type EventChannelLimits } from './event-channel.js';

/** Where a request came from, as events record it. */
export interface EventContext {
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

/** What a use case says about an event; the rest (`id`, `at`, the context's fields) is filled in. */
export interface AuthEventInit {
  userId?: string | null;
  sessionId?: string | null;
  reason?: string | null;
  context?: EventContext;
}

/** The statistics of every sink (`AuthEvents.stats()`). */
export interface AuthEventsStats {
  /** Events built since start-up (an event no sink wants is not built). */
  emitted: number;
  sinks: AuthEventSinkStats[];
}

/** A sink with the name and types it is registered under. */
export interface RegisteredSink {
  sink: AuthEventSink;
  name?: string;
  types?: readonly AuthEventType[];
}

/** The longest a shutdown waits for the sinks to take what is queued. */
const SHUTDOWN_FLUSH_MS = 2_000;

/**
 * The event bus of the module: use cases call {@link emit}, which builds the event and queues it
 * for each sink that wants its type, in O(number of sinks), without awaiting anything. Delivery is
 * each sink's own loop ({@link EventChannel}): bounded queue, batches, a timeout per call, overflow
 * counted. Inject it to emit nothing of your own, but to read {@link stats}.
 */
@Injectable()
export class AuthEvents implements OnApplicationShutdown {
  private readonly logger = new Logger('AuthEvents');
  private channels: EventChannel[] = [];
  /** For each type, the channels that want it (empty: the event is not even built). */
  private routes = new Map<AuthEventType, EventChannel[]>();
  private emitted = 0;

  constructor(@Inject(AUTH_CLOCK) private readonly clock: Clock) {}

  /** Registers the sinks (called once at start-up by the module). */
  configure(sinks: readonly RegisteredSink[], limits: EventChannelLimits): void {
    const names = new Map<string, number>();
    this.channels = sinks.map(({ sink, name, types }) => {
      const base = name ?? sink.name ?? sink.constructor.name;
      const count = (names.get(base) ?? 0) + 1;
      names.set(base, count);
      return new EventChannel(count === 1 ? base : `${base}#${count}`, sink, limits, this.logger, types ?? sink.types);
    });
    this.routes = new Map();
  }

  /** The channel registered for `sink`, if any. */
  channelOf(sink: AuthEventSink): EventChannel | undefined {
    return this.channels.find((channel) => channel.isFor(sink));
  }

  /** Whether any sink wants events of `type` (to skip work that only an event would need). */
  wants(type: AuthEventType): boolean {
    return this.channelsFor(type).length > 0;
  }

  /** Records that `type` happened. Never throws, never waits. */
  emit<T extends AuthEventType>(type: T, init: AuthEventInit & AuthEventDetails[T]): void {
    const channels = this.channelsFor(type);
    if (channels.length === 0) return;
    const { userId = null, sessionId = null, reason = null, context, ...details } = init;
    const event = {
      ...details,
      type,
      id: randomToken(16),
      at: new Date(this.clock.now()).toISOString(),
      userId,
      sessionId,
      ip: context?.ip ?? null,
      userAgent: context?.userAgent?.slice(0, 256) ?? null,
      requestId: context?.requestId ?? null,
      reason,
    } as AuthEvent;
    this.emitted++;
    for (const channel of channels) channel.push(event);
  }

  /** What happened to the events so far, per sink. */
  stats(): AuthEventsStats {
    return { emitted: this.emitted, sinks: this.channels.map((channel) => channel.stats()) };
  }

  /** Resolves once `sink` has taken what was queued for it before the call, or after `timeoutMs`. */
  flushSink(sink: AuthEventSink, timeoutMs: number): Promise<void> {
    return this.channelOf(sink)?.settled(timeoutMs) ?? Promise.resolve();
  }

  /** Resolves once every sink has taken what was queued before the call, or after `timeoutMs`. */
  async flush(timeoutMs = SHUTDOWN_FLUSH_MS): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.settled(timeoutMs)));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush(SHUTDOWN_FLUSH_MS);
  }

  private channelsFor(type: AuthEventType): EventChannel[] {
    let channels = this.routes.get(type);
    if (channels === undefined) {
      channels = this.channels.filter((channel) => channel.wants(type));
      this.routes.set(type, channels);
    }
    return channels;
  }
}
