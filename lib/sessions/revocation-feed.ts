import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { SESSION_STORE, type SessionRevocation, type SessionStore } from '../stores/session.store.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { RevocationList } from './revocation-list.js';

/** Rows read per `listRevokedSince` call when loading a window. */
const PAGE = 10_000;
/**
 * How far back each poll reaches before the previous poll's start: revocations stamped by an instance
 * whose clock lags this one's (up to this much), or committed late (a slow transaction, up to the
 * store timeout), are still seen. Duplicates cost nothing (the first `revokedAt` wins).
 */
const POLL_OVERLAP_MS = 10_000;

/**
 * The revocation feed: keeps this instance's {@link RevocationList} current, so that
 * `AccessTokenGuard` refuses the access tokens of sessions revoked anywhere, within about a second,
 * without a store read per request.
 *
 * - **Start-up** (module init): subscribes to the store's {@link SessionStore.watchRevocations} when
 *   it has one, then loads the revocations of the last window with
 *   {@link SessionStore.listRevokedSince} (a restarted instance does not forget a logout).
 * - **Watching stores** (memory, Redis): revocations arrive pushed; after a reconnection the whole
 *   window is read again.
 * - **Polling stores** (SQL): every `revocation.pollInterval`, the revocations since the previous
 *   poll's start minus an overlap (10 s + clock tolerance).
 * - **This instance's own revocations** are recorded at once by `SessionService`, whatever the store.
 * - A failing store read is logged and retried at the next tick; the window read at start-up is
 *   retried until it succeeds.
 * - Stops (timer cleared, subscription closed) on application shutdown. The timer is unref'd.
 *
 * A store with neither method cannot feed it: a start-up warning says that revocation then reaches
 * host routes only at token expiry (or on every request with `sessionCheck`).
 */
@Injectable()
export class RevocationFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('nest-gatekeeper');
  /** `undefined` when the feed is off or the store cannot feed it. */
  private list: RevocationList | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private mode: 'off' | 'watch' | 'poll' = 'off';
  /** The window must be (re)read: at start-up until it succeeds, and after a watch reconnected. */
  private needsFullLoad = true;
  /** The window was read once: until then the list cannot vouch for any token (fail safe). */
  private loadedOnce = false;
  /** Where the next poll starts (epoch ms). */
  private pollFrom = 0;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failing = false;
  private warnedAtCap = false;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  /** Whether the session was revoked within the last access-token lifetime (hot path: one map lookup). */
  isRevoked(sessionId: string): boolean {
    return this.list !== undefined && this.list.has(sessionId);
  }

  /**
   * Whether the list cannot vouch for an access token expiring at `expiresAtSeconds` — the window
   * could not be read yet since start-up (the store was down), or entries were evicted at
   * `revocation.maxEntries` — so that the guard reads the store for it.
   */
  needsStoreCheck(expiresAtSeconds: number): boolean {
    return this.list !== undefined && (!this.loadedOnce || this.list.needsStoreCheck(expiresAtSeconds));
  }

  /** Records a revocation made by this instance (at once, before any feed delivers it). */
  record(sessionId: string, revokedAt: number): void {
    this.add(sessionId, revokedAt);
  }

  /** `'watch'`, `'poll'` or `'off'` (feed disabled, or a store that cannot feed it). */
  get feedMode(): 'off' | 'watch' | 'poll' {
    return this.mode;
  }

  /** How many revocations this instance holds. */
  get size(): number {
    return this.list?.size ?? 0;
  }

  async onModuleInit(): Promise<void> {
    const { revocation, jwt } = this.options;
    if (!revocation.enabled) return;
    const canList = typeof this.store.listRevokedSince === 'function';
    const canWatch = canList && typeof this.store.watchRevocations === 'function';
    if (!canList) {
      this.logger.warn(
        'The session store offers neither listRevokedSince nor watchRevocations: a revoked session’s access tokens ' +
          'keep opening host routes until they expire (at most jwt.maxAccessTokenTtl). Implement them, or set ' +
          'sessionCheck: true (one store read per request).',
      );
      return;
    }
    this.list = new RevocationList((jwt.maxAccessTokenTtlSeconds + jwt.clockToleranceSeconds) * 1000, revocation.maxEntries);
    this.mode = canWatch ? 'watch' : 'poll';
    if (canWatch) {
      try {
        this.unsubscribe = await this.store.watchRevocations?.({
          revoked: (revocations) => this.addAll(revocations),
          resync: () => {
            this.needsFullLoad = true;
            void this.tick();
          },
        });
      } catch (error) {
        // Not subscribed: poll instead (and try nothing fancier); the store is probably down.
        this.mode = 'poll';
        this.warn('Subscribing to revocations failed; polling instead', error);
      }
    }
    await this.tick();
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.().catch(() => undefined);
  }

  /** One pass: the full window when due, else (polling stores) what is new; then pruning. Never rejects. */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const list = this.list;
    if (!list || this.stopped) return;
    const startedAt = this.clock.now();
    try {
      if (this.needsFullLoad) {
        this.needsFullLoad = false;
        try {
          await this.load(startedAt - list.windowMs);
          this.loadedOnce = true;
        } catch (error) {
          this.needsFullLoad = true;
          throw error;
        }
        this.pollFrom = startedAt - this.overlapMs();
      } else if (this.mode === 'poll') {
        await this.load(this.pollFrom);
        this.pollFrom = startedAt - this.overlapMs();
      }
      if (this.failing) this.logger.log('Revocation feed: the session store answers again.');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.warn('Revocation feed: reading the session store failed (retrying)', error);
      this.failing = true;
    }
    list.prune(this.clock.now());
  }

  /** Reads every revocation since `since`, page by page. */
  private async load(since: number): Promise<void> {
    const list = this.store.listRevokedSince?.bind(this.store);
    if (!list) return;
    for (let from = since; ;) {
      const page = await list(from, PAGE);
      this.addAll(page);
      if (page.length < PAGE) return;
      const last = page[page.length - 1].revokedAt;
      // A full page of one instant cannot advance by time: step past it (only with > PAGE revocations
      // in one millisecond, whose rest then arrives through this instance's own poll overlap or not at all).
      from = last > from ? last : from + 1;
    }
  }

  private addAll(revocations: readonly SessionRevocation[]): void {
    for (const r of revocations) this.add(r.id, r.revokedAt);
  }

  private add(sessionId: string, revokedAt: number): void {
    const list = this.list;
    if (!list) return;
    list.add(sessionId, revokedAt, this.clock.now());
    if (list.evicted > 0 && !this.warnedAtCap) {
      this.warnedAtCap = true;
      this.logger.error(
        `Revocation feed: more than revocation.maxEntries (${list.maxEntries}) revoked sessions within one access-token ` +
          'lifetime; the oldest are dropped and the guard reads the session store for the access tokens that could belong to them.',
      );
    }
  }

  private overlapMs(): number {
    return POLL_OVERLAP_MS + this.options.jwt.clockToleranceSeconds * 1000;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().then(() => this.schedule());
    }, this.options.revocation.pollIntervalMs);
    this.timer.unref();
  }

  private warn(message: string, error: unknown): void {
    this.logger.warn(`${message}: ${error instanceof Error ? error.name : 'error'}`);
  }
}
