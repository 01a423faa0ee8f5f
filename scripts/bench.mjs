// `npm run bench`: throughput of the sample app, measured with autocannon in one run.
//
// Builds the library and the sample app, starts the app as a child process (free port, SQLite in a
// temp file, SESSION_STORE=memory, LOG_LEVEL=warn), logs in as emilys, then measures:
//   1. GET /health     (public: the baseline of the machine, Nest and Express)
//   2. GET /protected  (access-token guard, no database)
//   3. POST /auth/refresh — every request presents the refresh token returned by an earlier
//                       response of the same chain: a real rotation every time, never a replay;
//                       also on a second app without the revocation feed (REVOCATION_FEED=off), and
//                       in cookie mode (the cookies and X-CSRF-Token a browser sends, no body)
//   (1–3 alternate over BENCH_ROUNDS rounds; each figure is the mean of its runs, to cancel drift)
//   4. POST /auth/refresh with the sessions in SQLite, PostgreSQL and Redis (one more sample app
//      each; BENCH_STORES=0 skips them), reported as ratios of the in-memory store's refresh/s
//      measured in the same rounds
//   5. raw argon2id verifications/s (same parameters, a child process on the server's core), then
//      POST /auth/login against it; login and the in-memory refresh also run on an app with
//      AUTH_EVENTS=off (no security event built), for the events-on/off ratio
//   6. GET /protected alone, then during a 16-connection login flood
//   7. GET /protected per signing algorithm (BENCH_ALGORITHMS, default EdDSA,ES256,RS256; 0 skips):
//      one more sample app per algorithm plus an HS256 one, each with a key of its own from a
//      JWT_JWKS_FILE, in the same rounds as 1–3; twice each: one repeated token (the guard's
//      verified-token cache answers, as for a client that sends its token again) and
//      BENCH_DISTINCT_TOKENS (12 000, above the cache's 10 000) distinct tokens signed here with the
//      app's key, sent in turn (every request a first verification: the signature is checked)
//   8. GET /protected on a verify-only resource server (SAMPLE_ROLE=resource-server, one more app,
//      BENCH_RESOURCE_SERVER=0 skips it) that reads the EdDSA app's /.well-known/jwks.json (the first
//      other asymmetric one if BENCH_ALGORITHMS leaves EdDSA out; skipped without one), with the same
//      repeated token and the same distinct tokens, beside that app's runs in the same rounds as 1–3;
//      reported as ratios of the issuer's GET /protected (same algorithm, same tokens) and of /health
//   9. Fastify (BENCH_FASTIFY=0 skips it): the same sample app on HTTP_ADAPTER=fastify, a header-mode
//      and a cookie-mode app plus one per session store, for 1 (/health), 2 (GET /protected, header
//      and cookie mode), 3 (refresh, header and cookie mode; not the no-feed app), 4 (SQLite,
//      PostgreSQL, Redis) and 5 (login): each Fastify run right beside its Express counterpart in the
//      same rounds (which of the two goes first alternates), reported as Fastify/Express ratios and as
//      ratios within Fastify, against the issue's targets (docs/profile-refresh-fastify.md: where a
//      Fastify refresh spends its time)
// On Linux with two or more CPUs the sample apps run on one CPU (BENCH_SERVER_CPU, default the last)
// and this script with its load generator on another (BENCH_CLIENT_CPU, default the first), so that
// they do not compete; BENCH_PIN=0 turns that off.
// Samples the 1-minute load average every 5 s and reports it beside the figures.
// Prints a table and writes docs/benchmarks.md (BENCH_DOCS=0: not). Settings can be changed with
// BENCH_DURATION (s), BENCH_ROUNDS, BENCH_CONNECTIONS, BENCH_WARMUP (s) and BENCH_REFRESH_LEAD_IN (s,
// default 1.5: unmeasured refreshes between each refresh run's logins and its measurement); PG_URL and REDIS_URL
// point at the services. A quick run: BENCH_STORES=0 BENCH_ROUNDS=1 BENCH_DURATION=3.
import autocannon from 'autocannon';
import pg from 'pg';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, SAMPLE_MAIN, buildLibraryIfStale, buildSampleApp } from './build-helpers.mjs';
import { USER, cookieLogin, cpuMicros, dropRedisKeys, freePort, login, refreshChains } from './refresh-load.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
/** Seconds of unmeasured refreshes between a refresh run's logins and its measurement (BENCH_REFRESH_LEAD_IN; 0: none). */
const REFRESH_LEAD_IN = Number(process.env.BENCH_REFRESH_LEAD_IN ?? 1.5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const LOGIN_DURATION = Number(process.env.BENCH_LOGIN_DURATION ?? 8);
const LOGIN_CONNECTIONS = 4;
const FLOOD_CONNECTIONS = 16;
/** The user whose token the flood scenario's GETs carry (not one of the flooding accounts). */
const READER = { username: 'admin', password: 'adminpass123' };
/** argon2id parameters of the module's default hasher, for the raw verification loop. */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const TARGETS = {
  protectedRatio: 0.9,
  cookieRatio: 0.9,
  refreshPerSecond: 2000,
  redisRefresh: 1500,
  postgresRefresh: 500,
  loginVsRaw: 0.9,
  floodRatio: 0.5,
  feedRatio: 0.95,
  // Issue 18: login and refresh with the security events (the JSON log, the activity feed in SQLite)
  // against the same app with AUTH_EVENTS=off (no event built), in the same rounds.
  eventsRatio: 0.95,
  // Fastify (scenario 9), issue 17: its guarded GET against its /health, its in-memory refresh
  // against Express's refresh of the same run (and an absolute goal), Redis against in-memory, cookie
  // mode against header mode (refresh).
  fastifyProtectedRatio: 0.9,
  fastifyRefreshVsExpress: 1.5,
  fastifyRefreshPerSecond: 3000,
  fastifyRedisRatio: 0.75,
  fastifyCookieRefreshRatio: 0.9,
};
const STORES = process.env.BENCH_STORES !== '0';
/** Scenario 9: the Fastify sample apps beside the Express ones; BENCH_FASTIFY=0 skips them. */
const FASTIFY = process.env.BENCH_FASTIFY !== '0';
/** The asymmetric algorithms measured against HS256 (scenario 7); BENCH_ALGORITHMS=0 skips the scenario. */
const ALGORITHMS =
  process.env.BENCH_ALGORITHMS === '0'
    ? []
    : (process.env.BENCH_ALGORITHMS ?? 'EdDSA,ES256,RS256')
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== '');
for (const a of ALGORITHMS) if (!['EdDSA', 'ES256', 'RS256'].includes(a)) throw new Error(`BENCH_ALGORITHMS: unknown algorithm '${a}'`);
/** Scenario 8: a verify-only resource server on an asymmetric algorithm app's JWKS; BENCH_RESOURCE_SERVER=0 skips it. */
const RESOURCE_SERVER = process.env.BENCH_RESOURCE_SERVER !== '0';
/** Distinct tokens per algorithm for the first-verification runs: more than the guard's cache (10 000) holds. */
const DISTINCT_TOKENS = Number(process.env.BENCH_DISTINCT_TOKENS ?? 12_000);
const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The PostgreSQL database and Redis key prefix of this run (removed at the end). */
const BENCH_DB = `gk_bench_${randomBytes(4).toString('hex')}`;
/** The PostgreSQL database of the Fastify app's sessions (its own, so that each app seeds its own users). */
const BENCH_DB_FASTIFY = `${BENCH_DB}_fastify`;
const BENCH_PREFIX = `gk_bench_${randomBytes(4).toString('hex')}:`;

/**
 * CPU pinning: the sample apps on SERVER_CPU, this script (and autocannon in it) on CLIENT_CPU, via
 * `taskset` (Linux, two or more CPUs, `taskset` installed; BENCH_PIN=0 turns it off).
 */
const CPUS = os.cpus().length;
const PIN =
  process.env.BENCH_PIN !== '0' &&
  process.platform === 'linux' &&
  CPUS >= 2 &&
  spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
const SERVER_CPU = process.env.BENCH_SERVER_CPU ?? String(CPUS - 1);
const CLIENT_CPU = process.env.BENCH_CLIENT_CPU ?? '0';

/** `node args…` on the server's CPU when pinning (the pid stays node's: taskset execs it). */
function onServerCpu(args) {
  return PIN ? ['taskset', ['-c', SERVER_CPU, process.execPath, ...args]] : [process.execPath, args];
}

/** The sample apps started (header mode, cookie mode); `child` is the one being measured. */
const children = [];
let child = null;
let tempDir = null;

