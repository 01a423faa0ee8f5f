import { hashRefreshToken, newLegacyRefreshToken, newSessionId } from '../../lib/tokens/refresh-token.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

describe('refresh-token rotation and reuse detection', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());

  const refresh = (refreshToken: unknown, extra: Record<string, unknown> = {}) =>
    t.http.post('/auth/refresh').send({ refreshToken, ...extra });

  it('rotates the refresh token on every use and returns a working access token', async () => {
    const login = await t.login();
    const first = await refresh(login.refreshToken).expect(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toMatchObject({ tokenType: 'Bearer', isRequiresMfa: false, message: 'Token refreshed.' });
    expect(first.body.refreshToken).not.toBe(login.refreshToken);
    expect(first.body.accessToken).not.toBe(login.accessToken);
    expect(first.body.user.username).toBe('emilys');
    await t.http.get('/protected').set('Authorization', `Bearer ${first.body.accessToken}`).expect(200);
    const second = await refresh(first.body.refreshToken).expect(200);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
  });

  it('refresh tokens are opaque, high-entropy and stored only as a hash', async () => {
    const login = await t.login();
    expect(login.refreshToken).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    const sessionId = login.refreshToken.split('.')[0];
    const stored = await t.sessions.findById(sessionId);
    expect(stored).not.toBeNull();
    expect(JSON.stringify(stored)).not.toContain(login.refreshToken.split('.')[1]);
    expect(stored?.refreshTokenHash).not.toBe(login.refreshToken);
  });

  it('a rotated token presented again within the grace window returns the same successor pair', async () => {
    const login = await t.login();
    const first = await refresh(login.refreshToken).expect(200);
    t.clock.advanceSeconds(5);
    const again = await refresh(login.refreshToken).expect(200);
    expect(again.body.refreshToken).toBe(first.body.refreshToken);
    expect(again.body.accessToken).toBe(first.body.accessToken);
    // the successor still works afterwards
    await refresh(first.body.refreshToken).expect(200);
  });

  it('refresh-token reuse after the grace window revokes the whole session (family), with orphanGraceSeconds: 0', async () => {
    await t.close();
    t = await createTestApp({ options: { refreshToken: { orphanGraceSeconds: 0 } } });
    const login = await t.login();
    const first = await refresh(login.refreshToken).expect(200);
    t.clock.advanceSeconds(11);
    const reuse = await refresh(login.refreshToken).expect(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect(reuse.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reuse.headers['www-authenticate']).toBe('Bearer');
    // the legitimate successor died with the family
    const successor = await refresh(first.body.refreshToken).expect(401);
    expect(successor.body.code).toBe('REFRESH_TOKEN_INVALID');
    expect((await t.sessions.findById(login.refreshToken.split('.')[0]))?.revokedAt).not.toBeNull();
  });

  it('reuse of an older generation (not only the previous token) also revokes the family', async () => {
    const login = await t.login();
    const g1 = await refresh(login.refreshToken).expect(200);
    const g2 = await refresh(g1.body.refreshToken).expect(200);
    await refresh(g2.body.refreshToken).expect(200);
    const reuse = await refresh(login.refreshToken).expect(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
  });

  it('replay of a stolen token 5 generations old revokes the family, with no rotation history stored', async () => {
    const login = await t.login();
    const generations = [login.refreshToken];
    for (let i = 0; i < 6; i++) generations.push((await refresh(generations.at(-1)).expect(200)).body.refreshToken as string);
    // The store holds the current and the previous hash only: no history per rotation.
    const sessionId = login.refreshToken.split('.')[0];
    const internals = t.sessions as unknown as Record<string, unknown>;
    expect(Object.keys(internals)).not.toContain('rotated');
    const stolen = generations.at(-6)!; // 5 generations before the current one
    const reuse = await refresh(stolen).expect(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await t.sessions.findById(sessionId))?.revokedAt).not.toBeNull();
    expect((await refresh(generations.at(-1)).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('replay of an old token of session B under session A’s id does not revoke A (the MAC binds the session)', async () => {
    const a = await t.login();
    const b = await t.login();
    const bOld = b.refreshToken;
    await refresh(bOld).expect(200);
    await refresh((await refresh(a.refreshToken).expect(200)).body.refreshToken)
      .expect(200)
      .then((r) => {
        a.refreshToken = r.body.refreshToken as string;
      });
    const [aId] = a.refreshToken.split('.');
    const spliced = `${aId}.${bOld.split('.')[1]}`;
    expect((await refresh(spliced).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
    await refresh(a.refreshToken).expect(200);
  });

  it('a refresh token issued before the MAC format still rotates while current (upgrade without logging everyone out)', async () => {
    const login = await t.login();
    const current = await t.sessions.findById(login.refreshToken.split('.')[0]);
    const id = newSessionId();
    const legacy = newLegacyRefreshToken(id);
    await t.sessions.create({ ...current!, id, refreshTokenHash: hashRefreshToken(legacy), previousTokenHash: null });
    const rotated = await refresh(legacy).expect(200);
    await refresh(rotated.body.refreshToken).expect(200);
    // As an older generation it is no longer recognised: invalid, not reuse (documented).
    t.clock.advanceSeconds(11);
    expect((await refresh(legacy).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('12 parallel refreshes of one token produce exactly one successor and no 5xx', async () => {
    const login = await t.login();
    const results = await Promise.all(Array.from({ length: 12 }, () => refresh(login.refreshToken)));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    const successors = new Set(results.map((r) => r.body.refreshToken as string));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    await refresh(successor).expect(200);
  });

  it('a forged token for a real session id does not revoke the session', async () => {
    const login = await t.login();
    const [sid] = login.refreshToken.split('.');
    const forged = `${sid}.${'A'.repeat(43)}`;
    expect((await refresh(forged).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
    await refresh(login.refreshToken).expect(200);
  });

  it('answers REFRESH_TOKEN_MISSING without a token and REFRESH_TOKEN_INVALID for garbage', async () => {
    const missing = await t.http.post('/auth/refresh').send({}).expect(401);
    expect(missing.body).toMatchObject({ code: 'REFRESH_TOKEN_MISSING', detail: 'Refresh token not provided.' });
    const empty = await t.http.post('/auth/refresh').expect(401);
    expect(empty.body.code).toBe('REFRESH_TOKEN_MISSING');
    for (const garbage of ['x', 'a.b', 'not-a-token'.repeat(5), `${'a'.repeat(22)}.${'b'.repeat(43)}`]) {
      const res = await refresh(garbage).expect(401);
      expect(res.body).toMatchObject({ code: 'REFRESH_TOKEN_INVALID', detail: 'Invalid or expired refresh token.' });
    }
  });

  it('a session idle longer than refreshToken.ttl ends', async () => {
    await t.close();
    t = await createTestApp({ options: { refreshToken: { ttl: '1h', absoluteTtl: '3h' } } });
    const login = await t.login();
    t.clock.advanceSeconds(3601);
    expect((await refresh(login.refreshToken).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('activity extends the idle lifetime, but never past the absolute lifetime', async () => {
    await t.close();
    t = await createTestApp({ options: { refreshToken: { ttl: '1h', absoluteTtl: '3h' } } });
    let token = (await t.login()).refreshToken;
    for (let i = 0; i < 5; i++) {
      t.clock.advanceSeconds(50 * 60); // each step is within the idle window
      const res = await refresh(token);
      if (i < 3) {
        expect(res.status).toBe(200);
        token = res.body.refreshToken;
      } else {
        // 200 minutes after login: past the 3 h absolute lifetime
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('REFRESH_TOKEN_INVALID');
        return;
      }
    }
    throw new Error('absolute lifetime was not enforced');
  });

  it('expiresInMins sets the new access token lifetime, bounded by maxAccessTokenTtl', async () => {
    const login = await t.login();
    const res = await refresh(login.refreshToken, { expiresInMins: 30 }).expect(200);
    expect(res.body.expiresIn).toBe(1800);
    // The default bound is 1 h: a day-long access token (expiresInMins: 1440) is refused.
    const tooLong = await refresh(res.body.refreshToken, { expiresInMins: 24 * 60 }).expect(400);
    expect(tooLong.body.code).toBe('VALIDATION_FAILED');
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ field: 'expiresInMins' })]);
  });

  it('a deleted user cannot refresh: TOKEN_USER_INVALID', async () => {
    const login = await t.login();
    const store = t.users as unknown as { byId: Map<string, unknown> };
    store.byId.delete('u-emily');
    const res = await refresh(login.refreshToken).expect(401);
    expect(res.body).toMatchObject({ code: 'TOKEN_USER_INVALID', detail: 'Invalid token user.' });
  });

  it('roles come from the user store at refresh time', async () => {
    const login = await t.login();
    const user = await t.users.findById('u-emily');
    (t.users as unknown as { byId: Map<string, { roles: string[] }> }).byId.get('u-emily')!.roles = ['user', 'admin'];
    expect(user?.roles).toEqual(['user']);
    const res = await refresh(login.refreshToken).expect(200);
    await t.http.get('/admin').set('Authorization', `Bearer ${login.accessToken}`).expect(403);
    await t.http.get('/admin').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
  });
});
