import { jest } from '@jest/globals';
import { hashRefreshToken } from '../../lib/tokens/refresh-token.js';
import { MemorySessionStore } from '../../lib/stores/memory/memory-session.store.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

/**
 * A refresh of a session the instance has seen makes one store call (the atomic `rotate`), no read
 * (KnownSessions). Two test apps sharing one session store stand for two instances: every way the
 * remembered facts could be out of date is answered exactly as a refresh that read the session.
 */
describe('refresh of a session this instance knows: one store call, same answers', () => {
  let shared: MemorySessionStore;
  let a: TestApp;
  let b: TestApp;

  beforeEach(async () => {
    shared = new MemorySessionStore();
    a = await createTestApp({ options: { sessionStore: shared } });
    b = await createTestApp({ options: { sessionStore: shared } });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all([a.close(), b.close()]);
  });

  const refresh = (on: TestApp, refreshToken: string) => on.http.post('/auth/refresh').send({ refreshToken });
  const login = async (on: TestApp) => {
    const res = await on.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }).expect(200);
    const body = res.body as { accessToken: string; refreshToken: string };
    return { ...body, sessionId: body.refreshToken.split('.')[0] };
  };
  /** Moves both instances' clocks. */
  const advance = (ms: number) => {
    a.clock.advance(ms);
    b.clock.advance(ms);
  };

  it('rotates with the store’s rotate alone, without reading the session first', async () => {
    const first = await login(a);
    const findById = jest.spyOn(shared, 'findById');
    const rotate = jest.spyOn(shared, 'rotate');
    const r1 = await refresh(a, first.refreshToken).expect(200);
    const r2 = await refresh(a, r1.body.refreshToken).expect(200);
    expect(rotate).toHaveBeenCalledTimes(2);
    expect(findById).not.toHaveBeenCalled();
    await a.http.get('/protected').set('Authorization', `Bearer ${r2.body.accessToken}`).expect(200);
    expect((await shared.findById(first.sessionId))?.refreshTokenHash).toBe(hashRefreshToken(r2.body.refreshToken));
  });

  it('a session another instance started is read once, then remembered', async () => {
    const first = await login(b);
    const findById = jest.spyOn(shared, 'findById');
    const r1 = await refresh(a, first.refreshToken).expect(200);
    expect(findById).toHaveBeenCalledTimes(1);
    await refresh(a, r1.body.refreshToken).expect(200);
    expect(findById).toHaveBeenCalledTimes(1);
  });

  it('stolen-token replay: a session revoked through another instance cannot be refreshed where it is remembered', async () => {
    const first = await login(a);
    await b.http.post('/auth/logout').set('Authorization', `Bearer ${first.accessToken}`).send({}).expect(200);
    const res = await refresh(a, first.refreshToken).expect(401);
    expect(res.body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('refresh-token reuse: a token rotated on another instance and replayed where the session is remembered', async () => {
    const first = await login(a);
    const onB = await refresh(b, first.refreshToken).expect(200);
    // Within the grace window: the pair B issued, not a second successor.
    const again = await refresh(a, first.refreshToken).expect(200);
    expect(again.body.refreshToken).toBe(onB.body.refreshToken);
    expect(again.body.accessToken).toBe(onB.body.accessToken);
    // B's successor works on A; then the first token is reuse and kills the family.
    const next = await refresh(a, onB.body.refreshToken).expect(200);
    const reuse = await refresh(a, first.refreshToken).expect(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(b, next.body.refreshToken).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('idle expiry: a remembered session idle past its lifetime is refused', async () => {
    const first = await login(a);
    advance(7 * 24 * 60 * 60 * 1000 + 1);
    expect((await refresh(a, first.refreshToken).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('a session kept alive through another instance is refreshed where an older idle expiry is remembered', async () => {
    const first = await login(a);
    advance(6 * 24 * 60 * 60 * 1000);
    const onB = await refresh(b, first.refreshToken).expect(200);
    advance(2 * 24 * 60 * 60 * 1000); // past the idle expiry A remembers, within the one B set
    await refresh(a, onB.body.refreshToken).expect(200);
  });

  it('a user deleted since login cannot refresh a remembered session, and the session is revoked', async () => {
    const first = await login(a);
    (a.users as unknown as { byId: Map<string, unknown> }).byId.delete('u-emily');
    const res = await refresh(a, first.refreshToken).expect(401);
    expect(res.body.code).toBe('TOKEN_USER_INVALID');
    expect((await shared.findById(first.sessionId))?.revokedAt).not.toBeNull();
  });

  it('forged refresh token for a remembered session id: refused, the session left alone', async () => {
    const first = await login(a);
    const forged = `${first.sessionId}.${'A'.repeat(43)}`;
    expect((await refresh(a, forged).expect(401)).body.code).toBe('REFRESH_TOKEN_INVALID');
    await refresh(a, first.refreshToken).expect(200);
  });
});
