import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import type { AuthEvent } from '../../../lib/events/auth-event.js';
import type { AuthEventSink } from '../../../lib/events/auth-event.sink.js';
import { AuthEvents } from '../../../lib/events/auth-events.js';
import { TestClock } from '../../fixtures/test-clock.js';

const LIMITS = { queueSize: 10, batchSize: 3, timeoutMs: 200 };

/** A sink that records what it is given. */
class Recorder implements AuthEventSink {
  readonly batches: AuthEvent[][] = [];
  constructor(readonly name = 'recorder') {}
  handle(events: readonly AuthEvent[]): void {
    this.batches.push([...events]);
  }
  get events(): AuthEvent[] {
    return this.batches.flat();
  }
}

/** A sink whose calls never end (until released). */
class Hanging implements AuthEventSink {
  readonly name = 'hanging';
  calls = 0;
  private release: (() => void)[] = [];
  handle(): Promise<void> {
    this.calls++;
    return new Promise((resolve) => this.release.push(resolve));
  }
  releaseAll(): void {
    for (const r of this.release.splice(0)) r();
  }
}

function bus(): AuthEvents {
  return new AuthEvents(new TestClock());
}

const waitFor = async (condition: () => boolean, ms = 5_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('AuthEvents', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('emit returns before any sink runs, and fills in id, time and context', async () => {
    const events = bus();
    const recorder = new Recorder();
    events.configure([{ sink: recorder }], LIMITS);
    events.emit('login.succeeded', {
      userId: 'u1',
      sessionId: 's1',
      method: 'password',
      context: { ip: '203.0.113.7', userAgent: 'x'.repeat(300), requestId: 'req-1' },
    });
    expect(recorder.events).toEqual([]); // nothing delivered inside emit
    await events.flush(1_000);
    expect(recorder.events).toEqual([
      expect.objectContaining({
        type: 'login.succeeded',
        userId: 'u1',
        sessionId: 's1',
        method: 'password',
        ip: '203.0.113.7',
        requestId: 'req-1',
        reason: null,
        at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      }),
    ]);
    expect(recorder.events[0]?.userAgent).toHaveLength(256);
  });

  it('delivers in order, in batches of at most batchSize, one call at a time', async () => {
    const events = bus();
    const recorder = new Recorder();
    events.configure([{ sink: recorder }], LIMITS);
    for (let i = 0; i < 8; i++) events.emit('logout', { userId: `u${i}`, allSessions: false });
    await events.flush(1_000);
    expect(recorder.batches.map((b) => b.length)).toEqual([3, 3, 2]);
    expect(recorder.events.map((e) => e.userId)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7']);
  });

  it('queue flooding: a hanging sink fills its bounded queue, the overflow is dropped and counted, other sinks get everything', async () => {
    const events = bus();
    const hanging = new Hanging();
    const recorder = new Recorder();
    events.configure([{ sink: hanging }, { sink: recorder }], { ...LIMITS, timeoutMs: 60_000 });
    const emitTen = () => {
      for (let i = 0; i < 10; i++) events.emit('login.failed', { reason: 'unknown_account' });
    };
    emitTen();
    await waitFor(() => recorder.events.length === 10);
    // The hanging sink holds 3 in its hung call and 7 in its queue (of 10): of ten more, 3 fit.
    emitTen();
    await waitFor(() => recorder.events.length === 20);
    const stats = events.stats().sinks.find((s) => s.name === 'hanging');
    expect(stats).toEqual({ name: 'hanging', delivered: 0, failed: 0, dropped: 7, queued: 10 });
    expect(hanging.calls).toBe(1);
    hanging.releaseAll();
  });

  it('a sink call that outlives sinkTimeout is counted as failed, and the next batch goes', async () => {
    const events = bus();
    const hanging = new Hanging();
    events.configure([{ sink: hanging }], { ...LIMITS, timeoutMs: 50 });
    for (let i = 0; i < 5; i++) events.emit('logout', { userId: 'u', allSessions: false });
    await waitFor(() => events.stats().sinks[0]?.failed === 5);
    expect(hanging.calls).toBe(2);
    hanging.releaseAll();
  });

  it('a throwing sink is counted as failed and never reaches the emitter', async () => {
    const events = bus();
    const recorder = new Recorder();
    const throwing: AuthEventSink = {
      name: 'throwing',
      handle: () => {
        throw new Error('down');
      },
    };
    const rejecting: AuthEventSink = { name: 'rejecting', handle: () => Promise.reject(new Error('down')) };
    events.configure([{ sink: throwing }, { sink: rejecting }, { sink: recorder }], LIMITS);
    expect(() => events.emit('logout', { userId: 'u', allSessions: true })).not.toThrow();
    await events.flush(1_000);
    const byName = Object.fromEntries(events.stats().sinks.map((s) => [s.name, s]));
    expect(byName['throwing']).toMatchObject({ failed: 1, delivered: 0 });
    expect(byName['rejecting']).toMatchObject({ failed: 1, delivered: 0 });
    expect(byName['recorder']).toMatchObject({ failed: 0, delivered: 1 });
  });

  it('builds no event that no sink wants', () => {
    const events = bus();
    events.configure([{ sink: new Recorder(), types: ['login.failed'] }], LIMITS);
    expect(events.wants('refresh.rotated')).toBe(false);
    events.emit('refresh.rotated', { userId: 'u', sessionId: 's' });
    events.emit('login.failed', { reason: 'unknown_account' });
    expect(events.stats().emitted).toBe(1);
  });

  it('flushSink resolves once what was queued before it has been handed over', async () => {
    const events = bus();
    const recorder = new Recorder();
    events.configure([{ sink: recorder }], LIMITS);
    for (let i = 0; i < 7; i++) events.emit('logout', { userId: 'u', allSessions: false });
    await events.flushSink(recorder, 1_000);
    expect(recorder.events).toHaveLength(7);
  });

  it('names two sinks of one class apart', () => {
    const events = bus();
    events.configure([{ sink: new Recorder('same') }, { sink: new Recorder('same') }], LIMITS);
    expect(events.stats().sinks.map((s) => s.name)).toEqual(['same', 'same#2']);
  });
});
