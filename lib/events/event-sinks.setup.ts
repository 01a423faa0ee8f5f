import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AUTH_OPTIONS, AUTH_RAW_OPTIONS } from '../auth.constants.js';
import type { AuthModuleOptions } from '../options/auth-module-options.interface.js';
import { instantiateProvider } from '../options/resolve-provider.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { AuthConfigError } from '../errors/auth-config.error.js';
import { ActivityFeed } from './activity-feed.js';
import type { AuthEvent } from './auth-event.js';
import type { AuthEventSink } from './auth-event.sink.js';
import { AuthEvents, type RegisteredSink } from './auth-events.js';
import { AuthTelemetry } from '../telemetry/auth-telemetry.js';
import { LoggerEventSink } from './logger-event.sink.js';

/** What the bridge needs of `@nestjs/event-emitter`'s `EventEmitter2`. */
interface Emitter {
  emit(event: string, ...values: unknown[]): boolean;
}

/**
 * Registers the event sinks at start-up, once every provider of the app exists: the activity feed's,
 * the JSON log (`events.log`), the OpenTelemetry counters (with telemetry on), the `@nestjs/event-emitter` bridge (when the app has the module and
 * `events.eventEmitter` is on), then `events.sinks` in their order.
 */
@Injectable()
export class EventSinksSetup implements OnModuleInit {
  private readonly logger = new Logger('AuthEvents');

  constructor(
    @Inject(AUTH_RAW_OPTIONS) private readonly raw: AuthModuleOptions,
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly moduleRef: ModuleRef,
    private readonly events: AuthEvents,
    private readonly feed: ActivityFeed,
    private readonly telemetry: AuthTelemetry,
  ) {}

  async onModuleInit(): Promise<void> {
    const sinks: RegisteredSink[] = [];
    if (this.feed.sink !== null) sinks.push({ sink: this.feed.sink });
    const { log, eventEmitter, queueSize, batchSize, sinkTimeoutMs } = this.options.events;
    if (log !== null) sinks.push({ sink: new LoggerEventSink(log) });
    const counters = this.telemetry.eventSink();
    if (counters !== null) sinks.push({ sink: counters });
    const emitter = eventEmitter ? await this.findEmitter() : null;
    if (emitter !== null) {
      sinks.push({
        sink: {
          name: 'event-emitter',
          handle: (batch: readonly AuthEvent[]) => {
            // Every event reaches the listeners even if one of them throws; the call then fails (counted).
            let failure: Error | null = null;
            for (const event of batch) {
              try {
                emitter.emit(`auth.${event.type}`, event);
              } catch (error) {
                failure ??= error instanceof Error ? error : new Error(String(error));
              }
            }
            if (failure !== null) throw failure;
          },
        },
      });
    }
    const configured = this.raw.events?.sinks ?? [];
    for (const [i, option] of configured.entries()) {
      const sink = await instantiateProvider<AuthEventSink>(option, this.moduleRef);
      if (typeof sink !== 'object' || sink === null || typeof (sink as Partial<AuthEventSink>).handle !== 'function') {
        throw new AuthConfigError([`events.sinks[${i}]: does not implement AuthEventSink (handle() is missing)`]);
      }
      sinks.push({ sink });
    }
    this.events.configure(sinks, { queueSize, batchSize, timeoutMs: sinkTimeoutMs });
    if (emitter !== null) this.logger.debug?.('Security events also go to @nestjs/event-emitter as auth.<type>.');
  }

  /** The app's `EventEmitter2`, when `@nestjs/event-emitter` is installed and its module imported. */
  private async findEmitter(): Promise<Emitter | null> {
    let token: unknown;
    try {
      const name = '@nestjs/event-emitter';
      token = ((await import(name)) as { EventEmitter2?: unknown }).EventEmitter2;
    } catch {
      return null; // not installed
    }
    if (typeof token !== 'function') return null;
    try {
      const emitter = this.moduleRef.get<Emitter>(token, { strict: false });
      return typeof emitter?.emit === 'function' ? emitter : null;
    } catch {
      return null; // installed, but the app does not import EventEmitterModule
    }
  }
}
