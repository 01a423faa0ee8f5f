import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { JwksClient } from '../../../lib/resource-server/jwks-client.js';
import { resolveResourceServerOptions } from '../../../lib/resource-server/resolve-resource-server-options.js';

/**
 * `jwks.timeout` must cut a fetch however long the issuer takes, and whatever the garbage collector
 * does meanwhile. On Node 20 a signal from `AbortSignal.timeout()` given to `AbortSignal.any()` is held
 * only weakly (nodejs/node#57736): a collection before it fires takes it away, the combined signal
 * never aborts, and a JWKS answer that never ends held the single flight (and every request waiting
 * on it) for good. Each test collects garbage while the fetch waits.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const options = resolveResourceServerOptions({
  jwksUri: 'https://issuer.example/.well-known/jwks.json',
  issuer: 'nest-gatekeeper',
  audience: 'nest-gatekeeper',
  jwks: { timeout: '300ms' },
});

/** A fetch that never answers: it only ends when its signal aborts (as `fetch` does). */
function neverAnswers(): { fetchImpl: typeof fetch; signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  const fetchImpl = ((_url: unknown, init?: RequestInit) =>
    new Promise<Response>((_resolve, reject) => {
      const signal = init?.signal;
      if (!signal) return; // a fetch without a signal would hang: the test fails on its guard below
      signals.push(signal);
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    })) as typeof fetch;
  return { fetchImpl, signals };
}

function client(fetchImpl: typeof fetch, warnings: string[]): JwksClient {
  const logger = { warn: (message: string) => warnings.push(message), log: () => undefined };
  return new JwksClient(
    options,
    { now: () => Date.now() },
    () => ({}) as never,
    () => undefined,
    logger,
    fetchImpl,
  );
}

/** Resolves when `flight` settles; rejects after `ms` (the flight was never cut). Collects garbage meanwhile. */
async function settlesWithin(flight: Promise<void>, ms: number): Promise<void> {
  let guard: NodeJS.Timeout | undefined;
  const collector = setInterval(gc, 20);
  try {
    await Promise.race([
      flight,
      new Promise<never>((_resolve, reject) => {
        guard = setTimeout(() => reject(new Error(`the fetch was not cut within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearInterval(collector);
    clearTimeout(guard);
  }
}

it('jwks.timeout cuts a fetch that never answers, even when garbage is collected while it waits', async () => {
  const { fetchImpl, signals } = neverAnswers();
  const warnings: string[] = [];
  const jwks = client(fetchImpl, warnings);
  const flight = jwks.refetchForUnknownKid(Date.now());
  expect(flight).toBeDefined();
  gc();
  await settlesWithin(flight!, 3000);
  expect(signals).toHaveLength(1);
  expect(signals[0].aborted).toBe(true);
  expect(warnings).toEqual([expect.stringContaining(': timed out; no keys yet')]);
  jwks.close();
});

it('close() aborts the fetch in flight, without a warning', async () => {
  const { fetchImpl, signals } = neverAnswers();
  const warnings: string[] = [];
  const jwks = client(fetchImpl, warnings);
  const flight = jwks.refetchForUnknownKid(Date.now());
  gc();
  jwks.close();
  await settlesWithin(flight!, 3000);
  expect(signals[0].aborted).toBe(true);
  expect(warnings).toEqual([]);
  expect(jwks.refetchForUnknownKid(Date.now())).toBeUndefined();
});
