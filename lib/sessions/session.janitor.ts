import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SESSION_STORE } from '../stores/store.tokens.js';
import type { SessionStore } from '../stores/session.store.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';

/** How often ended sessions are purged. */
const INTERVAL_MS = 60 * 60 * 1000;
/** Ended sessions are kept this long (reuse of their tokens is then answered as invalid, not reused). */
const RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Purges sessions that ended (expired or revoked) more than a day ago, once an hour, so no store
 * grows without bound. The timer is unref'd and stops on shutdown. With several instances each one
 * purges; `deleteExpired` is idempotent.
 */
@Injectable()
export class SessionJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private readonly logger = new Logger('nest-gatekeeper');

  constructor(
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
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
