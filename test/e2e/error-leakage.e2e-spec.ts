import { Logger } from '@nestjs/common';
import { StoreUnavailableError } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';

describe('failures never leak internals', () => {
  let t: TestApp;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  function breakStore(error: Error): () => void {
    const store = t.users as unknown as { findByUsername: (u: string) => Promise<unknown> };
    const original = store.findByUsername;
    store.findByUsername = () => Promise.reject(error);
    return () => {
      store.findByUsername = original;
    };
  }

  it('an unexpected store error is a 500 problem without its message, name or stack', async () => {
    const restore = breakStore(new TypeError('relation "auth_users" does not exist: SELECT password_hash FROM …'));
    try {
      const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }).expect(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        detail: 'An unexpected error occurred.',
        code: 'INTERNAL_ERROR',
      });
    } finally {
      restore();
    }
  });

  it('an unreachable store is a 503 STORE_UNAVAILABLE problem', async () => {
    const restore = breakStore(new StoreUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:5432')));
    try {
      const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' }).expect(503);
      expect(res.body.code).toBe('STORE_UNAVAILABLE');
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|5432/);
    } finally {
      restore();
    }
  });

  it('GET /auth/me for a user deleted since login is 401 TOKEN_USER_INVALID', async () => {
    const { accessToken } = await t.login('admin', 'adminpass123');
    (t.users as unknown as { byId: Map<string, unknown> }).byId.delete('u-admin');
    const res = await t.http.get('/auth/me').set('Authorization', `Bearer ${accessToken}`).expect(401);
    expect(res.body).toMatchObject({ code: 'TOKEN_USER_INVALID', detail: 'Invalid token user.' });
  });
});
