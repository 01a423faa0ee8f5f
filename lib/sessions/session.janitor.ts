import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ACCOUNT_TOKEN_STORE, type AccountTokenStore } from '../stores/account-token.store.js';
import { MFA_CHALLENGE_STORE, type MfaChallengeStore } from '../stores/mfa-challenge.store.js';
import { RATE_LIMIT_STORE, type RateLimitStore } from '../stores/rate-limit.store.js';
import { SESSION_STORE, type SessionStore } from '../stores/session.store.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { ActivityFeed } from '../events/activity-feed.js';

/** How often ended sessions and MFA state are purged. */
const INTERVAL_MS = 60 * 60 * 1000;
/** How often expired attempt counters are purged (there are many: several per login attempt). */
export const COUNTER_INTERVAL_MS = 5 * 60 * 1000;
/** Ended sessions are kept this long (reuse of their tokens is then answered as invalid, not reused). */
const RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Housekeeping, so no store grows without bound: once an hour it purges sessions that ended (expired
 * or revoked) more than a day ago, activity entries older than `activity.retention` and, where the MFA
 * challenge and account token stores offer `deleteExpired`, expired MFA codes, pending marks, trusted
 * devices and account tokens; every 5 minutes, expired attempt counters (the SQL stores;
 * memory and Redis expire their own). The timers are unref'd and stop on shutdown. With several
 * instances each one purges; every `deleteExpired` is idempotent.
 */
@Injectable()
export class SessionJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private counterTimer: NodeJS.Timeout | undefined;
  private readonly logger = new Logger('nest-gatekeeper');

  constructor(
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    @Inject(MFA_CHALLENGE_STORE) private readonly mfaStore: MfaChallengeStore,
    @Inject(RATE_LIMIT_STORE) private readonly counters: RateLimitStore,
    @Inject(ACCOUNT_TOKEN_STORE) private readonly accountTokens: AccountTokenStore,
    private readonly activity: ActivityFeed,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purgeAll(), INTERVAL_MS);
    this.timer.unref();
    if (typeof this.counters.deleteExpired === 'function') {
      this.counterTimer = setInterval(() => void this.purgeCounters(), COUNTER_INTERVAL_MS);
      this.counterTimer.unref();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    clearInterval(this.counterTimer);
  }

  /** Deletes the expired attempt counters (stores with `deleteExpired`). Never rejects. */
  async purgeCounters(): Promise<void> {
    try {
      await this.counters.deleteExpired?.(this.clock.now());
    } catch (error) {
      this.logger.warn(`Counter purge failed: ${error instanceof Error ? error.name : 'error'}`);
    }
  }

  /** One housekeeping pass: sessions, then MFA state and counters. Never rejects. */
  async purgeAll(): Promise<void> {
    await this.purge();
    const now = this.clock.now();
    for (const [what, work] of [
      ['MFA', () => this.mfaStore.deleteExpired?.(now)],
      ['Account token', () => this.accountTokens.deleteExpired?.(now)],
      ['Counter', () => this.counters.deleteExpired?.(now)],
      ['Activity', () => this.activity.purge(now)],
    ] as const) {
      try {
        await work();
      } catch (error) {
        this.logger.warn(`${what} purge failed: ${error instanceof Error ? error.name : 'error'}`);
      }
    }
  }

  /** Deletes sessions that ended before the retention window; resolves how many. Never rejects. */
  async purge(): Promise<number> {
    try {
      return await this.store.deleteExpired(this.clock.now() - RETENTION_MS);
    } catch (error) {
      this.logger.warn(`Session purge failed: ${error instanceof Error ? error.name : 'error'}`);
      return 0;
    }
  }
}
