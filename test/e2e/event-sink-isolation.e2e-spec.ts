import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuthEvents, type AuthEvent, type AuthEventSink } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

/** A sink whose every call takes 10 s (a SIEM that stopped answering). */
class TenSecondSink implements AuthEventSink {
  readonly name = 'ten-seconds';
  calls = 0;
  received = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  handle(events: readonly AuthEvent[]): Promise<void> {
    this.calls++;
    this.received += events.length;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      timer.unref();
      this.timers.push(timer);
    });
  }
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

/** A sink that throws on every call. */
const throwing: AuthEventSink = {
  name: 'throwing',
  handle: () => {
    throw new Error('sink down');
  },
};

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/**
 * Slow-sink denial of service: a sink that hangs for 10 s (and one that throws) must not slow or
 * fail a single login. Both apps are measured in the same run, alternately.
 */
describe('a hanging or failing event sink never delays or fails a request', () => {
  let baseline: TestApp;
  let slowed: TestApp;
  const sink = new TenSecondSink();

  beforeAll(async () => {
    baseline = await createTestApp({ options: { activityStore: false } });
    slowed = await createTestApp({ options: { activityStore: false, events: { sinks: [sink, throwing], log: false } } });
  });
  afterAll(async () => {
    sink.stop();
    await Promise.all([baseline?.close(), slowed?.close()]);
  });

  const timedLogin = async (t: TestApp): Promise<number> => {
    const started = performance.now();
    await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }).expect(200);
    return performance.now() - started;
  };

  it('login latency with a 10 s sink stays that of an app without sinks', async () => {
    await timedLogin(baseline); // warm both up
    await timedLogin(slowed);
    const plain: number[] = [];
    const withSink: number[] = [];
    for (let i = 0; i < 8; i++) {
      plain.push(await timedLogin(baseline));
      withSink.push(await timedLogin(slowed));
    }
    // Awaiting the sink would make every login take 10 s; the bound leaves room for a busy machine.
    expect(Math.max(...withSink)).toBeLessThan(3_000);
    expect(median(withSink)).toBeLessThan(2 * median(plain) + 50);
    // The events did reach the sink (one call in progress), and the throwing sink's failures were counted.
    expect(sink.calls).toBe(1);
    const stats = slowed.app.get(AuthEvents).stats();
    expect(stats.sinks.find((s) => s.name === 'ten-seconds')).toMatchObject({ delivered: 0, failed: 0 });
    expect(stats.sinks.find((s) => s.name === 'throwing')?.failed).toBeGreaterThan(0);
  });

  it('refresh and logout answer at once too', async () => {
    const login = (await slowed.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }).expect(200)).body as {
      accessToken: string;
      refreshToken: string;
    };
    const started = performance.now();
    const next = await slowed.http.post('/auth/refresh').send({ refreshToken: login.refreshToken }).expect(200);
    await slowed.http
      .post('/auth/logout')
      .set('Authorization', `Bearer ${next.body.accessToken as string}`)
      .send({})
      .expect(200);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
