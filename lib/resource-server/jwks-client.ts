import type { AccessTokenKeyVerifier } from '../tokens/access-token.verifier.js';
import type { Clock } from '../util/clock.js';
import { importJwk, type ImportedJwk } from './jwk-import.js';
import type { ResolvedResourceServerOptions } from './resolve-resource-server-options.js';

/** Where the client reports what went wrong (a Nest `Logger`). Never given a key, a token or a response body. */
export interface JwksLogger {
  warn(message: string): void;
  log(message: string): void;
}

/** What one fetch brought: a new key set, or "not modified" (304 to our `If-None-Match`). */
type FetchResult =
  | { kind: 'keys'; keys: ImportedJwk[]; ignored: string[]; etag: string | undefined; maxAgeMs: number }
  | { kind: 'not-modified'; maxAgeMs: number };

/** Refresh when this share of the freshness has passed (ahead of expiry, so requests never wait for it). */
const REFRESH_AHEAD = 0.8;
/** The first retry after a failed fetch; it doubles per failure, up to the unknown-kid cooldown. */
const FIRST_RETRY_MS = 1000;

const NO_KEYS: ReadonlyMap<string, AccessTokenKeyVerifier> = new Map();

/**
 * The issuer's JSON Web Key Set, fetched and cached for a resource server.
 *
 * - **Freshness** from the response's `Cache-Control: max-age` (less its `Age`), clamped to
 *   `[jwks.minCacheAge, jwks.maxCacheAge]`, `jwks.defaultCacheAge` without one. At 80 % of it a
 *   request starts a refresh in the background (one at a time) and is served with the keys in hand.
 *   The `ETag` is sent back as `If-None-Match`; a 304 renews the freshness.
 * - **Unknown `kid`**: {@link refetchForUnknownKid} joins the fetch in flight, else starts one, at
 *   most once per `jwks.unknownKidCooldown`; within the cooldown it refuses, and the token is refused
 *   without a fetch. Every request waiting for a fetch shares it (single flight).
 * - **Failures** (unreachable, timeout, an HTTP error, a body over `jwks.maxResponseBytes`, more than
 *   `jwks.maxKeys` keys, anything that is not a JWK Set with a usable key): the keys in hand keep
 *   being used for `jwks.maxStale` after they stop being fresh, a warning is logged, and the next try
 *   waits 1 s, doubling per failure up to the cooldown. Past `maxStale` the keys are dropped and every
 *   token is refused until a fetch succeeds.
 * - **Start-up** never waits or fails on the issuer: the first fetch starts in the background, and a
 *   request arriving before it ends waits for it.
 *
 * Each key is imported by {@link importJwk} (the algorithms allowed, public members only, no
 * private member, RSA ≥ 2048 bits); `kid`s used twice are ignored.
 */
export class JwksClient {
  private verifiers: ReadonlyMap<string, AccessTokenKeyVerifier> = NO_KEYS;
  private fingerprints = new Map<string, string>();
  private etag: string | undefined;
  private loaded = false;
  /** When to act on the next request: refresh ahead, or (when stale) check the stale bound and retry. */
  private refreshAt = 0;
  private freshUntil = 0;
  private staleUntil = 0;
  private lastFetchStart = Number.NEGATIVE_INFINITY;
  private retryAt = 0;
  private failures = 0;
  private lastIgnored = '';
  private inFlight: Promise<void> | undefined;
  private readonly closing = new AbortController();
  private readonly where: string;