function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.length = 0;
  child = null;
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = null;
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

/**
 * CPU time (user + system, µs) the server process has used so far, from /proc (Linux); `null`
 * elsewhere. CPU per request is far less sensitive to a noisy machine than req/s.
 */
function serverCpuMicros() {
  return cpuMicros(child.pid);
}

/** Runs autocannon and records the server's CPU time per request. */
async function measured(run) {
  const before = serverCpuMicros();
  const out = await run();
  const after = serverCpuMicros();
  const result = out.result ?? out;
  out.cpuPerRequest = before === null || after === null ? null : (after - before) / result.requests.total;
  return out;
}

async function startApp(port, accessTokenType = 'header', extraEnv = {}, name = accessTokenType) {
  tempDir ??= mkdtempSync(join(os.tmpdir(), 'gatekeeper-bench-'));
  const [command, args] = onServerCpu([SAMPLE_MAIN]);
  child = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      SESSION_STORE: 'memory',
      AUTH_ACCESS_TOKEN_TYPE: accessTokenType,
      DATABASE_URL: `sqlite:${join(tempDir, `bench-${name}.sqlite`)}`,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      SEED_DEMO_USERS: 'on',
      // Express unless the caller asks for Fastify (not whatever HTTP_ADAPTER this script was given).
      HTTP_ADAPTER: 'express',
      ...extraEnv,
    },
  });
  children.push(child);
  const exited = new Promise((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`the sample app exited (${signal ?? code}) before it was ready`))),
  );
  exited.catch(() => undefined);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    // One request: the answer that says "ready" also names the platform (a second request could meet
    // the first one's keep-alive socket just as it closes).
    const health = await Promise.race([
      fetch(`${base}/health`)
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null),
      exited,
    ]);
    if (health !== null) {
      // GET /health names the platform: make sure each app measured runs on the one it is filed under.
      const { adapter } = health;
      const expected = extraEnv.HTTP_ADAPTER ?? 'express';
      if (adapter !== expected) throw new Error(`the sample app on ${base} runs on ${adapter}, not ${expected}`);
      return base;
    }
    await sleep(200);
  }
  throw new Error('the sample app did not answer /health within 60 s');
}

/** The environment of a sample app on Fastify. */
const ON_FASTIFY = { HTTP_ADAPTER: 'fastify' };

