import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { constantTimeEqual } from '../crypto/secrets.js';
import { open, seal } from '../crypto/sealed-box.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { SESSION_STORE, type SessionStore, type StoredSession } from '../stores/session.store.js';
import type { AuthUser } from '../stores/user.store.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import { hashRefreshToken, newSessionId, RefreshTokens, refreshTokenSessionId } from '../tokens/refresh-token.js';
import type { IssuedTokens } from '../transport/token-transport.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { RevocationFeed } from './revocation-feed.js';
import { AuthEvents } from '../events/auth-events.js';
import type { ClientContext } from '../transport/client-address.js';
import { KnownSessions } from './known-sessions.js';
import { isSessionLive } from './session-liveness.js';

/** Where a request came from: shown in the session list, carried by the security events. */
export type SessionContext = ClientContext;

/** A session as `GET /sessions` lists it. */
export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

/** The result of a refresh: the new pair and the session's user. */
export interface RefreshOutcome {
  tokens: IssuedTokens;
  user: AuthUser;
}

/**
 * Sessions and refresh-token families: start, rotate (with reuse detection and a grace window for
 * concurrent tabs), list and revoke.
 *
 * Rotation: the presented token's hash must equal the session's current hash, and the store swaps it
 * in one atomic operation. The successor pair is sealed under a key derived from the presented token
 * and kept with the session, so a second presentation within `reuseGraceSeconds` (another tab, a
 * retried request) returns the very same pair.
 *
 * One store call per refresh: a session this instance started, read or rotated is remembered
 * ({@link KnownSessions}: its user and expiries, nothing secret), so its next refresh loads the user,
 * issues the pair and lets the store's atomic `rotate` alone check the token and the revocation.
 * Only when `rotate` refuses (or the session is unknown here) is the session read first.
 *
 * Lost replies: while a rotated token is still the session's *previous* one, no rotation happened
 * since, so its successor was never presented (the next rotation, which only the successor can make,
 * moves `previousTokenHash` on). Such an orphaned successor is handed out again, with a fresh access
 * token, for `orphanGraceSeconds` after the rotation: a client whose reply was lost (crash, freeze,
 * network cut) retries with its last acknowledged token and gets the pair the server committed,
 * instead of being logged out as a thief (SuperTokens' rule: the parent stays valid until the child
 * is first used, here bounded in time). Later, or once the successor was used, or for any older
 * token, presenting a rotated token revokes the whole session (`REFRESH_TOKEN_REUSED`).
 *
 * Older generations are recognised without any stored history: refresh tokens carry a MAC over their
 * session id and random part ({@link RefreshTokens}), so a token that is neither the current nor the
 * previous one but whose MAC verifies was issued for this session earlier → reuse. A token whose MAC
 * does not verify is `REFRESH_TOKEN_INVALID` and leaves the session alone.
 */
