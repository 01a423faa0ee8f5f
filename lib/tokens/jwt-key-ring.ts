import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AuthConfigError } from '../errors/auth-config.error.js';
import { assertImplements } from '../stores/assert-implements.js';
import type { JwtKeyStatus, KeyProvider } from '../options/auth-module-options.interface.js';
import { Problems } from '../options/option-checks.js';
import { derivedKid, resolveJwtKeySet } from '../options/resolve-keys.js';
import type { ResolvedAuthOptions, ResolvedJwtKey } from '../options/resolved-auth-options.js';
import type { Clock } from '../util/clock.js';

/** The keys in use at one moment. A new object (with a new `generation`) whenever they change. */
export interface JwtKeyState {
  /** Increases with every change: whatever was built from an older state (signers, caches) is stale. */
  readonly generation: number;
  /** The key that signs. */
  readonly active: ResolvedJwtKey;
  /** Every key that verifies (the active one included), each with its current status, in configuration order. */
  readonly keys: readonly ResolvedJwtKey[];
}

/** A key's public description (no key material). */
export interface JwtKeyInfo {
  kid: string;
  algorithm: ResolvedJwtKey['algorithm'];
  status: JwtKeyStatus;
  /** When it starts signing (scheduled sets), else `null`. */
  activateAt: Date | null;
}

/** What a {@link JwtKeyRing.reload} did. */
export interface KeyReloadResult {
  /** The loaded set differs from the one in use, and replaced it. */
  changed: boolean;
}

/**
 * The JWT keys in use: the configured `jwt.keys` (or single key), or what the `jwt.keyProvider`
 * loads, reloaded every `jwt.keyReloadInterval` and on {@link reload}. A scheduled set (every key with
 * `activateAt`) gets its statuses from the clock: the key with the latest `activateAt` in the past
 * signs, later ones are standby, earlier ones are retired and verify until `jwt.maxAccessTokenTtl`
 * (+ clock tolerance) after their successor took over, then drop out.
 *
 * Token services read {@link current} on every call and rebuild their signers and verifiers when
 * its `generation` changes. For a fixed, unscheduled set that is one property read and one
 * comparison; with a schedule, one clock read more.
 *
 * Inject it to reload the keys at once (after writing a new key to the provider's source) or to see
 * which keys are in use.
 */