function cannon(options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: DURATION, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * Chained refreshes on `base` for `duration` s over `sessions` sessions (see {@link refreshChains};
 * `mode: 'cookie'` on a cookie-mode app); the rate counts the 200 answers only.
 */
async function refreshRun(base, sessions, duration, mode = 'header') {
  const leadIn = duration >= 2 && REFRESH_LEAD_IN > 0;
  // With a lead-in, one more chain per connection: the requests in flight when the lead-in stops take
  // their successors with them.
  const { request, counts } = await refreshChains(base, leadIn ? sessions + CONNECTIONS : sessions, mode);
  // An unmeasured lead-in of the same load: the logins above woke the app's password-hashing thread
  // (it exits after 30 s idle), and for about a second after them the app's other threads cost
  // 10–15 µs more per refresh; the measured run starts once that has passed.
  if (leadIn) await cannon({ url: base, duration: REFRESH_LEAD_IN, requests: [request] });
  counts.ok = 0;
  counts.broken = 0;
  const before = serverCpuMicros();
  const result = await cannon({ url: base, duration, requests: [request] });
  const after = serverCpuMicros();
  const cpuPerRequest = before === null || after === null ? null : (after - before) / result.requests.total;
  return { result, ok: counts.ok, broken: counts.broken, rate: counts.ok / result.duration, cpuPerRequest };
}

/**
 * Raw argon2id verifications per second with the module's parameters, in a child process on the
 * server's CPU doing nothing else (synchronous verifications in a loop, as the hashing thread does),
 * and its CPU time per verification.
 */
function rawVerifications(seconds) {
  const script = `
    import { Algorithm, hashSync, verifySync } from '@node-rs/argon2';
    const params = ${JSON.stringify(ARGON2)};
    const encoded = hashSync('bench password', { algorithm: Algorithm.Argon2id, ...params });
    for (let i = 0; i < 3; i++) verifySync(encoded, 'bench password');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < ${seconds * 1000}) {
      if (!verifySync(encoded, 'bench password')) throw new Error('verification failed');
      n++;
    }
    const cpu = process.cpuUsage(cpu0);
    console.log(JSON.stringify({ perSecond: n / ((performance.now() - t0) / 1000), cpuPerVerification: (cpu.user + cpu.system) / n }));
  `;
  const [command, args] = onServerCpu(['--input-type=module', '-e', script]);
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the raw verification loop failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/**
 * CPU time (µs) of one signature verification per algorithm with node:crypto alone, in a child
 * process on the server's CPU (a 400-byte signing input, about an access token's): what a first
 * verification adds at least, for the algorithm scenario.
 */
function rawSignatureVerifications(algorithms) {
  const script = `
    import { createHmac, createSecretKey, generateKeyPairSync, sign, timingSafeEqual, verify } from 'node:crypto';
    const data = Buffer.alloc(400, 'x');
    const make = {
      HS256: () => {
        const key = createSecretKey(Buffer.alloc(32, 1));
        const mac = createHmac('sha256', key).update(data).digest();
        return () => timingSafeEqual(createHmac('sha256', key).update(data).digest(), mac);
      },
      EdDSA: () => {
        const { privateKey, publicKey } = generateKeyPairSync('ed25519');
        const signature = sign(null, data, privateKey);
        return () => verify(null, data, publicKey, signature);
      },
      ES256: () => {
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const signature = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        return () => verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
      },
      RS256: () => {
        const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const signature = sign('sha256', data, privateKey);
        return () => verify('sha256', data, publicKey, signature);
      },
    };
    const out = {};
    for (const name of ${JSON.stringify(algorithms)}) {
      const check = make[name]();
      for (let i = 0; i < 500; i++) check();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < 1000) {
        if (!check()) throw new Error(name + ': verification failed');
        n++;
      }
      const cpu = process.cpuUsage(cpu0);
      out[name] = (cpu.user + cpu.system) / n;
    }
    console.log(JSON.stringify(out));
  `;
  const [command, args] = onServerCpu(['--input-type=module', '-e', script]);
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the raw signature verification loop failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Registers `count` users for the login flood (one account each for a few of its connections). */
async function floodUsers(base, count) {
  const users = [];
  for (let i = 0; i < count; i++) {
    const user = { username: `bench-flood-${i}`, password: `bench-flood-password-${i}` };
    const res = await fetch(`${base}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...user, email: `bench-flood-${i}@example.com` }),
    });
    if (res.status !== 201 && res.status !== 202) throw new Error(`registering ${user.username} failed: ${res.status} ${await res.text()}`);
    users.push(user);
  }
  return users;
}

/**
 * GET /protected alone, then the same GETs during a login flood of FLOOD_CONNECTIONS connections
 * (correct passwords, round-robin over `users`, so that no account reaches its attempt cap).
 */
async function floodRun(base, headers, users) {
  const get = () => cannon({ url: `${base}/protected`, headers });
  const idle = await measured(get);
  let next = 0;
  const statuses = {};
  const [during, flood] = await Promise.all([
    get(),
    cannon({
      url: base,
      connections: FLOOD_CONNECTIONS,
      requests: [
        {
          method: 'POST',
          path: '/auth/login',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: JSON.stringify(users[next++ % users.length]) }),
          onResponse: (status) => {
            statuses[status] = (statuses[status] ?? 0) + 1;
          },
        },
      ],
    }),
  ]);
  return { idle, during, flood, statuses };
}

function row(name, result, extra = {}) {
  return {
    name,
    rps: extra.rps ?? result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
    cpu: extra.cpu ?? result.cpuPerRequest ?? null,
  };
}

/** One row from several runs of a scenario: mean req/s and p99, CPU per request over all requests. */
function mean(runs) {
  if (runs.length === 0) return null;
  const sum = (pick) => runs.reduce((total, r) => total + pick(r), 0);
  const total = sum((r) => r.total);
  return {
    name: runs[0].name,
    rps: sum((r) => r.rps) / runs.length,
    p99: sum((r) => r.p99) / runs.length,
    non2xx: sum((r) => r.non2xx),
    total,
    cpu: runs.some((r) => r.cpu === null) ? null : sum((r) => r.cpu * r.total) / total,
    runs: runs.map((r) => r.rps),
  };
}

/** Runs SQL on the PostgreSQL server's `postgres` database. */
async function pgAdmin(sql) {
  const url = new URL(PG_URL);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Drops the run's PostgreSQL databases and Redis keys (best effort). */
async function cleanupServices() {
  for (const db of [BENCH_DB, BENCH_DB_FASTIFY]) await pgAdmin(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => undefined);
  await dropRedisKeys(REDIS_URL, BENCH_PREFIX);
}

/**
 * One more sample app per session store: SQLite (users and sessions in a temp file), PostgreSQL
 * (users and sessions in a database of this run) and Redis (users in SQLite, sessions and counters in
 * Redis under a prefix of this run). On Fastify (`adapter: 'fastify'`) a database and a key prefix of
 * their own, so that the two platforms' apps share no users, sessions or counters.
 */
async function startStoreApps(adapter = 'express') {
  const fastify = adapter === 'fastify';
  const database = fastify ? BENCH_DB_FASTIFY : BENCH_DB;
  const pgUrl = new URL(PG_URL);
  pgUrl.pathname = `/${database}`;
  await pgAdmin(`CREATE DATABASE "${database}"`);
  const apps = [];
  for (const [label, env] of [
    ['SQLite', { SESSION_STORE: 'database' }],
    ['PostgreSQL', { SESSION_STORE: 'database', DATABASE_URL: pgUrl.toString() }],
    ['Redis', { SESSION_STORE: 'redis', REDIS_URL, REDIS_KEY_PREFIX: fastify ? `${BENCH_PREFIX}fastify:` : BENCH_PREFIX }],
  ]) {
    const name = `${fastify ? 'fastify-' : ''}${label.toLowerCase()}`;
    const base = await startApp(await freePort(), 'header', fastify ? { ...env, ...ON_FASTIFY } : env, name);
    apps.push({ label, base, process: child });
  }
  return apps;
}

/** A JWK of its own for `algorithm` (private, with `kid` and `alg`), and the key that signs with it here. */
function benchKey(algorithm) {
  const kid = `bench-${algorithm.toLowerCase()}`;
  if (algorithm === 'HS256') {
    const secret = randomBytes(32);
    return { jwk: { kty: 'oct', k: secret.toString('base64url'), kid, alg: algorithm }, kid, algorithm, key: secret };
  }
  const { privateKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: algorithm, use: 'sig' }, kid, algorithm, key: privateKey };
}

/** A JWT over `payload`, signed here as the app would (header `{ alg, typ: 'at+jwt', kid }`). */
function signJwt({ algorithm, kid, key }, payload) {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64({ alg: algorithm, typ: 'at+jwt', kid })}.${b64(payload)}`;
  const signature =
    algorithm === 'HS256'
      ? createHmac('sha256', key).update(input).digest()
      : algorithm === 'EdDSA'
        ? sign(null, Buffer.from(input), key)
        : sign('sha256', Buffer.from(input), algorithm === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * One more sample app per signing algorithm (HS256 first, the baseline), each with its key in a
 * JWT_JWKS_FILE of its own; logs in as emilys and signs DISTINCT_TOKENS tokens with that session's
 * claims (a distinct `jti` each), checking that the app accepts one.
 */
async function startAlgorithmApps() {
  const apps = [];
  for (const algorithm of ['HS256', ...ALGORITHMS]) {
    const key = benchKey(algorithm);
    const file = join(tempDir, `jwks-${algorithm}.json`);
    writeFileSync(file, JSON.stringify({ keys: [key.jwk] }));
    const base = await startApp(await freePort(), 'header', { JWT_SECRET: '', JWT_JWKS_FILE: file }, `alg-${algorithm}`);
    const proc = child;
    const { accessToken } = await login(base);
    const [header, body] = accessToken.split('.');
    if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== algorithm)
      throw new Error(`the ${algorithm} app signs with another algorithm`);
    // The session's claims, valid for an hour (the longest the module issues) so that no token
    // expires during a long run; the repeated token is signed the same way.
    const issued = JSON.parse(Buffer.from(body, 'base64url').toString());
    const claims = { ...issued, exp: issued.iat + 3600 };
    const started = performance.now();
    const repeated = signJwt(key, { ...claims, jti: 'bench-repeated' });
    const distinct = Array.from({ length: DISTINCT_TOKENS }, (_, i) => signJwt(key, { ...claims, jti: `bench-${i}` }));
    // Signing blocked this script's event loop for seconds: the login's keep-alive socket may have been
    // closed by the app meanwhile without undici noticing yet, so a first failure is retried (a GET).
    const get = () => fetch(`${base}/protected`, { headers: { authorization: `Bearer ${distinct[0]}` } });
    const check = await get().catch(get);
    if (check.status !== 200) throw new Error(`the ${algorithm} app refused a token signed with its key: ${check.status}`);
    console.log(
      `[bench] sample app on ${base}: ${algorithm} (${DISTINCT_TOKENS} tokens signed in ${Math.round(performance.now() - started)} ms)`,
    );
    apps.push({ algorithm, base, process: proc, bearer: { authorization: `Bearer ${repeated}` }, distinct, next: 0 });
  }
  return apps;
}

/**
 * GET /protected with the tokens of `app.distinct` in turn, carrying on where the last run stopped:
 * a token comes back only after all the others, by which time the cache (10 000 tokens, oldest
 * evicted first) has dropped it, so every request is a first verification.
 */
function distinctRun(app, duration = DURATION) {
  return cannon({
    url: app.base,
    duration,
    requests: [
      {
        method: 'GET',
        path: '/protected',
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${app.distinct[app.next++ % app.distinct.length]}` },
        }),
      },
    ],
  });
}

/**
 * The issuer app the resource server reads its keys from: the EdDSA one, else the first other
 * asymmetric one (the HS256 app publishes no keys); `undefined` when there is none.
 */
function resourceServerIssuer(algorithmApps) {
  return algorithmApps.find((a) => a.algorithm === 'EdDSA') ?? algorithmApps.find((a) => a.algorithm !== 'HS256');
}

/**
 * A verify-only resource server (SAMPLE_ROLE=resource-server, on the server's CPU like the other
 * apps) reading `issuer`'s /.well-known/jwks.json, with the issuer app's repeated token and distinct
 * tokens (a cursor of its own). It fetches the keys in the background after start-up: ready once
 * /protected answers 200 to the repeated token.
 */
async function startResourceServer(issuer) {
  const jwksUrl = `${issuer.base}/.well-known/jwks.json`;
  const base = await startApp(
    await freePort(),
    'header',
    { SAMPLE_ROLE: 'resource-server', AUTH_JWKS_URL: jwksUrl, JWKS_MIN_CACHE_AGE: '', JWKS_UNKNOWN_KID_COOLDOWN: '' },
    'resource-server',
  );
  const proc = child;
  const role = await fetch(`${base}/health`).then((r) => r.json());
  if (role.role !== 'resource-server') throw new Error(`the app on ${base} is not a resource server: ${JSON.stringify(role)}`);
  const deadline = Date.now() + 30_000;
  let status = 0;
  while (Date.now() < deadline) {
    status = await fetch(`${base}/protected`, { headers: issuer.bearer }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await sleep(100);
  }
  if (status !== 200)
    throw new Error(`the resource server did not accept the ${issuer.algorithm} app's token within 30 s (last status ${status})`);
  const check = await fetch(`${base}/protected`, { headers: { authorization: `Bearer ${issuer.distinct[0]}` } });
  if (check.status !== 200) throw new Error(`the resource server refused a distinct ${issuer.algorithm} token: ${check.status}`);
  console.log(`[bench] resource server on ${base}: keys from ${jwksUrl} (${issuer.algorithm})`);
  return { algorithm: issuer.algorithm, base, process: proc, bearer: issuer.bearer, distinct: issuer.distinct, next: 0 };
}

/**
 * One platform's header-mode and cookie-mode sample apps (SESSION_STORE=memory; the cookie-mode one
 * idles while the header-mode one is measured, and the other way round), with what their clients
 * send: a bearer token of the header-mode app, and the access and CSRF cookies a browser sends to the
 * cookie-mode app's /protected (the refresh cookie's path is /auth). `stores`: its session-store apps.
 */
async function startPlatformApps(adapter) {
  const onFastify = adapter === 'fastify';
  const env = onFastify ? ON_FASTIFY : {};
  const cookieBase = await startApp(await freePort(), 'cookie', env, onFastify ? 'fastify-cookie' : 'cookie');
  const cookieApp = child;
  const base = await startApp(await freePort(), 'header', env, onFastify ? 'fastify-header' : 'header');
  const headerApp = child;
  const { accessToken } = await login(base);
  const jar = await cookieLogin(cookieBase);
  return {
    key: adapter,
    label: onFastify ? 'Fastify' : 'Express',
    base,
    headerApp,
    cookieBase,
    cookieApp,
    bearer: { authorization: `Bearer ${accessToken}` },
    cookieHeaders: { cookie: `access_token=${jar.access_token}; csrf_token=${jar.csrf_token}` },
    stores: [],
  };
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  // The machine's 1-minute load average every 5 s, printed and written beside the figures: another
  // process on the machine lowers req/s far more than CPU per request.
  const startedAt = performance.now();
  const loadSamples = [os.loadavg()[0]];
  setInterval(() => loadSamples.push(os.loadavg()[0]), 5000).unref();
  buildLibraryIfStale();
  buildSampleApp();

  const express = await startPlatformApps('express');
  const { base, headerApp, cookieBase, cookieApp, bearer, cookieHeaders } = express;
  // The same app without the revocation feed (REVOCATION_FEED=off), for the refresh comparison.
  const noFeedBase = await startApp(await freePort(), 'header', { REVOCATION_FEED: 'off' }, 'no-feed');
  const noFeedApp = child;
  // The same app without security events (AUTH_EVENTS=off: no log, no activity feed), for the login
  // and refresh comparison.
  const eventsOffBase = await startApp(await freePort(), 'header', { AUTH_EVENTS: 'off' }, 'events-off');
  const eventsOff = { key: 'eventsOff', label: 'Express (events off)', base: eventsOffBase, headerApp: child };
  console.log(
    `[bench] sample apps on ${base} (header mode), ${cookieBase} (cookie mode), ${noFeedBase} (REVOCATION_FEED=off) and ${eventsOffBase} (AUTH_EVENTS=off); SESSION_STORE=memory, SQLite in ${tempDir}`,
  );
  console.log(
    PIN
      ? `[bench] sample apps pinned to CPU ${SERVER_CPU}, this script and autocannon to CPU ${CLIENT_CPU} (taskset)`
      : '[bench] not pinned to CPUs: the load generator competes with the server',
  );
  const storeApps = STORES ? await startStoreApps() : [];
  express.stores = storeApps;
  for (const s of storeApps) console.log(`[bench] sample app on ${s.base}: sessions in ${s.label}`);
  const fastify = FASTIFY ? await startPlatformApps('fastify') : null;
  if (fastify) {
    fastify.stores = STORES ? await startStoreApps('fastify') : [];
    console.log(
      `[bench] Fastify sample apps on ${fastify.base} (header mode), ${fastify.cookieBase} (cookie mode)${fastify.stores
        .map((s) => `, ${s.base} (${s.label} sessions)`)
        .join('')}`,
    );
  }
  /** Express, and Fastify unless BENCH_FASTIFY=0. */
  const platforms = fastify ? [express, fastify] : [express];
  const algorithmApps = ALGORITHMS.length > 0 ? await startAlgorithmApps() : [];
  const rsIssuer = RESOURCE_SERVER ? resourceServerIssuer(algorithmApps) : undefined;
  if (RESOURCE_SERVER && rsIssuer === undefined)
    console.log('[bench] resource-server scenario skipped: it needs an EdDSA, ES256 or RS256 app (BENCH_ALGORITHMS)');
  const resourceServer = rsIssuer === undefined ? null : await startResourceServer(rsIssuer);

  console.log(
    `[bench] warm-up ${WARMUP} s each: /health, /protected, /auth/refresh (header and cookie mode, per store)${fastify ? ', on Express and on Fastify' : ''}`,
  );
  // /health gets the same Authorization header as /protected: the two requests are byte-for-byte the
  // same size, so the pair differs only by the guard's work (verify the JWT, @CurrentUser).
  for (const p of platforms) {
    await cannon({ url: `${p.base}/health`, headers: p.bearer, duration: WARMUP });
    await cannon({ url: `${p.base}/protected`, headers: p.bearer, duration: WARMUP });
    // Refreshes warm up as they are measured: as many chains as the runs (with fewer chains than
    // connections, the other connections would only warm up the 401 path).
    await refreshRun(p.base, CONNECTIONS + 5, WARMUP);
    if (p === express) await refreshRun(noFeedBase, CONNECTIONS + 5, WARMUP);
    if (p === express) await refreshRun(eventsOffBase, CONNECTIONS + 5, WARMUP);
    await cannon({ url: `${p.cookieBase}/protected`, headers: p.cookieHeaders, duration: WARMUP });
    await refreshRun(p.cookieBase, CONNECTIONS + 5, WARMUP, 'cookie');
    for (const s of p.stores) await refreshRun(s.base, CONNECTIONS + 5, WARMUP);
  }
  for (const app of algorithmApps) {
    await cannon({ url: `${app.base}/protected`, headers: app.bearer, duration: WARMUP });
    await distinctRun(app, WARMUP);
  }
  if (resourceServer) {
    await cannon({ url: `${resourceServer.base}/health`, headers: resourceServer.bearer, duration: WARMUP });
    await cannon({ url: `${resourceServer.base}/protected`, headers: resourceServer.bearer, duration: WARMUP });
    await distinctRun(resourceServer, WARMUP);
  }

  // The scenarios alternate over ROUNDS rounds and each figure is the mean of its runs: a slower
  // stretch of the shared machine then weighs on every scenario alike (one 8 s run can be 15 % off).
  // Each Fastify run sits right beside the same run on Express (Express first in odd rounds, Fastify
  // first in even ones), so that each pair compared is measured within seconds.
  const platformRuns = (p) => ({
    health: [],
    protected: [],
    cookieProtected: [],
    refresh: [],
    cookieRefresh: [],
    stores: p.stores.map(() => []),
  });
  const runs = {
    express: platformRuns(express),
    fastify: fastify ? platformRuns(fastify) : null,
    noFeed: [],
    eventsOff: [],
    algorithms: algorithmApps.map(() => ({ repeated: [], distinct: [] })),
    resourceServer: { health: [], repeated: [], distinct: [] },
  };
  /** A refresh run as a row: req/s counts the 200 answers only; its broken chains are its non-2xx. */
  const refreshResultRow = (name, r) => ({ ...row(name, r.result, { rps: r.rate, cpu: r.cpuPerRequest }), non2xx: r.broken });
  /** One run of a scenario of 1–4 on platform `p`'s apps. */
  async function runOn(p, scenario) {
    const stored = /^store(\d+)$/.exec(scenario);
    if (stored) {
      const s = p.stores[Number(stored[1])];
      child = s.process;
      return refreshResultRow(`POST /auth/refresh (${s.label} sessions)`, await refreshRun(s.base, CONNECTIONS + 5, DURATION));
    }
    child = scenario === 'cookieProtected' || scenario === 'cookieRefresh' ? p.cookieApp : p.headerApp;
    switch (scenario) {
      case 'health':
        return row('GET /health', await measured(() => cannon({ url: `${p.base}/health`, headers: p.bearer })));
      case 'protected':
        return row('GET /protected', await measured(() => cannon({ url: `${p.base}/protected`, headers: p.bearer })));
      case 'cookieProtected':
        return row(
          'GET /protected (cookie mode)',
          await measured(() => cannon({ url: `${p.cookieBase}/protected`, headers: p.cookieHeaders })),
        );
      case 'refresh':
        return refreshResultRow('POST /auth/refresh', await refreshRun(p.base, CONNECTIONS + 5, DURATION));
      case 'cookieRefresh':
        return refreshResultRow('POST /auth/refresh (cookie mode)', await refreshRun(p.cookieBase, CONNECTIONS + 5, DURATION, 'cookie'));
    }
    throw new Error(`unknown scenario ${scenario}`);
  }
  const scenarios = ['health', 'protected', 'cookieProtected', 'refresh', 'cookieRefresh', ...storeApps.map((_, i) => `store${i}`)];
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(
      `[bench] round ${round}/${ROUNDS}: GET /health, GET /protected (header, then cookie), POST /auth/refresh (header, then cookie)${
        storeApps.length > 0 ? ' (and per store)' : ''
      }${fastify ? `, each on ${round % 2 === 1 ? 'Express, then Fastify' : 'Fastify, then Express'}` : ''}${
        algorithmApps.length > 0 ? '; GET /protected per algorithm' : ''
      }${resourceServer ? ' and on the resource server' : ''}; ${DURATION} s each (${CONNECTIONS} connections)`,
    );
    const order = round % 2 === 1 ? platforms : [...platforms].reverse();
    for (const scenario of scenarios) {
      for (const p of order) {
        if (scenario.startsWith('store') && p.stores.length === 0) continue;
        const r = await runOn(p, scenario);
        if (scenario.startsWith('store')) runs[p.key].stores[Number(scenario.slice(5))].push(r);
        else runs[p.key][scenario].push(r);
        // The no-feed app right after Express's own in-memory refresh run.
        if (scenario === 'refresh' && p === express) {
          child = noFeedApp;
          runs.noFeed.push(
            refreshResultRow('POST /auth/refresh (without the revocation feed)', await refreshRun(noFeedBase, CONNECTIONS + 5, DURATION)),
          );
          child = eventsOff.headerApp;
          runs.eventsOff.push(
            refreshResultRow('POST /auth/refresh (events off)', await refreshRun(eventsOffBase, CONNECTIONS + 5, DURATION)),
          );
        }
      }
    }
    for (const [i, app] of algorithmApps.entries()) {
      // The resource server's runs sit beside the same runs of the issuer app it reads its keys from
      // (its /health and one-token run after that app's one-token run, its distinct tokens after that
      // app's), so that each pair compared is measured within seconds.
      const rs = app === rsIssuer ? resourceServer : null;
      child = app.process;
      runs.algorithms[i].repeated.push(
        row(
          `GET /protected (${app.algorithm}, one token)`,
          await measured(() => cannon({ url: `${app.base}/protected`, headers: app.bearer })),
        ),
      );
      if (rs) {
        child = rs.process;
        runs.resourceServer.health.push(
          row('resource server GET /health', await measured(() => cannon({ url: `${rs.base}/health`, headers: rs.bearer }))),
        );
        runs.resourceServer.repeated.push(
          row(
            `resource server GET /protected (${rs.algorithm}, one token)`,
            await measured(() => cannon({ url: `${rs.base}/protected`, headers: rs.bearer })),
          ),
        );
        child = app.process;
      }
      runs.algorithms[i].distinct.push(row(`GET /protected (${app.algorithm}, distinct tokens)`, await measured(() => distinctRun(app))));
      if (rs) {
        child = rs.process;
        runs.resourceServer.distinct.push(
          row(`resource server GET /protected (${rs.algorithm}, distinct tokens)`, await measured(() => distinctRun(rs))),
        );
      }
    }
    child = headerApp;
  }
  /** A platform's figures: the mean of each scenario's runs. */
  const platformRows = (r) => ({
    health: mean(r.health),
    protected: mean(r.protected),
    cookieProtected: mean(r.cookieProtected),
    refresh: mean(r.refresh),
    cookieRefresh: mean(r.cookieRefresh),
    stores: r.stores.map(mean),
  });
  const expressRows = platformRows(runs.express);
  const fastifyRows = runs.fastify ? platformRows(runs.fastify) : null;
  const health = expressRows.health;
  const protectedRow = expressRows.protected;
  const cookieProtectedRow = expressRows.cookieProtected;
  const refreshRow = expressRows.refresh;
  const cookieRefreshRow = expressRows.cookieRefresh;
  const noFeedRow = mean(runs.noFeed);
  const eventsOffRefreshRow = mean(runs.eventsOff);
  const storeRows = expressRows.stores;
  const algorithmRows = runs.algorithms.map((r, i) => ({
    algorithm: algorithmApps[i].algorithm,
    repeated: mean(r.repeated),
    distinct: mean(r.distinct),
  }));
  const rsIssuerRow = resourceServer ? algorithmRows.find((r) => r.algorithm === resourceServer.algorithm) : undefined;
  const rsRows = resourceServer
    ? {
        algorithm: resourceServer.algorithm,
        health: mean(runs.resourceServer.health),
        repeated: mean(runs.resourceServer.repeated),
        distinct: mean(runs.resourceServer.distinct),
      }
    : null;

  // The other apps stop here: the hashing scenarios want the server's CPU to themselves (the header
  // apps stay, Fastify's idle while Express's is measured and the other way round).
  for (const app of [
    ...platforms.flatMap((p) => [p.cookieApp, ...p.stores.map((s) => s.process)]),
    noFeedApp,
    ...algorithmApps.map((a) => a.process),
    ...(resourceServer ? [resourceServer.process] : []),
  ])
    app.kill('SIGKILL');

  console.log(
    `[bench] raw argon2id verifications ${LOGIN_DURATION} s (m=${ARGON2.memoryCost} KiB, t=${ARGON2.timeCost}, p=${ARGON2.parallelism})`,
  );
  const raw = rawVerifications(LOGIN_DURATION);
  const rawSignatures = algorithmApps.length > 0 ? rawSignatureVerifications(algorithmApps.map((a) => a.algorithm)) : {};

  // Two runs of half the time each per app, Express, (Fastify, Fastify,) the events-off app twice,
  // Express, so that a drift of the machine over the scenario weighs on all alike.
  const loginOrder = fastify ? [express, eventsOff, fastify, fastify, eventsOff, express] : [express, eventsOff, eventsOff, express];
  const loginDuration = LOGIN_DURATION / 2;
  console.log(
    `[bench] POST /auth/login ${LOGIN_DURATION} s (${LOGIN_CONNECTIONS} connections)${fastify ? ` on each platform, in runs of ${loginDuration} s: ${loginOrder.map((p) => p.label).join(', ')}` : ''}`,
  );
  const loginRuns = { express: [], fastify: [], eventsOff: [] };
  for (const p of loginOrder) {
    child = p.headerApp;
    loginRuns[p.key].push(
      await measured(() =>
        cannon({
          url: `${p.base}/auth/login`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(USER),
          connections: LOGIN_CONNECTIONS,
          duration: loginDuration,
        }),
      ),
    );
  }
  child = headerApp;
  if (fastify) fastify.headerApp.kill('SIGKILL');
  eventsOff.headerApp.kill('SIGKILL');
  /** A platform's login runs as one row: logins (2xx) per second over their whole time, CPU per request over all requests. */
  const loginRowOf = (results) => {
    const sum = (pick) => results.reduce((total, r) => total + pick(r), 0);
    const total = sum((r) => r.requests.total);
    return {
      name: 'POST /auth/login',
      rps: sum((r) => r['2xx']) / sum((r) => r.duration),
      p99: sum((r) => r.latency.p99) / results.length,
      non2xx: sum((r) => r.non2xx + r.errors + r.timeouts),
      total,
      cpu: results.some((r) => r.cpuPerRequest === null) ? null : sum((r) => r.cpuPerRequest * r.requests.total) / total,
      connections: LOGIN_CONNECTIONS,
    };
  };
  const loginRow = loginRowOf(loginRuns.express);
  const eventsOffLoginRow = { ...loginRowOf(loginRuns.eventsOff), name: 'POST /auth/login (events off)' };
  if (fastifyRows) fastifyRows.login = loginRowOf(loginRuns.fastify);

  console.log(`[bench] GET /protected ${DURATION} s alone, then ${DURATION} s during a ${FLOOD_CONNECTIONS}-connection login flood`);
  const users = await floodUsers(base, 4);
  const reader = await login(base, READER);
  const flood = await floodRun(base, { authorization: `Bearer ${reader.accessToken}` }, users);
  const floodIdleRow = row('GET /protected (alone, before the flood)', flood.idle);
  const floodGetRow = row(`GET /protected (during a ${FLOOD_CONNECTIONS}-connection login flood)`, flood.during, { cpu: null });
  const floodLoginRow = {
    ...row(`POST /auth/login (the flood, ${FLOOD_CONNECTIONS} connections)`, flood.flood, {
      rps: flood.flood['2xx'] / flood.flood.duration,
      cpu: null,
    }),
    statuses: flood.statuses,
  };

  cleanup();
  await cleanupServices();

  const rows = [
    health,
    protectedRow,
    cookieProtectedRow,
    refreshRow,
    cookieRefreshRow,
    ...(noFeedRow ? [noFeedRow] : []),
    ...(eventsOffRefreshRow ? [eventsOffRefreshRow] : []),
    ...storeRows,
    loginRow,
    eventsOffLoginRow,
  ];
  // Scenario 9: each Fastify row beside the same scenario's Express row of the same rounds.
  const f = fastifyRows;
  const platformPairs = f
    ? [
        [health, f.health],
        [protectedRow, f.protected],
        [cookieProtectedRow, f.cookieProtected],
        [refreshRow, f.refresh],
        [cookieRefreshRow, f.cookieRefresh],
        ...storeRows.map((r, i) => [r, f.stores[i]]),
        [loginRow, f.login],
      ]
    : [];
  const floodRows = [floodIdleRow, floodGetRow, floodLoginRow];
  const storeRow = (label) => storeRows[storeApps.findIndex((s) => s.label === label)];
  const loadStats = {
    min: Math.min(...loadSamples),
    mean: loadSamples.reduce((a, b) => a + b, 0) / loadSamples.length,
    max: Math.max(...loadSamples),
  };
  const machine = {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown',
    nproc: CPUS,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
  const ratio = (a, b, digits = 3) => (a === null || b === null ? 'n/a' : fmt(a / b, digits));
  /** `µs CPU a vs b` for a check's value (CPU per request is less sensitive than req/s to a busy machine). */
  const cpuBeside = (a, b) => (a.cpu === null || b.cpu === null ? '' : `; CPU ${fmt(a.cpu)} vs ${fmt(b.cpu)} µs/req`);
  const protectedRatio = protectedRow.rps / health.rps;
  const cookieRatio = cookieProtectedRow.rps / protectedRow.rps;
  const loginVsRaw = loginRow.rps / raw.perSecond;
  const floodRatio = floodGetRow.rps / floodIdleRow.rps;
  const feedRatio = noFeedRow ? refreshRow.rps / noFeedRow.rps : null;
  const eventsRefreshRatio = eventsOffRefreshRow ? refreshRow.rps / eventsOffRefreshRow.rps : null;
  const eventsLoginRatio = loginRow.rps / eventsOffLoginRow.rps;
  const checks = [
    {
      target: `cookie-mode GET /protected within ${Math.round((1 - TARGETS.cookieRatio) * 100)} % of header mode`,
      value: `${fmt(cookieRatio, 3)} ×`,
      met: cookieRatio >= TARGETS.cookieRatio,
    },
    {
      target: `GET /protected ≥ ${TARGETS.protectedRatio} × GET /health`,
      value: `${fmt(protectedRatio, 3)} ×`,
      met: protectedRatio >= TARGETS.protectedRatio,
    },
    {
      target: `refresh ≥ ${fmt(TARGETS.refreshPerSecond)}/s (in-memory session store)`,
      value: `${fmt(refreshRow.rps)}/s`,
      met: refreshRow.rps >= TARGETS.refreshPerSecond,
    },
    ...[
      ['Redis', TARGETS.redisRefresh],
      ['PostgreSQL', TARGETS.postgresRefresh],
    ]
      .filter(([label]) => storeRow(label))
      .map(([label, target]) => ({
        target: `refresh ≥ ${fmt(target)}/s with ${label} sessions`,
        value: `${fmt(storeRow(label).rps)}/s = ${fmt(storeRow(label).rps / refreshRow.rps, 3)} × in-memory`,
        met: storeRow(label).rps >= target,
      })),
    ...(feedRatio === null
      ? []
      : [
          {
            target: `refresh with the revocation feed within ${Math.round((1 - TARGETS.feedRatio) * 100)} % of refresh without it`,
            value: `${fmt(feedRatio, 3)} ×`,
            met: feedRatio >= TARGETS.feedRatio,
          },
        ]),
    ...(eventsRefreshRatio === null
      ? []
      : [
          {
            target: `refresh with security events within ${Math.round((1 - TARGETS.eventsRatio) * 100)} % of refresh with AUTH_EVENTS=off`,
            value: `${fmt(eventsRefreshRatio, 3)} ×${cpuBeside(refreshRow, eventsOffRefreshRow)}`,
            met: eventsRefreshRatio >= TARGETS.eventsRatio,
          },
        ]),
    {
      target: `login with security events within ${Math.round((1 - TARGETS.eventsRatio) * 100)} % of login with AUTH_EVENTS=off`,
      value: `${fmt(loginRow.rps)}/s ÷ ${fmt(eventsOffLoginRow.rps)}/s = ${fmt(eventsLoginRatio, 3)} ×${cpuBeside(loginRow, eventsOffLoginRow)}`,
      met: eventsLoginRatio >= TARGETS.eventsRatio,
    },
    {
      target: `login/s ≥ ${TARGETS.loginVsRaw} × raw argon2id verifications/s (same core)`,
      value: `${fmt(loginRow.rps)}/s ÷ ${fmt(raw.perSecond)}/s = ${fmt(loginVsRaw, 3)} ×`,
      met: loginVsRaw >= TARGETS.loginVsRaw,
    },
    {
      target: `GET /protected during a ${FLOOD_CONNECTIONS}-connection login flood ≥ ${TARGETS.floodRatio} × alone`,
      value: `${fmt(floodRatio, 3)} × (p99 ${floodIdleRow.p99} → ${floodGetRow.p99} ms)`,
      met: floodRatio >= TARGETS.floodRatio,
    },
    ...(f
      ? [
          {
            target: `Fastify: GET /protected ≥ ${TARGETS.fastifyProtectedRatio} × Fastify GET /health`,
            value: `${fmt(f.protected.rps)}/s ÷ ${fmt(f.health.rps)}/s = ${ratio(f.protected.rps, f.health.rps)} ×${cpuBeside(f.protected, f.health)}`,
            met: f.protected.rps >= TARGETS.fastifyProtectedRatio * f.health.rps,
          },
          {
            target: `Fastify: refresh ≥ ${TARGETS.fastifyRefreshVsExpress} × Express refresh (in-memory sessions, same rounds)`,
            value: `${fmt(f.refresh.rps)}/s ÷ ${fmt(refreshRow.rps)}/s = ${ratio(f.refresh.rps, refreshRow.rps)} ×${cpuBeside(f.refresh, refreshRow)}`,
            met: f.refresh.rps >= TARGETS.fastifyRefreshVsExpress * refreshRow.rps,
          },
          {
            target: `Fastify: refresh ≥ ${fmt(TARGETS.fastifyRefreshPerSecond)}/s (in-memory sessions)`,
            value: `${fmt(f.refresh.rps)}/s`,
            met: f.refresh.rps >= TARGETS.fastifyRefreshPerSecond,
          },
          ...f.stores
            .filter((r, i) => fastify.stores[i].label === 'Redis')
            .map((r) => ({
              target: `Fastify: refresh with Redis sessions ≥ ${TARGETS.fastifyRedisRatio} × Fastify in-memory refresh`,
              value: `${fmt(r.rps)}/s ÷ ${fmt(f.refresh.rps)}/s = ${ratio(r.rps, f.refresh.rps)} ×${cpuBeside(r, f.refresh)}`,
              met: r.rps >= TARGETS.fastifyRedisRatio * f.refresh.rps,
            })),
          {
            target: `Fastify: cookie-mode refresh within ${Math.round((1 - TARGETS.fastifyCookieRefreshRatio) * 100)} % of header mode`,
            value: `${fmt(f.cookieRefresh.rps)}/s ÷ ${fmt(f.refresh.rps)}/s = ${ratio(f.cookieRefresh.rps, f.refresh.rps)} ×${cpuBeside(f.cookieRefresh, f.refresh)}`,
            met: f.cookieRefresh.rps >= TARGETS.fastifyCookieRefreshRatio * f.refresh.rps,
          },
        ]
      : []),
  ];

  console.log('');
  console.table(
    Object.fromEntries(
      rows.map((r) => [
        r.name,
        {
          'req/s': Math.round(r.rps),
          'p99 ms': r.p99,
          'vs /health': Number((r.rps / health.rps).toFixed(3)),
          'vs in-memory refresh': r.name.startsWith('POST /auth/refresh') ? Number((r.rps / refreshRow.rps).toFixed(3)) : '',
          'non-2xx': r.non2xx,
          'server CPU µs/req': r.cpu === null ? 'n/a' : Math.round(r.cpu),
        },
      ]),
    ),
  );
  // The Fastify rows: ratios to Express's same scenario, and within Fastify.
  const cpu = (r) => (r.cpu === null ? 'n/a' : Math.round(r.cpu));
  const isRefresh = (r) => r.name.startsWith('POST /auth/refresh');
  if (f) {
    console.table(
      Object.fromEntries(
        platformPairs.map(([e, fr]) => [
          `${e.name} Express | Fastify`,
          {
            'Express req/s': Math.round(e.rps),
            'Express CPU µs/req': cpu(e),
            'Fastify req/s': Math.round(fr.rps),
            'Fastify CPU µs/req': cpu(fr),
            'F/E req/s': Number((fr.rps / e.rps).toFixed(3)),
            'F/E CPU': e.cpu === null || fr.cpu === null ? 'n/a' : Number((fr.cpu / e.cpu).toFixed(2)),
            'vs Fastify /health': Number((fr.rps / f.health.rps).toFixed(3)),
            'vs Fastify refresh': isRefresh(fr) ? Number((fr.rps / f.refresh.rps).toFixed(3)) : '',
            'Fastify p99 ms': fr.p99,
            'Fastify non-2xx': fr.non2xx,
          },
        ]),
      ),
    );
  }
  console.log(
    `raw argon2id verifications: ${fmt(raw.perSecond)}/s, ${fmt(raw.cpuPerVerification)} µs CPU each; login: ${fmt(loginRow.rps)}/s, ${
      loginRow.cpu === null ? 'n/a' : fmt(loginRow.cpu)
    } µs server CPU each`,
  );
  console.table(
    Object.fromEntries(
      floodRows.map((r) => [
        r.name,
        {
          'req/s': Math.round(r.rps),
          'p99 ms': r.p99,
          'vs alone': r === floodGetRow ? Number(floodRatio.toFixed(3)) : '',
          'non-2xx': r.non2xx,
        },
      ]),
    ),
  );
  console.log(`login flood answers: ${JSON.stringify(flood.statuses)}`);
  const hs256 = algorithmRows.find((r) => r.algorithm === 'HS256');
  if (hs256) {
    console.table(
      Object.fromEntries(
        algorithmRows.flatMap((r) =>
          [
            ['one token (cached)', r.repeated, hs256.repeated],
            ['distinct tokens (first verification)', r.distinct, hs256.distinct],
          ].map(([label, m, base]) => [
            `GET /protected ${r.algorithm}, ${label}`,
            {
              'req/s': Math.round(m.rps),
              'vs HS256': Number((m.rps / base.rps).toFixed(3)),
              'vs /health': Number((m.rps / health.rps).toFixed(3)),
              'non-2xx': m.non2xx,
              'server CPU µs/req': cpu(m),
              'CPU vs HS256': m.cpu === null || base.cpu === null ? 'n/a' : Number((m.cpu / base.cpu).toFixed(2)),
              'raw verify µs': label.startsWith('distinct') ? Number(rawSignatures[r.algorithm].toFixed(1)) : '',
            },
          ]),
        ),
      ),
    );
  }
  // Scenario 8: each resource-server row beside the issuer's same route (/health: the header app's;
  // /protected: the algorithm app the resource server reads its keys from, same tokens).
  const rsTable = rsRows
    ? [
        ['GET /health', rsRows.health, health, '`GET /health`'],
        ['GET /protected, one token (cached)', rsRows.repeated, rsIssuerRow.repeated, '`GET /protected`, one token'],
        [
          'GET /protected, distinct tokens (first verification)',
          rsRows.distinct,
          rsIssuerRow.distinct,
          '`GET /protected`, distinct tokens',
        ],
      ]
    : [];
  if (rsRows) {
    console.table(
      Object.fromEntries(
        rsTable.map(([label, m, issuerRow]) => [
          `resource server ${label} (${rsRows.algorithm})`,
          {
            'req/s': Math.round(m.rps),
            'vs issuer same route': Number((m.rps / issuerRow.rps).toFixed(3)),
            'vs issuer /health': Number((m.rps / health.rps).toFixed(3)),
            'vs RS /health': Number((m.rps / rsRows.health.rps).toFixed(3)),
            'non-2xx': m.non2xx,
            'server CPU µs/req': cpu(m),
            'issuer CPU µs/req': cpu(issuerRow),
            'CPU vs issuer': m.cpu === null || issuerRow.cpu === null ? 'n/a' : Number((m.cpu / issuerRow.cpu).toFixed(2)),
          },
        ]),
      ),
    );
  }
  for (const c of checks) console.log(`${c.met ? 'MET   ' : 'MISSED'} ${c.target}: ${c.value}`);
  console.log(
    `load average (1 min, every 5 s, ${CPUS} CPUs): min ${fmt(loadStats.min, 2)}, mean ${fmt(loadStats.mean, 2)}, max ${fmt(loadStats.max, 2)}`,
  );
  console.log(`[bench] ran for ${fmt((performance.now() - startedAt) / 1000)} s (builds included)`);

  const markdown = `# Benchmarks

Produced by \`npm run bench\` (\`scripts/bench.mjs\`); every figure below comes from the same run.

- Date: ${machine.date}
- Machine: ${machine.cpu}, ${machine.nproc} CPUs, ${machine.memory} RAM, ${machine.platform}
- Node ${machine.node}. ${
    PIN
      ? `Every sample app runs pinned to CPU ${SERVER_CPU} and the load generator (autocannon) to CPU ${CLIENT_CPU} (\`taskset\`), so they do not compete. The sample app then sees one CPU (\`os.availableParallelism()\` = 1): it hashes one password at a time.`
      : 'The load generator runs on the same machine and competes with the server for the CPUs.'
  }
- Load average (1 minute, sampled every 5 s during the run, ${machine.nproc} CPUs): min ${fmt(loadStats.min, 2)}, mean
  ${fmt(loadStats.mean, 2)}, max ${fmt(loadStats.max, 2)}. The benchmark's own sample app and load generator
  account for up to 2 of it; more means other processes shared the CPUs, which lowers req/s and, less so,
  raises the server CPU per request.
- Sample app: \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, \`SESSION_STORE=memory\`, users in SQLite
  (better-sqlite3, temp file), header tokens, HS256.
- Load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per run after a ${WARMUP} s
  warm-up of each route.
- \`/health\`, \`/protected\` and refresh alternate over ${ROUNDS} rounds; each figure is the mean of its
  ${ROUNDS} runs. \`/health\` and \`/protected\` send the same \`Authorization: Bearer …\` header (ignored on the
  public \`/health\`), so the pair differs only by the guard's work (verifying the JWT, \`@CurrentUser\`).
- Refresh: ${CONNECTIONS} connections over ${CONNECTIONS + 5} sessions; every request presents the refresh
  token returned by an earlier refresh of the same session (a real rotation, never a replay); only
  200 responses count. Cookie mode: the same on the cookie-mode app, each request carrying what a
  browser sends (the access, refresh and CSRF cookies of the session's latest response, the
  \`X-CSRF-Token\` header, no body).
- Session stores: the refresh scenario also runs against three more sample apps, one per session
  store, in the same rounds: SQLite (users and sessions in a temp file, WAL), PostgreSQL (users and
  sessions in a database of this run on the local server) and Redis (users in SQLite, sessions and
  counters in the local Redis). Their figures are ratios of the in-memory store's refresh/s of the
  same run. PostgreSQL and Redis run on the same 2 CPUs as the app and the load generator.
- Refresh without the revocation feed: the same scenario on one more in-memory app started with
  \`REVOCATION_FEED=off\`, in the same rounds.
- Security events on and off: the apps above emit the security events (the JSON log, filtered out
  at \`LOG_LEVEL=warn\` but built, and the activity feed in SQLite); one more in-memory app started
  with \`AUTH_EVENTS=off\` emits none, and runs the refresh (right after Express's) and the login
  scenarios in the same rounds.
- Login: ${LOGIN_CONNECTIONS} connections, ${LOGIN_DURATION} s, correct password (argon2id m=19 MiB, t=2, p=1), after
  the other sample apps have stopped (${loginOrder.length} runs of ${loginDuration} s, ${loginOrder.map((p) => p.label).join(', ')}). Raw verifications: the same argon2id parameters, synchronous
  verifications in a loop in a child process on the server's CPU, for ${LOGIN_DURATION} s.
- Login flood: GET /protected (${CONNECTIONS} connections, a token of \`admin\`) for ${DURATION} s alone, then
  ${DURATION} s during a flood of ${FLOOD_CONNECTIONS} connections logging in with correct passwords, round-robin
  over 4 registered accounts (so that no account reaches its attempt cap).
- Server CPU per request: the server process's user + system CPU time during the run (from
  \`/proc\`, including its GC and thread-pool threads) divided by the requests served. It is much less
  sensitive than req/s to other load on the machine.

| Scenario | req/s | p99 latency (ms) | vs \`/health\` | vs in-memory refresh | non-2xx / errors | server CPU per request (µs) |
|---|---:|---:|---:|---:|---:|---:|
${rows
  .map(
    (r) =>
      `| \`${r.name}\` | ${fmt(r.rps)} | ${r.p99} | ${fmt(r.rps / health.rps, 3)} | ${r.name.startsWith('POST /auth/refresh') ? `${fmt(r.rps / refreshRow.rps, 3)} ×` : ''} | ${r.non2xx} | ${r.cpu === null ? 'n/a' : fmt(r.cpu)} |`,
  )
  .join('\n')}

| Password hashing | |
|---|---:|
| raw argon2id verifications/s (same core) | ${fmt(raw.perSecond)} (${fmt(raw.cpuPerVerification)} µs CPU each) |
| \`POST /auth/login\`/s | ${fmt(loginRow.rps)} = ${fmt(loginVsRaw, 3)} × raw (${loginRow.cpu === null ? 'n/a' : fmt(loginRow.cpu)} µs server CPU each) |

| Login flood | req/s | p99 latency (ms) | vs alone | non-2xx |
|---|---:|---:|---:|---:|
${floodRows
  .map((r) => `| \`${r.name}\` | ${fmt(r.rps)} | ${r.p99} | ${r === floodGetRow ? `${fmt(floodRatio, 3)} ×` : ''} | ${r.non2xx} |`)
  .join('\n')}

Flood logins answered: ${Object.entries(flood.statuses)
    .map(([status, count]) => `${fmt(count)} × ${status}`)
    .join(', ')}.

Runs, in order: \`/health\` ${health.runs.map((v) => fmt(v)).join(', ')} req/s; \`/protected\` ${protectedRow.runs
    .map((v) => fmt(v))
    .join(', ')} req/s; refresh ${refreshRow.runs.map((v) => fmt(v)).join(', ')}/s.
${
  f
    ? `
Express and Fastify: the same sample app on Fastify (\`HTTP_ADAPTER=fastify\`): a header-mode and a cookie-mode app with
in-memory sessions${fastify.stores.length > 0 ? ` and one app per session store (${fastify.stores.map((st) => st.label).join(', ')}; on PostgreSQL a database of its own, on Redis a key prefix of its own)` : ''},
pinned to the same CPU. Each Fastify run sits right beside the same run on Express in every round
(Express first in odd rounds, Fastify first in even ones), so that each pair is measured within
seconds; login as described above. "F/E": Fastify's figure divided by Express's.

| Scenario | Express req/s | Express CPU per request (µs) | Fastify req/s | Fastify CPU per request (µs) | F/E req/s | F/E CPU | Fastify vs its \`/health\` | Fastify vs its in-memory refresh | Fastify p99 (ms) | Fastify non-2xx |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${platformPairs
  .map(
    ([e, fr]) =>
      `| \`${e.name}\` | ${fmt(e.rps)} | ${e.cpu === null ? 'n/a' : fmt(e.cpu)} | ${fmt(fr.rps)} | ${fr.cpu === null ? 'n/a' : fmt(fr.cpu)} | ${ratio(fr.rps, e.rps)} × | ${ratio(fr.cpu, e.cpu, 2)} × | ${ratio(fr.rps, f.health.rps)} × | ${isRefresh(fr) ? `${ratio(fr.rps, f.refresh.rps)} ×` : ''} | ${fr.p99} | ${fr.non2xx} |`,
  )
  .join('\n')}

Runs, in order (Fastify): \`/health\` ${f.health.runs.map((v) => fmt(v)).join(', ')} req/s; \`/protected\` ${f.protected.runs
        .map((v) => fmt(v))
        .join(', ')} req/s; refresh ${f.refresh.runs.map((v) => fmt(v)).join(', ')}/s.

Where a refresh on Fastify spends its CPU time, layer by layer (a CPU profile, \`node scripts/profile-refresh.mjs\`):
[profile-refresh-fastify.md](profile-refresh-fastify.md).
`
    : ''
}
${
  hs256
    ? `| Signing algorithm: \`GET /protected\` | req/s | vs HS256 | vs \`/health\` | server CPU per request (µs) | one raw verification (µs CPU) | non-2xx |
|---|---:|---:|---:|---:|---:|---:|
${algorithmRows
  .flatMap((r) =>
    [
      ['one token', r.repeated, hs256.repeated],
      ['distinct tokens', r.distinct, hs256.distinct],
    ].map(
      ([label, m, base]) =>
        `| ${r.algorithm}, ${label} | ${fmt(m.rps)} | ${fmt(m.rps / base.rps, 3)} × | ${fmt(m.rps / health.rps, 3)} × | ${m.cpu === null ? 'n/a' : fmt(m.cpu)} | ${label === 'distinct tokens' ? fmt(rawSignatures[r.algorithm], 1) : ''} | ${m.non2xx} |`,
    ),
  )
  .join('\n')}

Signing algorithms: one more sample app per algorithm, each with a key of its own in a \`JWT_JWKS_FILE\`
(HS256 too, as the baseline), measured in the same rounds. "One token": every request carries the
same token, which the guard's verified-token cache answers after the first (what a client sending
its token again costs). "Distinct tokens": ${fmt(DISTINCT_TOKENS)} tokens with the session's claims (an hour's lifetime) and a
\`jti\` each, signed by the script with the app's key and sent in turn, more than the cache holds, so
every request verifies a signature (what the first request of each new token costs). One raw
verification: \`node:crypto\` alone verifying a 400-byte input in a loop, in a child process on the
server's CPU, for a second per algorithm.

`
    : ''
}${
    rsRows
      ? `| Resource server (${rsRows.algorithm}) | req/s | vs the issuer's same route | vs the issuer's \`/health\` | vs its own \`/health\` | server CPU per request (µs) | the issuer's (µs) | CPU vs the issuer | non-2xx |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rsTable
  .map(
    ([, m, issuerRow, mdLabel]) =>
      `| ${mdLabel} | ${fmt(m.rps)} | ${ratio(m.rps, issuerRow.rps)} × | ${ratio(m.rps, health.rps)} × | ${ratio(m.rps, rsRows.health.rps)} × | ${m.cpu === null ? 'n/a' : fmt(m.cpu)} | ${issuerRow.cpu === null ? 'n/a' : fmt(issuerRow.cpu)} | ${ratio(m.cpu, issuerRow.cpu, 2)} × | ${m.non2xx} |`,
  )
  .join('\n')}

Resource server: one more sample app started with \`SAMPLE_ROLE=resource-server\` (the
\`nest-gatekeeper/resource-server\` entry, pinned to the server's CPU like the others) whose
\`AUTH_JWKS_URL\` is the ${rsRows.algorithm} app's \`/.well-known/jwks.json\`; the script polls its \`GET /protected\`
until it answers 200 (the keys fetched) before measuring. It gets the same repeated token and the same
${fmt(DISTINCT_TOKENS)} distinct tokens as the ${rsRows.algorithm} app (a cursor of its own over them), and each of its runs
follows the ${rsRows.algorithm} app's same run in every round. "The issuer's same route": the ${rsRows.algorithm} app's
\`GET /protected\` with the same kind of token for the \`/protected\` rows, the header-mode app's
\`GET /health\` for the \`/health\` row. The resource server's own \`/health\` (public, the same
\`Authorization\` header) is its baseline: it is a smaller app (three routes, no stores, no auth
routes), so read the guards' difference in the \`/protected\` rows and in the CPU per request.

What the resource server's guard does not do that the issuer's does, so that the comparison is read
correctly: it reads only \`Authorization: Bearer\` (no access cookie, hence no CSRF check and no
header-versus-cookie session check; the issuer app measured here is in header mode, where these are
no-ops too); it has no revocation list (the issuer's guard looks every token's session up in it, one
map lookup; at the resource server a token of a session that logged out or was revoked passes until
its \`exp\`); and it never reads a session store (no \`@LiveSession()\`, no \`sessionCheck\`; the
issuer's sample \`/protected\` does not read it either). Both keep verified tokens in a cache of 10 000
(the repeated token hits it; every distinct token needs a signature check) and check the same claims;
the resource server also asks its key cache for the current keys on every request and re-fetches the
key set in the background before its \`Cache-Control\` max-age runs out (a conditional request to the
issuer every few minutes).

`
      : ''
  }| Target | Measured | |
|---|---:|---|
${checks.map((c) => `| ${c.target} | ${c.value} | ${c.met ? 'met' : '**missed**'} |`).join('\n')}
`;
  if (process.env.BENCH_DOCS === '0') return;
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  writeFileSync(join(ROOT, 'docs', 'benchmarks.md'), markdown);
  console.log('\n[bench] wrote docs/benchmarks.md');
}

/** On the client CPU: runs this script again under `taskset` (once), so autocannon runs pinned too. */
function pinSelf() {
  if (!PIN || process.env.BENCH_CLIENT_PINNED === '1') return false;
  const result = spawnSync('taskset', ['-c', CLIENT_CPU, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_CLIENT_PINNED: '1' },
  });
  process.exit(result.status ?? 1);
}

pinSelf();
main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  async (error) => {
    console.error(`[bench] ${error.stack ?? error}${error.cause ? `\n  cause: ${error.cause.stack ?? error.cause}` : ''}`);
    cleanup();
    await cleanupServices();
    process.exit(1);
  },
);