  /**
   * @param makeVerifier builds the verifier of one imported key (pinned to its algorithm)
   * @param onKeysRemoved called when a key the client held is gone or replaced (verified-token caches must forget)
   */
  constructor(
    private readonly options: ResolvedResourceServerOptions,
    private readonly clock: Clock,
    private readonly makeVerifier: (key: ImportedJwk) => AccessTokenKeyVerifier,
    private readonly onKeysRemoved: () => void,
    private readonly logger: JwksLogger,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {
    // Origin and path only: a query string may carry something that is not ours to log.
    this.where = `${options.jwksUri.origin}${options.jwksUri.pathname}`;
  }

  /**
   * The keys to verify with at `nowMs`, by `kid`. On the hot path this is one comparison; when the
   * keys are due for a refresh it starts one in the background (never awaited here).
   */
  keys(nowMs: number): ReadonlyMap<string, AccessTokenKeyVerifier> {
    if (nowMs >= this.refreshAt) this.maintain(nowMs);
    return this.verifiers;
  }

  /**
   * A fetch for a token whose `kid` names no known key: the fetch in flight if there is one, else a
   * new one unless the last fetch started less than `jwks.unknownKidCooldown` ago (or a failure's
   * back-off is running); `undefined` when refused. The promise never rejects.
   */
  refetchForUnknownKid(nowMs: number): Promise<void> | undefined {
    if (this.inFlight !== undefined) return this.inFlight;
    if (this.closing.signal.aborted || nowMs < this.retryAt) return undefined;
    if (this.loaded && nowMs < this.lastFetchStart + this.options.jwks.unknownKidCooldownMs) return undefined;
    return this.fetchInBackground(nowMs);
  }

  /** Whether a key set is in hand (fresh or stale). */
  get hasKeys(): boolean {
    return this.loaded;
  }

  /** Stops fetching and aborts a fetch in flight (module shutdown). */
  close(): void {
    this.closing.abort();
  }

  private maintain(nowMs: number): void {
    if (this.loaded && nowMs >= this.staleUntil) {
      this.logger.warn(
        `The JWK Set from ${this.where} is more than jwks.maxStale past its freshness: every token is refused until it is fetched again`,
      );
      this.loaded = false;
      this.verifiers = NO_KEYS;
      this.fingerprints = new Map();
      this.etag = undefined;
      this.onKeysRemoved();
    }
    if (this.inFlight === undefined && nowMs >= this.retryAt && !this.closing.signal.aborted) void this.fetchInBackground(nowMs);
  }

  private fetchInBackground(nowMs: number): Promise<void> {
    this.lastFetchStart = nowMs;
    const flight = this.fetchOnce().then(
      (result) => this.succeeded(result),
      (error: unknown) => this.failed(error),
    );
    this.inFlight = flight.finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private succeeded(result: FetchResult): void {
    // A revalidation sent while keys were held, answered after they were dropped (maxStale ran out
    // meanwhile): the 304 vouches for keys no longer in hand. Taken as fresh, it would leave no keys
    // behind a fresh-looking cache, and every later revalidation would get 304 again.
    if (result.kind === 'not-modified' && !this.loaded) {
      this.failed(new JwksFetchError('304 Not Modified for keys dropped meanwhile; the whole set is fetched again'));
      return;
    }
    const now = this.clock.now();
    if (result.kind === 'keys') this.install(result);
    if (this.failures > 0) this.logger.log(`The JWK Set from ${this.where} is reachable again`);
    this.failures = 0;
    this.retryAt = 0;
    this.loaded = true;
    this.freshUntil = now + result.maxAgeMs;
    this.refreshAt = now + result.maxAgeMs * REFRESH_AHEAD;
    this.staleUntil = this.freshUntil + this.options.jwks.maxStaleMs;
  }

  private install({ keys, ignored, etag }: Extract<FetchResult, { kind: 'keys' }>): void {
    const fingerprints = new Map(keys.map((key) => [key.kid, key.fingerprint]));
    const removed = [...this.fingerprints].some(([kid, fingerprint]) => fingerprints.get(kid) !== fingerprint);
    const verifiers = new Map<string, AccessTokenKeyVerifier>();
    for (const key of keys) {
      const kept = this.fingerprints.get(key.kid) === key.fingerprint ? this.verifiers.get(key.kid) : undefined;
      verifiers.set(key.kid, kept ?? this.makeVerifier(key));
    }
    this.verifiers = verifiers;
    this.fingerprints = fingerprints;
    this.etag = etag;
    if (removed) this.onKeysRemoved();
    const ignoredText = ignored.join('; ');
    if (ignoredText !== '' && ignoredText !== this.lastIgnored) {
      this.logger.warn(`Keys of the JWK Set from ${this.where} ignored: ${ignoredText}`);
    }
    this.lastIgnored = ignoredText;
  }

  private failed(error: unknown): void {
    if (this.closing.signal.aborted) return;
    const now = this.clock.now();
    this.failures++;
    const wait = Math.min(FIRST_RETRY_MS * 2 ** Math.min(this.failures - 1, 30), this.options.jwks.unknownKidCooldownMs);
    this.retryAt = now + wait;
    const state = !this.loaded
      ? 'no keys yet: every token is refused'
      : now < this.freshUntil
        ? 'the cached keys are still fresh'
        : `using the cached keys, stale for ${Math.round((now - this.freshUntil) / 1000)} s (at most jwks.maxStale)`;
    this.logger.warn(
      `Could not fetch the JWK Set from ${this.where}: ${reasonOf(error)}; ${state}; next try in ${Math.ceil(wait / 1000)} s`,
    );
  }

  /**
   * One fetch, headers and body, cut by `jwks.timeout` or by {@link close}. The timer holds its own
   * controller: not `AbortSignal.any([closing, AbortSignal.timeout()])`, whose timeout signal Node 20
   * holds only weakly (nodejs/node#57736), so a garbage collection before it fired took it away and
   * an answer that never ended held the single flight, and every request waiting on it, forever.
   */
  private async fetchOnce(): Promise<FetchResult> {
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new DOMException('The JWK Set fetch timed out', 'TimeoutError')),
      this.options.jwks.timeoutMs,
    );
    timer.unref();
    const onClose = (): void => abort.abort(this.closing.signal.reason);
    this.closing.signal.addEventListener('abort', onClose, { once: true });
    if (this.closing.signal.aborted) onClose();
    try {
      return await this.fetchWithin(abort.signal);
    } finally {
      clearTimeout(timer);
      this.closing.signal.removeEventListener('abort', onClose);
    }
  }

