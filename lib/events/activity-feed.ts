import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { ACTIVITY_STORE, type ActivityCursor, type ActivityStore } from '../stores/activity.store.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import { ACTIVITY_MAX_PAGE, type AuthEvent, type AuthEventType } from './auth-event.js';
import type { AuthEventSink } from './auth-event.sink.js';
import { AuthEvents } from './auth-events.js';

/** One entry of `GET /auth/activity` (CONTRACT §10). */
export interface ActivityView {
  type: AuthEventType;
  /** ISO 8601. */
  at: string;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
  /** Whether it happened in (or to) the caller's own session. */
  current: boolean;
}

/** A page of the feed and the cursor of the next one (`undefined`: no more). */
export interface ActivityPage {
  entries: ActivityView[];
  next?: string;
}

/** How long reading the feed waits for this instance's queued events to reach the store. */
const SETTLE_MS = 1_000;

/** Failure events (which anyone can cause for any account) kept per account and hour in the feed. */
export const FEED_FAILURES_PER_HOUR = 20;
const HOUR_MS = 3_600_000;
/** Accounts whose hourly failure count an instance keeps (the oldest window is forgotten first). */
const FAILURE_WINDOWS_MAX = 10_000;
/** The types a stranger can make happen to an account by trying to sign in. */
const FAILURE_TYPES: ReadonlySet<AuthEventType> = new Set<AuthEventType>(['login.failed', 'login.locked', 'mfa.failed', 'mfa.locked']);

/**
 * The per-user activity feed: feeds the {@link ActivityStore} from the events (a sink of its own,
 * off the request path) and reads a user's page back. Reading first waits (at most a second) until
 * this instance's queued events have reached the store, so a user sees what they just did.
 */
@Injectable()
export class ActivityFeed {
  /** The sink that records into the store (registered with the others at start-up). */
  readonly sink: AuthEventSink | null;
  /** Per account: the start of its current hour window and the failures recorded in it. */
  private readonly failures = new Map<string, { since: number; count: number }>();

  constructor(
    @Inject(ACTIVITY_STORE) private readonly store: ActivityStore | null,
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly events: AuthEvents,
  ) {
    const active = store;
    this.sink =
      active === null
        ? null
        : {
            name: 'activity',
            types: options.activity.types,
            handle: (batch: readonly AuthEvent[]) => active.record(batch.filter((event) => this.keeps(event))),
          };
  }

  /** Whether the feed is on (`activityStore` not `false`). */
  get enabled(): boolean {
    return this.store !== null;
  }

  /**
   * The caller's entries, newest first: `limit` of them (default `activity.pageSize`, at most 100)
   * older than `cursor` (from a previous page's `next`). `VALIDATION_FAILED` for a bad `limit` or
   * `before`; `NOT_FOUND` when the feed is off.
   */
  async list(principal: AuthPrincipal, limit?: string, cursor?: string): Promise<ActivityPage> {
    const store = this.requireStore();
    const size = pageSize(limit, this.options.activity.pageSize);
    const before = cursor === undefined ? undefined : decodeCursor(cursor);
    if (this.sink !== null) await this.events.flushSink(this.sink, SETTLE_MS);
    const rows = await store.listByUser(principal.id, size + 1, before);
    const page = rows.slice(0, size);
    const last = page[page.length - 1];
    return {
      entries: page.map((row) => ({
        type: row.type,
        at: new Date(row.at).toISOString(),
        ip: row.ip,
        userAgent: row.userAgent,
        sessionId: row.sessionId,
        current: row.sessionId !== null && row.sessionId === principal.sessionId,
      })),
      next: rows.length > size && last !== undefined ? encodeCursor({ at: last.at, id: last.id }) : undefined,
    };
  }

  /** Deletes the user's entries (account deletion), after what this instance still had queued for them. */
  async forgetUser(userId: string): Promise<void> {
    if (this.store === null) return;
    if (this.sink !== null) await this.events.flushSink(this.sink, SETTLE_MS);
    await this.store.deleteForUser(userId);
  }

  /** Deletes entries older than the retention (the janitor's call); resolves how many. */
  async purge(now: number, limit?: number): Promise<number> {
    if (this.store === null) return 0;
    return this.store.deleteOlderThan(now - this.options.activity.retentionMs, limit);
  }

  /**
   * Whether the feed records `event`: it must concern a known account, and failures (which a stranger
   * can cause at will by trying to sign in) are kept up to {@link FEED_FAILURES_PER_HOUR} per account
   * and hour (per instance), so that guessing cannot push the owner's own entries out of the feed.
   * Sinks and logs still get every event.
   */
  private keeps(event: AuthEvent): boolean {
    if (event.userId === null) return false;
    if (!FAILURE_TYPES.has(event.type)) return true;
    const at = Date.parse(event.at);
    let window = this.failures.get(event.userId);
    if (window === undefined || at - window.since >= HOUR_MS || at < window.since) {
      this.failures.delete(event.userId);
      if (this.failures.size >= FAILURE_WINDOWS_MAX) {
        const oldest = this.failures.keys().next();
        if (oldest.done !== true) this.failures.delete(oldest.value);
      }
      window = { since: at, count: 0 };
      this.failures.set(event.userId, window);
    }
    window.count++;
    return window.count <= FEED_FAILURES_PER_HOUR;
  }

  private requireStore(): ActivityStore {
    if (this.store === null) throw new AuthException('NOT_FOUND');
    return this.store;
  }
}

function pageSize(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^[0-9]{1,3}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > ACTIVITY_MAX_PAGE) {
    throw new AuthException('VALIDATION_FAILED', {
      errors: [{ field: 'limit', message: `must be an integer from 1 to ${ACTIVITY_MAX_PAGE}` }],
    });
  }
  return n;
}

/** `<at in base 36>.<id>`: opaque to clients, checked strictly here. */
function encodeCursor(cursor: ActivityCursor): string {
  return `${cursor.at.toString(36)}.${cursor.id}`;
}

function decodeCursor(value: string): ActivityCursor {
  const match = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{1,64})$/.exec(value);
  const at = match === null ? NaN : parseInt(match[1], 36);
  if (match === null || !Number.isSafeInteger(at)) {
    throw new AuthException('VALIDATION_FAILED', {
      errors: [{ field: 'before', message: 'must be the `next` cursor of a previous page' }],
    });
  }
  return { at, id: match[2] };
}