export class JwtKeyRing implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('nest-gatekeeper');
  private configured: readonly ResolvedJwtKey[];
  private fingerprint: string;
  private state: JwtKeyState;
  private nextChangeAt = Infinity;
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<KeyReloadResult> | undefined;

  private constructor(
    keys: readonly ResolvedJwtKey[],
    private readonly clock: Clock,
    private readonly retainMs: number,
    private readonly provider: KeyProvider | null,
    private readonly reloadIntervalMs: number,
    private readonly loadTimeoutMs: number,
  ) {
    this.configured = keys;
    this.fingerprint = fingerprintOf(keys);
    const state = this.compute(keys, clock.now());
    if (state === undefined) throw new AuthConfigError([noActiveKey(keys)]);
    this.state = state;
  }

  /**
   * The ring of a module: from `options.jwt.keys`, or from the provider (loaded once here; the module
   * does not start without a valid set).
   */
  static async create(options: ResolvedAuthOptions, clock: Clock, provider: KeyProvider | null): Promise<JwtKeyRing> {
    if (provider === null) return JwtKeyRing.fixed(options, clock);
    let loaded: unknown;
    try {
      loaded = await withTimeout(provider.loadKeys(), loadTimeoutMs(options));
    } catch (error) {
      throw new AuthConfigError([`jwt.keyProvider: loadKeys() failed at start-up (${reason(error)})`]);
    }
    return new JwtKeyRing(checked(loaded), clock, retainMs(options), provider, options.jwt.keyReloadIntervalMs, loadTimeoutMs(options));
  }

  /** The ring of the configured keys (`options.jwt.keys`, no provider). */
  static fixed(options: ResolvedAuthOptions, clock: Clock): JwtKeyRing {
    return new JwtKeyRing(options.jwt.keys, clock, retainMs(options), null, options.jwt.keyReloadIntervalMs, loadTimeoutMs(options));
  }

  /** The keys in use now. */
  current(): JwtKeyState {
    if (this.nextChangeAt !== Infinity && this.clock.now() >= this.nextChangeAt) this.advance();
    return this.state;
  }

  /** The `kid` of the key that signs now. */
  activeKid(): string {
    return this.current().active.kid;
  }

  /** The keys that verify now, with their statuses (no key material). */
  describe(): JwtKeyInfo[] {
    return this.current().keys.map((key) => ({
      kid: key.kid,
      algorithm: key.algorithm,
      status: key.status,
      activateAt: key.activateAt === null ? null : new Date(key.activateAt),
    }));
  }

  /**
   * Asks the `keyProvider` for the keys again (one load at a time: concurrent calls share it). A set
   * that fails the checks, a rejection or a timeout rejects with the reason (never key material) and
   * keeps the keys in use. Without a provider, resolves `{ changed: false }`.
   */
  reload(): Promise<KeyReloadResult> {
    if (this.provider === null) return Promise.resolve({ changed: false });
    this.inFlight ??= this.load(this.provider).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  onModuleInit(): void {
    if (this.provider === null) return;
    this.timer = setInterval(() => {
      this.reload().catch((error: unknown) => this.logger.warn(`JWT key reload failed; the keys in use are kept: ${reason(error)}`));
    }, this.reloadIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private async load(provider: KeyProvider): Promise<KeyReloadResult> {
    const keys = checked(await withTimeout(provider.loadKeys(), this.loadTimeoutMs));
    const fingerprint = fingerprintOf(keys);
    if (fingerprint === this.fingerprint) return { changed: false };
    const state = this.compute(keys, this.clock.now());
    if (state === undefined) throw new AuthConfigError([noActiveKey(keys)]);
    this.configured = keys;
    this.fingerprint = fingerprint;
    this.state = state;
    this.logger.log(`JWT keys reloaded: ${state.keys.map((key) => `${key.kid} (${key.status})`).join(', ')}`);
    return { changed: true };
  }

  /** A scheduled transition is due: recompute (the set cannot lose its active key as time moves on). */
  private advance(): void {
    const state = this.compute(this.configured, this.clock.now());
    if (state !== undefined) this.state = state;
  }

  /** The state of `keys` at `now`, or `undefined` when no key signs (a schedule whose first key is still ahead). */
  private compute(keys: readonly ResolvedJwtKey[], now: number): JwtKeyState | undefined {
    const scheduled = keys.length > 0 && keys.every((key) => key.activateAt !== null);
    if (!scheduled) {
      const active = keys.find((key) => key.status === 'active');
      if (active === undefined) return undefined;
      this.nextChangeAt = Infinity;
      return { generation: ++this.generation, active, keys };
    }
    const byTime = [...keys].sort((a, b) => (a.activateAt as number) - (b.activateAt as number));
    const current = byTime.findLastIndex((key) => (key.activateAt as number) <= now);
    if (current < 0) return undefined;
    let next = Infinity;
    const status = new Map<string, JwtKeyStatus | null>();
    byTime.forEach((key, i) => {
      if (i === current) status.set(key.kid, 'active');
      else if (i > current) {
        status.set(key.kid, 'standby');
        next = Math.min(next, key.activateAt as number);
      } else {
        // Retired when its successor took over; verifies until the last token it signed has expired.
        const dropAt = (byTime[i + 1].activateAt as number) + this.retainMs;
        status.set(key.kid, dropAt > now ? 'retired' : null);
        if (dropAt > now) next = Math.min(next, dropAt);
      }
    });
    this.nextChangeAt = next;
    const live = keys.flatMap((key) => {
      const s = status.get(key.kid);
      return s === null || s === undefined ? [] : [{ ...key, status: s }];
    });
    return { generation: ++this.generation, active: live.find((key) => key.status === 'active') as ResolvedJwtKey, keys: live };
  }
}

/** How long a retired key of a schedule verifies after its successor took over: the longest token it signed, plus clock tolerance. */
function retainMs(options: ResolvedAuthOptions): number {
  return (Math.max(options.jwt.maxAccessTokenTtlSeconds, options.mfa.pendingTtlSeconds) + options.jwt.clockToleranceSeconds) * 1000;
}

/** How long `loadKeys()` may take: the store timeout (10 s when that is off). */
function loadTimeoutMs(options: ResolvedAuthOptions): number {
  return options.storeTimeoutMs ?? 10_000;
}

/** A loaded set, checked like `jwt.keys` (an {@link AuthConfigError} listing every problem). */
function checked(loaded: unknown): ResolvedJwtKey[] {
  const problems = new Problems();
  const keys = resolveJwtKeySet(problems, loaded, 'jwt.keyProvider');
  if (problems.list.length > 0) throw new AuthConfigError(problems.list);
  return keys;
}

function noActiveKey(keys: readonly ResolvedJwtKey[]): string {
  const first = Math.min(...keys.map((key) => key.activateAt ?? Infinity));
  return `jwt.keys: no key signs yet: the earliest activateAt is ${Number.isFinite(first) ? new Date(first).toISOString() : 'missing'}`;
}

/** What identifies a set: each key's kid, algorithm, status, schedule and key (by its derived kid, never the material). */
function fingerprintOf(keys: readonly ResolvedJwtKey[]): string {
  return JSON.stringify(
    keys.map((key) => [key.kid, key.algorithm, key.status, key.activateAt, derivedKid(key.verificationKey), key.signingKey !== null]),
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An error's name and, for our own configuration errors, their problems (which never hold key material). */
function reason(error: unknown): string {
  if (error instanceof AuthConfigError) return error.problems.join('; ');
  return error instanceof Error ? error.name + (error.message.startsWith('no answer within') ? `: ${error.message}` : '') : 'unknown error';
}

/** Checks a configured `jwt.keyProvider` at start-up (it has `loadKeys()`). */
export function assertKeyProvider(value: unknown): KeyProvider {
  return assertImplements<KeyProvider>('jwt.keyProvider', 'KeyProvider', value, { loadKeys: 1 });
}
