import { afterEach, describe, expect, it } from '@jest/globals';
import { FEED_FAILURES_PER_HOUR } from '../../lib/events/activity-feed.js';
import { MemoryActivityStore } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

/** `GET /auth/activity` (CONTRACT §10): the caller's own security events, newest first, paginated. */
describe('activity feed', () => {
  let t: TestApp;
  afterEach(() => t.close());

  const login = async (username = 'emilys', password = 'emilyspass', ua = 'Feed/1.0') => {
    const res = await t.http.post('/auth/login').set('User-Agent', ua).send({ username, password }).expect(200);
    return res.body as { accessToken: string; refreshToken: string };
  };
  const activity = (accessToken: string, query = '') => t.http.get(`/auth/activity${query}`).set('Authorization', `Bearer ${accessToken}`);

  it('lists the caller’s events newest first, in the contract’s shape, marking the current session', async () => {
    t = await createTestApp();
    await t.http.post('/auth/login').send({ username: 'emilys', password: 'not-her-password' }).expect(401);
    const other = await login('emilys', 'emilyspass', 'Other/2.0');
    const mine = await login();
    const res = await activity(mine.accessToken).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual([
      {
        type: 'login.succeeded',
        at: expect.any(String),
        ip: expect.any(String),
        userAgent: 'Feed/1.0',
        sessionId: mine.refreshToken.split('.')[0],
        current: true,
      },
      {
        type: 'login.succeeded',
        at: expect.any(String),
        ip: expect.any(String),
        userAgent: 'Other/2.0',
        sessionId: other.refreshToken.split('.')[0],
        current: false,
      },
      { type: 'login.failed', at: expect.any(String), ip: expect.any(String), userAgent: null, sessionId: null, current: false },
    ]);
    const times = (res.body as { at: string }[]).map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('shows only the caller’s own events (another user’s logins, failures and revocations never appear)', async () => {
    t = await createTestApp();
    const emily = await login();
    const admin = await login('admin', 'adminpass123');
    await t.http.post('/auth/login').send({ username: 'admin', password: 'wrong-password' }).expect(401);
    await t.http.post('/auth/logout').set('Authorization', `Bearer ${admin.accessToken}`).send({}).expect(200);
    const feed = (await activity(emily.accessToken).expect(200)).body as { type: string; sessionId: string | null }[];
    expect(feed.map((e) => e.type)).toEqual(['login.succeeded']);
    expect(feed[0]?.sessionId).toBe(emily.refreshToken.split('.')[0]);
  });

  it('tells the user their session was revoked because a stolen refresh token was replayed', async () => {
    t = await createTestApp({ options: { refreshToken: { reuseGraceSeconds: 1, orphanGraceSeconds: 0 } } });
    const stolen = await login();
    const rotated = (await t.http.post('/auth/refresh').send({ refreshToken: stolen.refreshToken }).expect(200)).body as {
      refreshToken: string;
    };
    await t.http.post('/auth/refresh').send({ refreshToken: rotated.refreshToken }).expect(200);
    t.clock.advanceSeconds(2);
    await t.http.post('/auth/refresh').send({ refreshToken: stolen.refreshToken }).expect(401);
    const fresh = await login();
    const types = ((await activity(fresh.accessToken).expect(200)).body as { type: string }[]).map((e) => e.type);
    // Routine rotations are not in the feed; the theft and its consequence are (in the same
    // millisecond: their order between them is not defined).
    expect(types).toHaveLength(4);
    expect([types[0], types[3]]).toEqual(['login.succeeded', 'login.succeeded']);
    expect(types.slice(1, 3).sort()).toEqual(['refresh.reuse_detected', 'session.revoked']);
  });

  it('feed flooding: an attacker’s failed and refused logins cannot push the owner’s own entries out of the feed', async () => {
    t = await createTestApp({ options: { activityStore: new MemoryActivityStore({ maxPerUser: 30 }) } });
    const owner = await login();
    for (let i = 0; i < 60; i++) {
      const res = await t.http.post('/auth/login').send({ username: 'emilys', password: `guess-${i}` });
      expect([401, 429]).toContain(res.status);
    }
    const feed = (await activity(owner.accessToken, '?limit=100').expect(200)).body as { type: string; sessionId: string | null }[];
    expect(feed.filter((e) => e.type !== 'login.succeeded').length).toBeLessThanOrEqual(FEED_FAILURES_PER_HOUR);
    expect(feed.at(-1)).toMatchObject({ type: 'login.succeeded', sessionId: owner.refreshToken.split('.')[0] });
  });

  it('pages with limit and the Link header’s cursor, without gaps or repeats', async () => {
    t = await createTestApp();
    for (let i = 0; i < 4; i++) await login();
    const last = await login();
    const first = await activity(last.accessToken, '?limit=2').expect(200);
    expect(first.body).toHaveLength(2);
    const seen = [...(first.body as { sessionId: string }[])];
    let link = first.headers['link'] as string | undefined;
    while (link !== undefined) {
      const next = /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
      expect(next).toMatch(/^\/auth\/activity\?limit=2&before=/);
      const page = await t.http
        .get(next as string)
        .set('Authorization', `Bearer ${last.accessToken}`)
        .expect(200);
      seen.push(...(page.body as { sessionId: string }[]));
      link = page.headers['link'];
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((e) => e.sessionId)).size).toBe(5);
  });

  it('refuses a bad limit or cursor with 400 problem+json, and an anonymous caller with 401', async () => {
    t = await createTestApp();
    const { accessToken } = await login();
    for (const query of ['?limit=0', '?limit=101', '?limit=abc', '?limit=1&limit=2', '?before=x', '?before=zzzzzzzzzzzz.abc', '?before=']) {
      const res = await activity(accessToken, query);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await t.http.get('/auth/activity')).status).toBe(401);
  });

  it('a revoked session cannot read the feed', async () => {
    t = await createTestApp();
    const { accessToken } = await login();
    await t.http.post('/auth/logout').set('Authorization', `Bearer ${accessToken}`).send({}).expect(200);
    expect((await activity(accessToken)).status).toBe(401);
  });

  it('activityStore: false leaves the route out (404)', async () => {
    t = await createTestApp({ options: { activityStore: false } });
    const { accessToken } = await login();
    expect((await activity(accessToken)).status).toBe(404);
  });
});
