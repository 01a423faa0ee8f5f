import { mapStoreErrors, StoreUnavailableError } from '../../errors/store.errors.js';

/**
 * Error classification for the Redis adapters (internal; not re-exported). Works on the errors
 * ioredis rejects with: its own client-side errors (offline, closed, timed out, retries exhausted),
 * Node socket errors and Redis error replies that mean the server is not serving us right now.
 */

/** Node socket errors that mean Redis cannot be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

/** ioredis client-side errors (names) raised when the connection is lost or a request gave up. */
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'AbortError']);

/**
 * ioredis messages (they carry no code): the client is closed (`quit`/`disconnect` or no retry left),
 * offline with the offline queue disabled, a command timed out (`commandTimeout`), the socket went
 * silent (`socketTimeout`), a command was in flight when the connection closed, the ready check failed.
 */
const UNAVAILABLE_MESSAGE =
  /Connection is closed|Stream isn't writeable|enableOfflineQueue options is false|Command timed out|Socket timeout|Command aborted due to connection close|Ready check failed|Reached the max retries per request/i;

/**
 * Redis error replies (their first word) that mean the server cannot serve the request now: still
 * loading its data, busy with a script, a replica or a primary without quorum, cluster down, out of
 * memory, or the credentials are refused.
 */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|NOREPLICAS|CLUSTERDOWN|TRYAGAIN|OOM|NOAUTH|WRONGPASS|NOPERM)\b/;

/** The error and what it wraps (`cause`, `lastNodeError`), outermost first, without cycles. */
function chain(error: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !out.includes(current as Record<string, unknown>)) {
    const record = current as Record<string, unknown>;
    out.push(record);
    current = record['cause'] ?? record['lastNodeError'];
  }
  return out;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Whether the error means Redis cannot be reached or used right now. */
export function isRedisUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  return chain(error).some((e) => {
    if (NETWORK_CODES.has(str(e['code'])) || UNAVAILABLE_NAMES.has(str(e['name']))) return true;
    const message = str(e['message']);
    return UNAVAILABLE_MESSAGE.test(message) || UNAVAILABLE_REPLY.test(message);
  });
}

/** Runs `work`, rethrowing Redis connection failures as `StoreUnavailableError` (a script error stays as it is). */
export function withRedisErrors<T>(work: () => Promise<T>): Promise<T> {
  return mapStoreErrors(work, isRedisUnavailable);
}
