import { afterEach, describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PasswordHashingBusyError } from '../../../lib/crypto/password-hashing-busy.error.js';
import { AuthTelemetry, type OtelApi } from '../../../lib/telemetry/auth-telemetry.js';

const otel = api as unknown as OtelApi;

describe('AuthTelemetry: on only when the app registered an SDK', () => {
  afterEach(() => {
    api.trace.disable();
    api.metrics.disable();
  });

  it('is off with @opentelemetry/api installed but no provider registered: no span, no event sink, no store timing', async () => {
    const telemetry = AuthTelemetry.from(otel);
    expect(telemetry.enabled).toBe(false);
    expect(telemetry.eventSink()).toBeNull();
    let ran = false;
    await telemetry.span('gatekeeper.login', () => Promise.resolve((ran = true)));
    expect(ran).toBe(true);
  });

  it('records spans once a tracer provider is registered, metrics once a meter provider is', () => {
    api.trace.setGlobalTracerProvider(new BasicTracerProvider());
    const tracing = AuthTelemetry.from(otel);
    expect([tracing.tracing, tracing.metering]).toEqual([true, false]);
    api.metrics.setGlobalMeterProvider(new MeterProvider());
    const both = AuthTelemetry.from(otel);
    expect([both.tracing, both.metering]).toEqual([true, true]);
    expect(both.eventSink()?.name).toBe('opentelemetry');
  });

  it('a span records a refusal by its code and an unexpected error by its class only (a driver message may quote a value)', async () => {
    const spans = new InMemorySpanExporter();
    api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    const telemetry = AuthTelemetry.from(otel);
    await expect(telemetry.span('gatekeeper.login', () => Promise.reject(new PasswordHashingBusyError(2)))).rejects.toThrow();
    await expect(
      telemetry.span('gatekeeper.register', () => Promise.reject(new Error("Duplicate entry 'alice@example.com' for key"))),
    ).rejects.toThrow();
    const [busy, failed] = spans.getFinishedSpans();
    expect(busy.attributes).toEqual({ 'gatekeeper.error': 'AUTH_BUSY' });
    expect(busy.events).toEqual([]);
    expect(failed.attributes).toEqual({ 'gatekeeper.error': 'INTERNAL' });
    expect(JSON.stringify(failed.events)).not.toContain('alice');
  });

  it('telemetry: false is off whatever is registered', async () => {
    api.trace.setGlobalTracerProvider(new BasicTracerProvider());
    expect((await AuthTelemetry.load(false)).enabled).toBe(false);
    expect((await AuthTelemetry.load(true)).tracing).toBe(true);
  });
});
