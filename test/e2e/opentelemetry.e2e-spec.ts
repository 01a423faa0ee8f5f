import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { metrics, trace, SpanStatusCode } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AuthEvents, MemorySessionStore, type SessionStore } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

/**
 * OpenTelemetry, seen through the SDK's in-memory exporters (the app's SDK registers the global
 * providers; the module finds them through @opentelemetry/api).
 */
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const reader = new PeriodicExportingMetricReader({
  exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });

beforeAll(() => {
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
});

afterAll(async () => {
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  trace.disable();
  metrics.disable();
});

/** A session store the module does not know as in-memory (so its calls are timed, as a database's are). */
function delegatingSessionStore(): SessionStore {
  const inner = new MemorySessionStore();
  return new Proxy({} as SessionStore, {
    get: (_, property) => {
      const value: unknown = Reflect.get(inner, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(inner) : value;
    },
  });
}

/** The data points of the metric `name`, as `[attributes, value]`. */
async function points(name: string): Promise<[Record<string, unknown>, unknown][]> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []).map((p: DataPoint<unknown>) => [p.attributes, p.value]);
}

/** The sum of the counter `name` over the points whose attributes include `match`. */
async function counted(name: string, match: Record<string, string>): Promise<number> {
  return (await points(name))
    .filter(([attributes]) => Object.entries(match).every(([k, v]) => attributes[k] === v))
    .reduce((sum, [, value]) => sum + (value as number), 0);
}

describe('OpenTelemetry (spans and counters through @opentelemetry/api)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ options: { sessionStore: delegatingSessionStore() } });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('a span per use case: a login, a refused login (its problem code, nothing of the request), a refresh', async () => {
    spans.reset();
    const { refreshToken } = await t.login();
    const refused = await t.http.post('/auth/login').send({ username: 'emilys', password: 'wrong-password' });
    expect(refused.status).toBe(401);
    expect((await t.http.post('/auth/refresh').send({ refreshToken })).status).toBe(200);

    const finished = spans.getFinishedSpans();
    const logins = finished.filter((s) => s.name === 'gatekeeper.login');
    expect(logins).toHaveLength(2);
    expect(logins[0].status.code).toBe(SpanStatusCode.UNSET);
    expect(logins[1].status).toEqual({ code: SpanStatusCode.ERROR, message: 'INVALID_CREDENTIALS' });
    expect(logins[1].attributes).toEqual({ 'gatekeeper.error': 'INVALID_CREDENTIALS' });
    expect(finished.filter((s) => s.name === 'gatekeeper.refresh')).toHaveLength(1);
    expect(logins.every((s) => s.instrumentationScope.name === 'nest-gatekeeper')).toBe(true);
    // No attribute or event of any span holds the password, the username or a token.
    const recorded = JSON.stringify(finished.map((s) => [s.attributes, s.events]));
    for (const secret of ['wrong-password', 'emilyspass', 'emilys', refreshToken]) expect(recorded).not.toContain(secret);
  });

  it('counters: logins by outcome, refresh outcomes, reuse detections, lockouts', async () => {
    const before = {
      succeeded: await counted('gatekeeper.logins', { outcome: 'succeeded' }),
      failed: await counted('gatekeeper.logins', { outcome: 'failed', reason: 'invalid_credentials' }),
      rotated: await counted('gatekeeper.refreshes', { outcome: 'rotated' }),
      reused: await counted('gatekeeper.refresh.reuse_detected', {}),
    };
    const { refreshToken } = await t.login();
    await t.http.post('/auth/login').send({ username: 'emilys', password: 'wrong-password' });
    expect((await t.http.post('/auth/refresh').send({ refreshToken })).status).toBe(200);
    // The rotated token, replayed after its grace window: reuse detected, the session revoked.
    t.clock.advance(180_000); // past reuseGraceSeconds (10) and orphanGraceSeconds (120)
    expect((await t.http.post('/auth/refresh').send({ refreshToken })).status).toBe(401);
    await t.app.get(AuthEvents).flush();

    expect(await counted('gatekeeper.logins', { outcome: 'succeeded' })).toBe(before.succeeded + 1);
    expect(await counted('gatekeeper.logins', { outcome: 'failed', reason: 'invalid_credentials' })).toBe(before.failed + 1);
    expect(await counted('gatekeeper.refreshes', { outcome: 'rotated' })).toBe(before.rotated + 1);
    expect(await counted('gatekeeper.refresh.reuse_detected', {})).toBe(before.reused + 1);
  });

  it('lockouts count once the login limit refuses (429)', async () => {
    const before = await counted('gatekeeper.lockouts', { kind: 'login' });
    let status = 0;
    for (let i = 0; i < 30 && status !== 429; i++) {
      status = (await t.http.post('/auth/login').send({ username: 'admin', password: `wrong-${i}` })).status;
    }
    expect(status).toBe(429);
    await t.app.get(AuthEvents).flush();
    expect(await counted('gatekeeper.lockouts', { kind: 'login' })).toBeGreaterThan(before);
  });

  it('the latency of store calls (a store that is not in-memory), by store and operation', async () => {
    await t.login();
    const durations = await points('gatekeeper.store.duration');
    const create = durations.find(([a]) => a.store === 'SessionStore' && a.operation === 'create' && a.outcome === 'ok');
    expect(create).toBeDefined();
    expect((create?.[1] as { count: number }).count).toBeGreaterThan(0);
  });
});

describe('OpenTelemetry off (`telemetry: false`)', () => {
  it('records no span', async () => {
    const t = await createTestApp({ options: { telemetry: false, sessionStore: delegatingSessionStore() } });
    try {
      spans.reset();
      await t.login();
      expect(spans.getFinishedSpans()).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
