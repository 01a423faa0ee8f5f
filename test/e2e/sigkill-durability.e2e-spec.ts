import { randomBytes } from 'node:crypto';
import { createPgDatabase, type TestDatabase } from '../fixtures/services.js';
import { buildSampleApp, postJson, startSampleProcess, type SampleProcess } from '../fixtures/sample-process.js';

/**
 * Durability (issue 5): a sample-app process on PostgreSQL sessions is killed with SIGKILL in the
 * middle of a refresh load. After a restart on the same database, every session is still there and
 * every client's last acknowledged refresh token still refreshes: a rotation that committed but whose
 * response never left the dying process is answered from the reuse-grace cache, one whose
 * transaction did not commit left the acknowledged token current.
 */

const SESSIONS = 24;

let db: TestDatabase;
let app: SampleProcess | undefined;

beforeAll(() => buildSampleApp(), 240_000);
afterAll(async () => {
  await app?.stop('SIGKILL');
  await db?.drop();
});

it('loses no committed session when the process is killed during a refresh load', async () => {
  db = await createPgDatabase('sigkill');
  const env = {
    DATABASE_URL: db.url,
    SESSION_STORE: 'database',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    // Long enough to cover the restart: a client whose last refresh was cut off retries within it.
    REFRESH_REUSE_GRACE_SECONDS: '120',
  };
  app = await startSampleProcess(env);
  const first = app;

  // Each client holds one session and the last refresh token it was given.
  const held: string[] = [];
  let accessToken = '';
  for (let i = 0; i < SESSIONS; i++) {
    const res = await postJson(`${first.base}/auth/login`, { username: 'emilys', password: 'emilyspass' });
    expect(res.status).toBe(200);
    held.push(res.body['refreshToken'] as string);
    accessToken = res.body['accessToken'] as string;
  }

  let acknowledged = 0;
  let cutOff = 0;
  let killed = false;
  // Each client refreshes until a request fails after the kill: the one the kill cut off (or the
  // first one the dead process never received). A response that was already on its way when the
  // kill came is still taken, and the client goes on, so every client ends on a failed request.
  const client = async (i: number): Promise<void> => {
    for (;;) {
      try {
        const res = await postJson(`${first.base}/auth/refresh`, { refreshToken: held[i] });
        if (res.status !== 200) throw new Error(`refresh answered ${res.status} before the kill: ${JSON.stringify(res.body)}`);
        held[i] = res.body['refreshToken'] as string;
        acknowledged++;
      } catch (error) {
        if (!killed) throw error;
        cutOff++; // its token stays the one held
        return;
      }
    }
  };
  const load = Array.from({ length: SESSIONS }, (_, i) => client(i));
  // Kill once every client has refreshed a few times on average (and the load is in full swing).
  const deadline = Date.now() + 60_000;
  while (acknowledged < SESSIONS * 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  killed = true;
  await first.stop('SIGKILL');
  await Promise.all(load);
  expect(acknowledged).toBeGreaterThanOrEqual(SESSIONS * 4);

  app = await startSampleProcess(env);
  const second = app;
  const after = await Promise.all(held.map((token) => postJson(`${second.base}/auth/refresh`, { refreshToken: token })));
  const statuses = after.map((r) => r.status);
  expect(statuses).toEqual(Array(SESSIONS).fill(200));
  // And each session goes on from there.
  const next = await Promise.all(after.map((r) => postJson(`${second.base}/auth/refresh`, { refreshToken: r.body['refreshToken'] })));
  expect(next.map((r) => r.status)).toEqual(Array(SESSIONS).fill(200));

  // All sessions are still listed for the user (none lost, none duplicated).
  const list = await fetch(`${second.base}/auth/sessions`, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(list.status).toBe(200);
  const sessions = (await list.json()) as unknown[] | { sessions: unknown[] };
  const count = Array.isArray(sessions) ? sessions.length : sessions.sessions.length;
  expect(count).toBe(SESSIONS);
  // The load ran until the kill: every client ended on a request the kill cut off or refused.
  expect(cutOff).toBe(SESSIONS);
});