  private async fetchWithin(signal: AbortSignal): Promise<FetchResult> {
    const { jwks } = this.options;
    const headers: Record<string, string> = { accept: 'application/jwk-set+json, application/json' };
    if (this.etag !== undefined && this.loaded) headers['if-none-match'] = this.etag;
    const response = await this.fetchImpl(this.options.jwksUri, { headers, redirect: 'error', signal });
    const maxAgeMs = this.maxAgeOf(response.headers);
    if (response.status === 304 && headers['if-none-match'] !== undefined) {
      await response.body?.cancel();
      return { kind: 'not-modified', maxAgeMs };
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new JwksFetchError(`HTTP ${response.status}`);
    }
    const text = await readBounded(response, jwks.maxResponseBytes);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw new JwksFetchError('the response is not JSON');
    }
    const list = typeof document === 'object' && document !== null ? (document as { keys?: unknown }).keys : undefined;
    if (!Array.isArray(list)) throw new JwksFetchError('the response is not a JWK Set');
    if (list.length > jwks.maxKeys) throw new JwksFetchError(`more than jwks.maxKeys (${jwks.maxKeys}) keys`);
    const ignored: string[] = [];
    const byKid = new Map<string, ImportedJwk | null>();
    for (const jwk of list) {
      const imported = importJwk(jwk, this.options.algorithms);
      if (typeof imported === 'string') ignored.push(imported);
      else if (byKid.has(imported.kid)) byKid.set(imported.kid, null);
      else byKid.set(imported.kid, imported);
    }
    const keys: ImportedJwk[] = [];
    for (const [kid, key] of byKid) {
      if (key === null) ignored.push(`${kid}: kid used by more than one key`);
      else keys.push(key);
    }
    if (keys.length === 0) throw new JwksFetchError(`no usable key${ignored.length > 0 ? ` (${ignored.join('; ')})` : ''}`);
    return { kind: 'keys', keys, ignored, etag: response.headers.get('etag') ?? undefined, maxAgeMs };
  }

  /** Freshness from `Cache-Control` (`max-age` less `Age`; `no-cache`/`no-store` mean none), clamped. */
  private maxAgeOf(headers: Headers): number {
    const { defaultCacheAgeMs, minCacheAgeMs, maxCacheAgeMs } = this.options.jwks;
    const seconds = cacheControlMaxAge(headers.get('cache-control'), headers.get('age'));
    const ms = seconds === undefined ? defaultCacheAgeMs : seconds * 1000;
    return Math.min(Math.max(ms, minCacheAgeMs), maxCacheAgeMs);
  }
}

/**
 * The freshness a `Cache-Control` header gives, in seconds (`max-age` less a numeric `Age`, at
 * least 0; 0 for `no-cache` or `no-store`), or `undefined` when it says nothing about it.
 */
export function cacheControlMaxAge(cacheControl: string | null, age: string | null = null): number | undefined {
  if (cacheControl === null) return undefined;
  let maxAge: number | undefined;
  for (const part of cacheControl.split(',')) {
    const directive = part.trim().toLowerCase();
    if (directive === 'no-cache' || directive === 'no-store') return 0;
    const match = /^max-age\s*=\s*"?(\d{1,10})"?$/.exec(directive);
    if (match) maxAge = Number(match[1]);
  }
  if (maxAge === undefined) return undefined;
  const ageSeconds = age !== null && /^\d{1,10}$/.test(age.trim()) ? Number(age.trim()) : 0;
  return Math.max(0, maxAge - ageSeconds);
}

/** A failed fetch, with a reason fit for a log line. */
class JwksFetchError extends Error {}

function reasonOf(error: unknown): string {
  if (error instanceof JwksFetchError) return error.message;
  // By name: the timeout's DOMException may come from another realm than this module's Error.
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return 'timed out';
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' ? `unreachable (${code})` : 'unreachable or redirected';
}

/** The body as text, refused (and the connection cut) past `max` bytes. */
async function readBounded(response: Response, max: number): Promise<string> {
  const length = response.headers.get('content-length');
  if (length !== null && Number(length) > max) {
    await response.body?.cancel();
    throw new JwksFetchError(`the response is larger than jwks.maxResponseBytes (${max})`);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new JwksFetchError(`the response is larger than jwks.maxResponseBytes (${max})`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