@Injectable()
export class SessionService {
  private readonly refreshTokens: RefreshTokens;
  private readonly known = new KnownSessions();

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(SESSION_STORE) private readonly store: SessionStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    private readonly accessTokens: AccessTokenService,
    private readonly revocations: RevocationFeed,
    private readonly events: AuthEvents,
  ) {
    this.refreshTokens = new RefreshTokens(options.secretKeys);
  }

  /** Starts a session for the user and issues its first token pair. */
  async start(user: AuthUser, context: SessionContext, accessTtlSeconds?: number): Promise<IssuedTokens> {
    const now = this.clock.now();
    const id = newSessionId();
    const refreshToken = this.refreshTokens.issue(id);
    const absoluteExpiresAt = now + this.options.refreshToken.absoluteTtlMs;
    const session: StoredSession = {
      id,
      userId: user.id,
      refreshTokenHash: hashRefreshToken(refreshToken),
      previousTokenHash: null,
      previousSuccessor: null,
      rotatedAt: null,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: Math.min(now + this.options.refreshToken.ttlMs, absoluteExpiresAt),
      absoluteExpiresAt,
      revokedAt: null,
      userAgent: context.userAgent?.slice(0, 256) ?? null,
      ip: context.ip?.slice(0, 64) ?? null,
    };
    await this.store.create(session);
    this.known.remember(session);
    const cap = this.options.refreshToken.maxSessionsPerUser;
    if (cap !== null) await this.enforceCap(user.id, cap, now, context);
    return this.issue(user, session, refreshToken, accessTtlSeconds, now);
  }

  /**
   * `refreshToken.maxSessionsPerUser`: revokes the user's live sessions beyond the newest `cap`, newest
   * by creation time, then by id (a total order every instance computes alike). Run after each
   * creation, this converges under concurrent logins: a session among the newest `cap` of all is among
   * the newest `cap` of any subset a login sees, so no login revokes it, and the login whose creation
   * came last sees every session and revokes the rest.
   */
  private async enforceCap(userId: string, cap: number, now: number, context: SessionContext): Promise<void> {
    const live = await this.store.listActiveByUser(userId, now);
    if (live.length <= cap) return;
    live.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    for (const old of live.slice(cap)) {
      await this.revokeAt(old.id, now);
      this.events.emit('session.revoked', { userId, sessionId: old.id, reason: 'session_cap', context });
    }
  }

  /**
   * Rotates a refresh token. `loadUser` is asked for the session's user (it must exist and be enabled,
   * else `TOKEN_USER_INVALID`). Throws `REFRESH_TOKEN_INVALID` or `REFRESH_TOKEN_REUSED`.
   */
  async refresh(
    token: string,
    loadUser: (userId: string) => Promise<AuthUser | null>,
    accessTtlSeconds?: number,
    context: SessionContext = {},
  ): Promise<RefreshOutcome> {
    const sessionId = refreshTokenSessionId(token);
    if (!sessionId) throw new AuthException('REFRESH_TOKEN_INVALID');
    const hash = hashRefreshToken(token);

    // A session this instance has seen: no store read, `rotate` alone decides (see KnownSessions).
    const known = this.known.live(sessionId, this.clock.now());
    if (known !== undefined) {
      const user = await loadUser(known.userId);
      const outcome =
        user && !user.disabled ? await this.rotateTo({ id: sessionId, ...known }, user, token, hash, accessTtlSeconds, context) : undefined;
      if (outcome) return outcome;
      // Not current any more, revoked, or the user cannot refresh: the full way decides what to answer.
    }

    let session = await this.liveSession(sessionId);
    if (constantTimeEqual(hash, session.refreshTokenHash)) {
      const user = await this.activeUser(session, loadUser, context);
      const outcome = await this.rotateTo(session, user, token, hash, accessTtlSeconds, context);
      if (outcome) return outcome;
      // Another request rotated this token first: fall through to the grace path.
      session = await this.liveSession(sessionId);
    }

    if (session.previousTokenHash !== null && constantTimeEqual(hash, session.previousTokenHash)) {
      // Still the previous token: no rotation happened since, so its successor was never presented.
      const now = this.clock.now();
      const { reuseGraceMs, orphanGraceMs } = this.options.refreshToken;
      const age = session.rotatedAt === null ? Infinity : now - session.rotatedAt;
      const sealed =
        age <= Math.max(reuseGraceMs, orphanGraceMs) && session.previousSuccessor ? open(token, session.previousSuccessor) : undefined;
      if (sealed !== undefined) {
        const user = await this.activeUser(session, loadUser, context);
        const tokens = JSON.parse(sealed) as IssuedTokens;
        const reason = age <= reuseGraceMs ? 'concurrent' : 'lost_reply';
        this.events.emit('refresh.grace_replay', { userId: session.userId, sessionId, reason, context });
        if (age <= reuseGraceMs) return { tokens, user };
        // A lost reply retried later: the same refresh token, a fresh access token (the sealed one may be
        // about to expire) and the session's real remaining lifetime.
        return { tokens: this.reissue(user, session, tokens.refreshToken, accessTtlSeconds, now), user };
      }
      return this.reuseDetected(session, context);
    }
    // Neither current nor previous: an authentic token of this session is an older generation.
    if (this.refreshTokens.isAuthentic(token)) return this.reuseDetected(session, context);
    throw new AuthException('REFRESH_TOKEN_INVALID');
  }

  /**
   * Rotates `token` (whose hash is `hash`) of the session to a new pair for `user`, with one store
   * call; `undefined` when the store refused (the token is no longer current, or the session was
   * revoked or deleted).
   */
  private async rotateTo(
    session: Pick<StoredSession, 'id' | 'userId' | 'absoluteExpiresAt'>,
    user: AuthUser,
    token: string,
    hash: string,
    accessTtlSeconds: number | undefined,
    context: SessionContext,
  ): Promise<RefreshOutcome | undefined> {
    const now = this.clock.now();
    const successor = this.refreshTokens.issue(session.id);
    const tokens = this.issue(user, session, successor, accessTtlSeconds, now);
    const expiresAt = Math.min(now + this.options.refreshToken.ttlMs, session.absoluteExpiresAt);
    const rotated = await this.store.rotate(session.id, hash, {
      refreshTokenHash: hashRefreshToken(successor),
      previousSuccessor: seal(token, JSON.stringify(tokens)),
      rotatedAt: now,
      lastUsedAt: now,
      expiresAt,
    });
    if (!rotated) return undefined;
    this.known.remember({ id: session.id, userId: session.userId, absoluteExpiresAt: session.absoluteExpiresAt, expiresAt });
    this.events.emit('refresh.rotated', { userId: session.userId, sessionId: session.id, context });
    return { tokens, user };
  }

  /** The user's live sessions, newest first, marking the caller's own. */
  async list(userId: string, currentSessionId: string): Promise<SessionView[]> {
    const sessions = await this.store.listActiveByUser(userId, this.clock.now());
    return sessions.map((s) => ({
      id: s.id,
      createdAt: new Date(s.createdAt).toISOString(),
      lastUsedAt: new Date(s.lastUsedAt).toISOString(),
      expiresAt: new Date(Math.min(s.expiresAt, s.absoluteExpiresAt)).toISOString(),
      userAgent: s.userAgent,
      ip: s.ip,
      current: s.id === currentSessionId,
    }));
  }

  /** Revokes one of the user's sessions; `NOT_FOUND` when it is not theirs or not live. */
  async revokeOwn(userId: string, sessionId: string, context: SessionContext = {}): Promise<void> {
    const session = await this.store.findById(sessionId);
    const now = this.clock.now();
    if (!isSessionLive(session, now, userId)) {
      throw new AuthException('NOT_FOUND', { detail: 'Session not found.' });
    }
    await this.revokeAt(sessionId, now);
    this.events.emit('session.revoked', { userId, sessionId, reason: 'user', context });
  }

  /** Revokes one session (no ownership check). */
  async revoke(sessionId: string): Promise<void> {
    await this.revokeAt(sessionId, this.clock.now());
  }

  /**
   * Revokes all of the user's sessions, except `exceptSessionId`; resolves how many. The live ones
   * are listed first so that this instance's revocation list has them at once (a session started
   * in between reaches it through the feed).
   */
  async revokeAll(userId: string, exceptSessionId?: string, reason?: string, context: SessionContext = {}): Promise<number> {
    const now = this.clock.now();
    const live = await this.store.listActiveByUser(userId, now);
    const count = await this.store.revokeAllForUser(userId, now, exceptSessionId);
    for (const s of live) {
      if (s.id === exceptSessionId) continue;
      this.known.forget(s.id);
      this.revocations.record(s.id, now);
      if (reason !== undefined) this.events.emit('session.revoked', { userId, sessionId: s.id, reason, context });
    }
    return count;
  }

  /** Revokes one session in the store and in this instance's revocation list. */
  private async revokeAt(sessionId: string, at: number): Promise<void> {
    this.known.forget(sessionId);
    await this.store.revoke(sessionId, at);
    this.revocations.record(sessionId, at);
  }

  /**
   * Signs an access token for the session and pairs it with `refreshToken`, whose lifetime ends at
   * `refreshEnds` (default: a fresh idle lifetime from `now`, never past the absolute expiry).
   */
  private issue(
    user: AuthUser,
    session: Pick<StoredSession, 'id' | 'absoluteExpiresAt'>,
    refreshToken: string,
    accessTtlSeconds: number | undefined,
    now: number,
    refreshEnds = Math.min(now + this.options.refreshToken.ttlMs, session.absoluteExpiresAt),
  ): IssuedTokens {
    const access = this.accessTokens.sign(
      { userId: user.id, sessionId: session.id, roles: user.roles, emailVerified: user.emailVerified === true },
      accessTtlSeconds,
    );
    return {
      accessToken: access.token,
      refreshToken,
      expiresIn: access.expiresIn,
      refreshExpiresIn: Math.max(0, Math.floor((refreshEnds - now) / 1000)),
      sessionId: session.id,
    };
  }

  /** The pair `refreshToken` belongs to, with a new access token; the refresh lifetime is the session's own. */
  private reissue(
    user: AuthUser,
    session: StoredSession,
    refreshToken: string,
    accessTtlSeconds: number | undefined,
    now: number,
  ): IssuedTokens {
    return this.issue(user, session, refreshToken, accessTtlSeconds, now, Math.min(session.expiresAt, session.absoluteExpiresAt));
  }

  private async liveSession(sessionId: string): Promise<StoredSession> {
    const session = await this.store.findById(sessionId);
    if (!isSessionLive(session, this.clock.now())) {
      throw new AuthException('REFRESH_TOKEN_INVALID');
    }
    this.known.remember(session);
    return session;
  }

  private async activeUser(
    session: StoredSession,
    loadUser: (userId: string) => Promise<AuthUser | null>,
    context: SessionContext,
  ): Promise<AuthUser> {
    const user = await loadUser(session.userId);
    if (!user || user.disabled) {
      await this.revokeAt(session.id, this.clock.now());
      this.events.emit('session.revoked', { userId: session.userId, sessionId: session.id, reason: 'user_invalid', context });
      throw new AuthException('TOKEN_USER_INVALID');
    }
    return user;
  }

  private async reuseDetected(session: StoredSession, context: SessionContext): Promise<never> {
    await this.revokeAt(session.id, this.clock.now());
    this.events.emit('refresh.reuse_detected', { userId: session.userId, sessionId: session.id, context });
    this.events.emit('session.revoked', { userId: session.userId, sessionId: session.id, reason: 'reuse_detected', context });
    throw new AuthException('REFRESH_TOKEN_REUSED');
  }
}
