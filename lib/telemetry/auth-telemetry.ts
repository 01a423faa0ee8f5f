import { Logger } from '@nestjs/common';
import { AuthException } from '../errors/auth.exception.js';
import { PasswordHashingBusyError } from '../crypto/password-hashing-busy.error.js';
import { StoreUnavailableError } from '../errors/store.errors.js';
import type { AuthEvent } from '../events/auth-event.js';
import type { AuthEventSink } from '../events/auth-event.sink.js';

// OpenTelemetry through `@opentelemetry/api`, an optional peer dependency: imported at start-up when
// installed, never otherwise. The few shapes the module uses are declared here, so that no public
// type of the package names `@opentelemetry/api` (apps without it compile under skipLibCheck: false).

/** The attributes of a span or a measurement: strings, numbers, booleans. */
export type TelemetryAttributes = Record<string, string | number | boolean>;

interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: { name: string; message: string }): unknown;
  end(): void;
}

interface OtelTracer {
  startActiveSpan<F extends (span: OtelSpan) => unknown>(name: string, options: { attributes?: TelemetryAttributes }, fn: F): ReturnType<F>;
}

interface OtelCounter {
  add(value: number, attributes?: TelemetryAttributes): void;
}

interface OtelHistogram {
  record(value: number, attributes?: TelemetryAttributes): void;
}

interface OtelMeter {
  createCounter(name: string, options?: { description?: string; unit?: string }): OtelCounter;
  createHistogram(name: string, options?: { description?: string; unit?: string }): OtelHistogram;
}

/** What the module needs of `@opentelemetry/api`. */
export interface OtelApi {
  trace: { getTracer(name: string, version?: string): OtelTracer; getTracerProvider(): { getDelegate?(): unknown } };
  metrics: { getMeter(name: string, version?: string): OtelMeter };
  /** A provider with nothing registered behind it: its delegate is the API's no-op provider. */
  ProxyTracerProvider: new () => { getDelegate(): unknown };
  /** The API's no-op meter (the one a no-op meter provider hands out). */
  createNoopMeter(): unknown;
}

/** The tracer and meter the module records with (`null`: that signal is off). */
export interface TelemetrySignals {
  tracer: OtelTracer | null;
  meter: OtelMeter | null;
}

/** `SpanStatusCode.ERROR` of `@opentelemetry/api` (a stable enum value). */
const SPAN_STATUS_ERROR = 2;
/** The instrumentation scope of every span and instrument. */
export const TELEMETRY_SCOPE = 'nest-gatekeeper';

/** The module's instruments. */
interface Instruments {
  logins: OtelCounter;
  refreshes: OtelCounter;
  reuseDetections: OtelCounter;
  lockouts: OtelCounter;
  mfa: OtelCounter;
  storeDuration: OtelHistogram;
}

/**
 * The module's OpenTelemetry: a span per use case (`gatekeeper.login`, `gatekeeper.refresh`, …),
 * counters of outcomes fed by the security events, and the latency of every store call. Everything
 * goes through the global tracer and meter providers the app registers (its OpenTelemetry SDK); with
 * `@opentelemetry/api` absent, no SDK registered by the time the module starts, or `telemetry: false`,
 * it is off and costs nothing: {@link span} calls its work directly.
 *
 * Instruments (docs/events.md "OpenTelemetry"): `gatekeeper.logins` {outcome, reason, method},
 * `gatekeeper.refreshes` {outcome}, `gatekeeper.refresh.reuse_detected`, `gatekeeper.lockouts`
 * {kind, reason}, `gatekeeper.mfa` {outcome, method}, `gatekeeper.store.duration` (ms) {store,
 * operation, outcome}. No attribute holds a user id, an address or anything secret.
 */
export class AuthTelemetry {
  private readonly tracer: OtelTracer | null;
  private readonly instruments: Instruments | null;

  /** @param signals the tracer and meter to record with (`null` each: off). */
  constructor(signals: TelemetrySignals = { tracer: null, meter: null }) {
    this.tracer = signals.tracer;
    const meter = signals.meter;
    this.instruments =
      meter === null
        ? null
        : {
            logins: meter.createCounter('gatekeeper.logins', {
              description: 'Logins by outcome (succeeded, failed, locked, mfa_required)',
            }),
            refreshes: meter.createCounter('gatekeeper.refreshes', {
              description: 'Refreshes by outcome (rotated, grace_replay, reuse_detected)',
            }),
            reuseDetections: meter.createCounter('gatekeeper.refresh.reuse_detected', {
              description: 'Rotated refresh tokens replayed after their grace window (the session was revoked)',
            }),
            lockouts: meter.createCounter('gatekeeper.lockouts', { description: 'Attempts refused for too many failures (login, mfa)' }),
            mfa: meter.createCounter('gatekeeper.mfa', { description: 'Second-factor checks by outcome (verified, failed, locked)' }),
            storeDuration: meter.createHistogram('gatekeeper.store.duration', { description: 'Duration of store calls', unit: 'ms' }),
          };
  }

  /** Telemetry off (no `@opentelemetry/api`, or `telemetry: false`). */
  static readonly off = new AuthTelemetry();

