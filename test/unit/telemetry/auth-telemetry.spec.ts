import { afterEach, describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
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

  it('telemetry: false is off whatever is registered', async () => {
    api.trace.setGlobalTracerProvider(new BasicTracerProvider());
    expect((await AuthTelemetry.load(false)).enabled).toBe(false);
    expect((await AuthTelemetry.load(true)).tracing).toBe(true);
  });
});
