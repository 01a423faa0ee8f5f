import { Inject } from '@nestjs/common';
import type { AuthEvent, AuthEventType } from '../events/auth-event.js';
import { assertImplements, type MethodList } from './assert-implements.js';

/** One entry of a user's activity feed, as an {@link ActivityStore} keeps it. */
export interface StoredActivity {
  /** The event's id (unique; the tiebreak of entries with the same `at`). */
  id: string;
  type: AuthEventType;
  /** Epoch milliseconds. */
  at: number;
  userId: string;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** Where a page of the feed starts: strictly older than this entry (by `at`, then `id`). */
export interface ActivityCursor {
  at: number;
  id: string;
}

/**
 * Where the per-user activity feed lives (`GET /auth/activity`, CONTRACT §10): the security events
 * of each account, newest first. It is fed off the request path, like an event sink, with the events
 * that concern a known account (`userId` set) and whose type is in `activity.types`.
 *
 * Bounded: an adapter keeps at most `maxPerUser` entries per account (the oldest go first) and
 * `deleteOlderThan` removes what the retention (`activity.retention`) no longer covers; the module's
 * janitor calls it. Stores never throw HTTP errors; an unreachable backend rejects with
 * `StoreUnavailableError`. Implementations must pass the activity-store contract suite
 * (`runActivityStoreContract` from `nest-gatekeeper/testing`).
 */
export interface ActivityStore {
  /** Keeps these events (each has a `userId`), oldest first. Idempotent per event `id`. */
  record(events: readonly AuthEvent[]): Promise<void>;
  /**
   * The user's entries, newest first (by `at`, then `id`, both descending), strictly older than
   * `before` when given, at most `limit`.
   */
  listByUser(userId: string, limit: number, before?: ActivityCursor): Promise<StoredActivity[]>;
  /** Deletes the entries older than `before` (epoch ms); resolves how many (at most `limit` per call when given). */
  deleteOlderThan(before: number, limit?: number): Promise<number>;
  /** Deletes every entry of the user (account deletion). */
  deleteForUser(userId: string): Promise<void>;
}

const ACTIVITY_STORE_METHODS = {
  record: 1,
  listByUser: 1,
  deleteOlderThan: 1,
  deleteForUser: 1,
} satisfies MethodList<ActivityStore>;

/** Checks at start-up that `store` has every {@link ActivityStore} method. */
export function assertActivityStore(store: unknown): ActivityStore {
  return assertImplements<ActivityStore>('activityStore', 'ActivityStore', store, ACTIVITY_STORE_METHODS);
}

/** The entry an event becomes in the feed (fields the feed shows, nothing else). */
export function toStoredActivity(event: AuthEvent & { userId: string }): StoredActivity {
  return {
    id: event.id,
    type: event.type,
    at: Date.parse(event.at),
    userId: event.userId,
    sessionId: event.sessionId,
    ip: event.ip,
    userAgent: event.userAgent,
  };
}

/** Injection token of the {@link ActivityStore} (option `activityStore`). */
export const ACTIVITY_STORE = Symbol('nest-gatekeeper:ActivityStore');

/** Injects the configured {@link ActivityStore}. */
export const InjectActivityStore = (): PropertyDecorator & ParameterDecorator => Inject(ACTIVITY_STORE);