  /**
   * Telemetry through `@opentelemetry/api` when it is installed and the app's SDK has registered a
   * tracer provider (spans) or a meter provider (metrics) by now, else {@link off}: with the package
   * present but no SDK behind it, the module builds no span, event or measurement for nothing.
   */
  static async load(enabled: boolean): Promise<AuthTelemetry> {
    if (!enabled) return AuthTelemetry.off;
    let api: OtelApi;
    try {
      const name = '@opentelemetry/api';
      const loaded = (await import(name)) as Partial<OtelApi> & { default?: Partial<OtelApi> };
      const resolved = loaded.trace !== undefined ? loaded : loaded.default;
      if (resolved?.trace === undefined || resolved.metrics === undefined || resolved.ProxyTracerProvider === undefined) {
        return AuthTelemetry.off;
      }
      api = resolved as OtelApi;
    } catch {
      return AuthTelemetry.off; // not installed
    }
    return AuthTelemetry.from(api);
  }

  /** Telemetry with whatever providers are registered in `api` now (see {@link load}). */
  static from(api: OtelApi): AuthTelemetry {
    const noopTracing = new api.ProxyTracerProvider().getDelegate();
    const provider = api.trace.getTracerProvider();
    const tracing = (provider.getDelegate?.() ?? provider) !== noopTracing;
    const meter = api.metrics.getMeter(TELEMETRY_SCOPE);
    const metering = meter !== api.createNoopMeter();
    if (!tracing && !metering) return AuthTelemetry.off;
    new Logger('AuthTelemetry').log(
      `OpenTelemetry: ${[tracing ? 'spans' : '', metering ? 'metrics' : ''].filter(Boolean).join(' and ')} through @opentelemetry/api.`,
    );
    return new AuthTelemetry({ tracer: tracing ? api.trace.getTracer(TELEMETRY_SCOPE) : null, meter: metering ? meter : null });
  }

  /** Whether anything is recorded (spans, metrics or both). */
  get enabled(): boolean {
    return this.tracing || this.metering;
  }

  /** Whether spans are recorded. */
  get tracing(): boolean {
    return this.tracer !== null;
  }

  /** Whether metrics are recorded. */
  get metering(): boolean {
    return this.instruments !== null;
  }

  /**
   * Runs `work` in a span `name` (active, so that spans of database clients nest under it). A
   * rejection marks the span as an error with the problem code (`gatekeeper.error`); it is rethrown
   * unchanged. Off: `work()` itself.
   */
  span<T>(name: string, work: () => Promise<T>, attributes?: TelemetryAttributes): Promise<T> {
    const tracer = this.tracer;
    if (tracer === null) return work();
    return tracer.startActiveSpan(name, { attributes }, async (span: OtelSpan): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        const code = errorCode(error);
        span.setAttribute('gatekeeper.error', code);
        span.setStatus({ code: SPAN_STATUS_ERROR, message: code });
        // An unexpected error (a bug, a driver failure) is recorded by its class only: a driver's
        // message (and so the stack's first line) may quote a value, e.g. a duplicate e-mail.
        if (code === 'INTERNAL' && error instanceof Error) span.recordException({ name: error.name, message: error.name });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** Records the duration of a store call (`gatekeeper.store.duration`). */
  storeCall(store: string, operation: string, ms: number, ok: boolean): void {
    this.instruments?.storeDuration.record(ms, { store, operation, outcome: ok ? 'ok' : 'error' });
  }

  /** The sink that turns events into counters, or `null` when telemetry is off. */
  eventSink(): AuthEventSink | null {
    const instruments = this.instruments;
    if (instruments === null) return null;
    return {
      name: 'opentelemetry',
      types: COUNTED_TYPES,
      handle: (events: readonly AuthEvent[]) => {
        for (const event of events) count(instruments, event);
      },
    };
  }
}

/** The event types the counters are made of. */
const COUNTED_TYPES = [
  'login.succeeded',
  'login.failed',
  'login.locked',
  'mfa.required',
  'refresh.rotated',
  'refresh.grace_replay',
  'refresh.reuse_detected',
  'mfa.verified',
  'mfa.failed',
  'mfa.locked',
] as const;

function count(i: Instruments, event: AuthEvent): void {
  const reason = event.reason ?? 'none';
  switch (event.type) {
    case 'login.succeeded':
      return i.logins.add(1, { outcome: 'succeeded', method: event.method });
    case 'login.failed':
      return i.logins.add(1, { outcome: 'failed', reason });
    case 'login.locked':
      i.logins.add(1, { outcome: 'locked', reason });
      return i.lockouts.add(1, { kind: 'login', reason });
    case 'mfa.required':
      return i.logins.add(1, { outcome: 'mfa_required' });
    case 'refresh.rotated':
      return i.refreshes.add(1, { outcome: 'rotated' });
    case 'refresh.grace_replay':
      return i.refreshes.add(1, { outcome: 'grace_replay', reason });
    case 'refresh.reuse_detected':
      i.refreshes.add(1, { outcome: 'reuse_detected' });
      return i.reuseDetections.add(1);
    case 'mfa.verified':
      return i.mfa.add(1, { outcome: 'verified', method: event.method });
    case 'mfa.failed':
      return i.mfa.add(1, { outcome: 'failed', method: event.method });
    case 'mfa.locked':
      i.mfa.add(1, { outcome: 'locked', reason });
      return i.lockouts.add(1, { kind: 'mfa', reason });
    default:
      return undefined;
  }
}

/** The problem code of a refusal, `STORE_UNAVAILABLE`, or `INTERNAL` for anything else. */
function errorCode(error: unknown): string {
  if (error instanceof AuthException) return error.code;
  if (error instanceof StoreUnavailableError) return 'STORE_UNAVAILABLE';
  if (error instanceof PasswordHashingBusyError) return 'AUTH_BUSY';
  return 'INTERNAL';
}
