import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

describe('sessions, logout and password change', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('lists live sessions with the current one marked, newest first', async () => {
    const a = await t.login();
    t.clock.advanceSeconds(1);
    const b = await t.http
      .post('/auth/login')
      .set('User-Agent', 'second-device/1.0')
      .send({ username: 'emilys', password: 'emilyspass' })
      .expect(200);
    await t.login('admin', 'adminpass123');
    const res = await t.http.get('/auth/sessions').set(bearer(b.body.accessToken)).expect(200);
    expect(res.body).toHaveLength(2);
    expect(res.body[0]).toMatchObject({ current: true, userAgent: 'second-device/1.0' });
    expect(res.body[1]).toMatchObject({ id: a.refreshToken.split('.')[0], current: false });
    for (const s of res.body) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent']);
      expect(Number.isNaN(Date.parse(s.createdAt))).toBe(false);
    }
  });

  it('DELETE /auth/sessions/:id revokes one of my sessions (204) and its refresh token at once', async () => {
    const a = await t.login();
    const b = await t.login();
    const idA = a.refreshToken.split('.')[0];
    await t.http.delete(`/auth/sessions/${idA}`).set(bearer(b.accessToken)).expect(204);
    expect((await t.http.post('/auth/refresh').send({ refreshToken: a.refreshToken }).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
    const list = await t.http.get('/auth/sessions').set(bearer(b.accessToken)).expect(200);
    expect(list.body.map((s: { id: string }) => s.id)).not.toContain(idA);
  });

  it("another user's session, an unknown id or a malformed id is 404", async () => {
    const mine = await t.login();
    const theirs = await t.login('admin', 'adminpass123');
    const theirId = theirs.refreshToken.split('.')[0];
    const res = await t.http.delete(`/auth/sessions/${theirId}`).set(bearer(mine.accessToken)).expect(404);
    expect(res.body.code).toBe('NOT_FOUND');
    await t.http.post('/auth/refresh').send({ refreshToken: theirs.refreshToken }).expect(200);
    await t.http
      .delete(`/auth/sessions/${'x'.repeat(22)}`)
      .set(bearer(mine.accessToken))
      .expect(404);
    await t.http.delete('/auth/sessions/..%2f..').set(bearer(mine.accessToken)).expect(404);
  });

  it('sessions routes need authentication', async () => {
    expect((await t.http.get('/auth/sessions').expect(401)).body.code).toBe('UNAUTHENTICATED');
  });

  it('logout revokes the current session only', async () => {
    const a = await t.login();
    const b = await t.login();
    const res = await t.http.post('/auth/logout').set(bearer(a.accessToken)).expect(200);
    expect(res.body).toEqual({ message: 'Logged out.' });
    expect((await t.http.post('/auth/refresh').send({ refreshToken: a.refreshToken }).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
    await t.http.post('/auth/refresh').send({ refreshToken: b.refreshToken }).expect(200);
  });

  it('logout with allSessions revokes every session of the user, not other users', async () => {
    const a = await t.login();
    const b = await t.login();
    const other = await t.login('admin', 'adminpass123');
    await t.http.post('/auth/logout').set(bearer(a.accessToken)).send({ allSessions: true }).expect(200);
    for (const token of [a.refreshToken, b.refreshToken]) {
      await t.http.post('/auth/refresh').send({ refreshToken: token }).expect(401);
    }
    await t.http.post('/auth/refresh').send({ refreshToken: other.refreshToken }).expect(200);
  });

  it('an access token of a revoked session stops opening host routes at once (the revocation feed, default)', async () => {
    const a = await t.login();
    await t.http.get('/protected').set(bearer(a.accessToken)).expect(200);
    await t.http.post('/auth/logout').set(bearer(a.accessToken)).expect(200);
    const res = await t.http.get('/protected').set(bearer(a.accessToken)).expect(401);
    expect(res.body.code).toBe('ACCESS_TOKEN_INVALID');
  });

  it('with revocation.enabled: false, an access token of a revoked session keeps working until it expires, then stops', async () => {
    await t.close();
    t = await createTestApp({ options: { revocation: { enabled: false } } });
    const a = await t.login();
    await t.http.post('/auth/logout').set(bearer(a.accessToken)).expect(200);
    await t.http.get('/protected').set(bearer(a.accessToken)).expect(200);
    t.clock.advanceSeconds(15 * 60 + 1);
    await t.http.get('/protected').set(bearer(a.accessToken)).expect(401);
  });

  it('with sessionCheck, an access token of a revoked session stops working at once', async () => {
    await t.close();
    t = await createTestApp({ options: { sessionCheck: true } });
    const a = await t.login();
    await t.http.get('/protected').set(bearer(a.accessToken)).expect(200);
    await t.http.post('/auth/logout').set(bearer(a.accessToken)).expect(200);
    const res = await t.http.get('/protected').set(bearer(a.accessToken)).expect(401);
    expect(res.body.code).toBe('ACCESS_TOKEN_INVALID');
  });

  it('password change needs the current password and revokes every other session', async () => {
    const a = await t.login();
    const b = await t.login();
    const wrong = await t.http
      .post('/auth/password/change')
      .set(bearer(a.accessToken))
      .send({ currentPassword: 'nope-nope', newPassword: 'a-new-long-passphrase' })
      .expect(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    const weak = await t.http
      .post('/auth/password/change')
      .set(bearer(a.accessToken))
      .send({ currentPassword: 'emilyspass', newPassword: 'short' })
      .expect(400);
    expect(weak.body.errors).toEqual([expect.objectContaining({ field: 'newPassword' })]);
    await t.http
      .post('/auth/password/change')
      .set(bearer(a.accessToken))
      .send({ currentPassword: 'emilyspass', newPassword: 'a-new-long-passphrase' })
      .expect(200);
    await t.http.post('/auth/refresh').send({ refreshToken: b.refreshToken }).expect(401);
    await t.http.post('/auth/refresh').send({ refreshToken: a.refreshToken }).expect(200);
    await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }).expect(401);
    await t.login('emilys', 'a-new-long-passphrase');
  });
});

describe('session purge', () => {
  it('the janitor deletes sessions that ended more than a day ago, and keeps live ones', async () => {
    const { SessionJanitor } = await import('../../lib/sessions/session.janitor.js');
    const t = await createTestApp({ options: { refreshToken: { ttl: '1h', absoluteTtl: '2h' } } });
    try {
      const old = await t.login();
      t.clock.advanceSeconds(26 * 3600);
      const fresh = await t.login();
      const purged = await t.app.get(SessionJanitor).purge();
      expect(purged).toBe(1);
      expect(await t.sessions.findById(old.refreshToken.split('.')[0])).toBeNull();
      expect(await t.sessions.findById(fresh.refreshToken.split('.')[0])).not.toBeNull();
    } finally {
      await t.close();
    }
  });
});

describe('housekeeping of the SQL stores', () => {
  it('the janitor also deletes expired attempt counters and MFA marks of the TypeORM stores', async () => {
    const { DataSource } = await import('typeorm');
    const { SessionJanitor } = await import('../../lib/sessions/session.janitor.js');
    const { authEntities, rateLimitEntity, TypeOrmMfaStore, TypeOrmRateLimitStore } = await import('../../lib/stores/typeorm/index.js');
    const dataSource = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [...Object.values(authEntities), rateLimitEntity()],
      synchronize: true,
    }).initialize();
    const mfaStore = new TypeOrmMfaStore(dataSource);
    const t = await createTestApp({ options: { rateLimitStore: new TypeOrmRateLimitStore(dataSource), mfaStore } });
    try {
      await t.http.post('/auth/login').send({ username: 'emilys', password: 'wrong-password' }).expect(401);
      const counters = () => dataSource.getRepository(rateLimitEntity()).count();
      const marks = () => dataSource.getRepository(authEntities.mfaFinishedPending).count();
      expect(await counters()).toBe(4); // identifier × address, account × address, account ceiling, address
      await mfaStore.finishPending('pending-1', t.clock.now() + 60_000);
      expect(await marks()).toBe(1);

      // Nothing has expired yet: nothing goes.
      await t.app.get(SessionJanitor).purgeAll();
      expect(await counters()).toBe(4);
      expect(await marks()).toBe(1);

      t.clock.advanceSeconds(2 * 3600); // past the account window (1 h), the address window and the mark
      await t.app.get(SessionJanitor).purgeAll();
      expect(await counters()).toBe(0);
      expect(await marks()).toBe(0);
    } finally {
      await t.close();
      await dataSource.destroy();
    }
  });
});
