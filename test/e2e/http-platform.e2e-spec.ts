import { createTestApp } from '../fixtures/create-test-app.js';

/**
 * The e2e suite runs twice (jest.config.mjs): on Express, and on Fastify in the `fastify` project.
 * This proves each run is on the platform it names, so a Fastify run cannot pass on Express unnoticed.
 */
it('the e2e app runs on the platform of its Jest project', async () => {
  const expected = process.env.TEST_HTTP_ADAPTER ?? 'express';
  const t = await createTestApp();
  try {
    expect(t.adapter).toBe(expected);
    expect(t.app.getHttpAdapter().getType()).toBe(expected);
    const res = await t.http.post('/auth/login').send({ username: 'emilys', password: 'emilyspass' });
    expect(res.status).toBe(200);
  } finally {
    await t.close();
  }
});
