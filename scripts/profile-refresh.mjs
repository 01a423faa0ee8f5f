// `node scripts/profile-refresh.mjs`: where the CPU time of POST /auth/refresh goes, layer by layer.
//
// Builds the library and the sample app, then for each case of PROFILE_CASES (default
// `header,cookie,redis`: header mode and cookie mode with SESSION_STORE=memory, and header mode with
// the sessions in Redis at REDIS_URL under a key prefix of the run, removed at the end) starts one
// sample app (HTTP_ADAPTER=PROFILE_ADAPTER, default fastify; users in SQLite, NODE_ENV=production,
// LOG_LEVEL=warn) pinned to one CPU with
// `taskset` as `npm run bench` pins it (BENCH_SERVER_CPU, default the last; this script and its
// autocannon on BENCH_CLIENT_CPU, default the first; BENCH_PIN=0 turns that off), and drives chained
// refreshes at it from the other CPU (PROFILE_CONNECTIONS, default 10, over 15 sessions; each request
// presents the latest token of its chain, as in the bench; cookie mode sends what a browser sends):
//   1. PROFILE_WARMUP s (default 5) of refreshes, unmeasured;
//   2. PROFILE_DURATION / 2 s unprofiled: refresh/s and the server's CPU µs per refresh (from /proc);
//   3. PROFILE_DURATION s (default 30) under V8's sampling CPU profiler (the one of `node --cpu-prof`,
//      switched on and off around this run by scripts/cpu-profile-hook.mjs, sampling every
//      PROFILE_INTERVAL_US µs, default 1000 as `--cpu-prof`), so the profile holds the refreshes only.
//      (Every thread of the app shares its one CPU, the profiler's sampling thread too: sampling
//      every 100 µs nearly doubled the CPU per refresh, and the interruptions landed mostly on the
//      socket writes, whose share it inflated from about 20 % to 40 %.)
// Each sample's frame is filed under a layer (Node HTTP, Fastify, Nest's pipeline, class-validator,
// fast-jwt, the module's own files, …); frames of Node's crypto and buffer modules and V8 built-ins
// (JSON, RegExp, …) count for the layer that called them. Prints, per case, the self time per layer
// (share of the busy samples, and as µs of the unprofiled CPU per refresh), the top self-time frames
// and the inclusive time of the steps of a refresh, and writes docs/profile-refresh-<adapter>.md
// (PROFILE_DOCS=0: not). The .cpuprofile files are kept in PROFILE_OUT (default a temp directory;
// Chrome DevTools and speedscope open them).
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, SAMPLE_MAIN, buildLibraryIfStale, buildSampleApp } from './build-helpers.mjs';
import { cpuMicros, dropRedisKeys, freePort, refreshChains } from './refresh-load.mjs';

const ADAPTER = process.env.PROFILE_ADAPTER ?? 'fastify';
if (!['express', 'fastify'].includes(ADAPTER)) throw new Error(`PROFILE_ADAPTER: expected express or fastify, got '${ADAPTER}'`);
/** The cases: how the app stores sessions and how its clients send their tokens. */
const CASES = {
  header: { mode: 'header', store: 'memory', title: 'Header mode, sessions in memory' },
  cookie: { mode: 'cookie', store: 'memory', title: 'Cookie mode, sessions in memory' },
  redis: { mode: 'header', store: 'redis', title: 'Header mode, sessions in Redis' },
};
const RUN_CASES = (process.env.PROFILE_CASES ?? 'header,cookie,redis').split(',').map((c) => c.trim());
for (const c of RUN_CASES) if (!(c in CASES)) throw new Error(`PROFILE_CASES: unknown case '${c}' (${Object.keys(CASES).join(', ')})`);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_PREFIX = `gk_profile_${randomBytes(4).toString('hex')}:`;
const DURATION = Number(process.env.PROFILE_DURATION ?? 30);
const WARMUP = Number(process.env.PROFILE_WARMUP ?? 5);
const CONNECTIONS = Number(process.env.PROFILE_CONNECTIONS ?? 10);
const INTERVAL_US = Number(process.env.PROFILE_INTERVAL_US ?? 1000);
const OUT = process.env.PROFILE_OUT ?? mkdtempSync(join(os.tmpdir(), 'gatekeeper-profile-'));
const HOOK = fileURLToPath(new URL('./cpu-profile-hook.mjs', import.meta.url));

const CPUS = os.cpus().length;
const PIN =
  process.env.BENCH_PIN !== '0' &&
  process.platform === 'linux' &&
  CPUS >= 2 &&
  spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
const SERVER_CPU = process.env.BENCH_SERVER_CPU ?? String(CPUS - 1);
const CLIENT_CPU = process.env.BENCH_CLIENT_CPU ?? '0';

const children = [];
let tempDir = null;
function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.length = 0;
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = null;
}
process.on('exit', cleanup);

/** CPU time (user + system, µs) process `pid` has used so far (Linux), else `null`. */

/**
 * Starts a sample app with the profiler hook preloaded; resolves `{ base, app, line }` once it
 * answers /health on the adapter asked for. `line(pattern)` resolves the next line of the app's
 * stdout matching `pattern` (the hook's messages).
 */
async function startApp({ mode, store }, name, profileFile) {
  tempDir ??= mkdtempSync(join(os.tmpdir(), 'gatekeeper-profile-app-'));
  const port = await freePort();
  const args = ['--import', HOOK, SAMPLE_MAIN];
  const [command, argv] = PIN ? ['taskset', ['-c', SERVER_CPU, process.execPath, ...args]] : [process.execPath, args];
  const app = spawn(command, argv, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HTTP_ADAPTER: ADAPTER,
      SESSION_STORE: store,
      ...(store === 'redis' ? { REDIS_URL, REDIS_KEY_PREFIX: REDIS_PREFIX } : {}),
      AUTH_ACCESS_TOKEN_TYPE: mode,
      DATABASE_URL: `sqlite:${join(tempDir, `profile-${name}.sqlite`)}`,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      SEED_DEMO_USERS: 'on',
      CPU_PROFILE_FILE: profileFile,
      CPU_PROFILE_INTERVAL_US: String(INTERVAL_US),
    },
  });
  children.push(app);
  const waiting = [];
  createInterface({ input: app.stdout }).on('line', (text) => {
    const i = waiting.findIndex((w) => w.pattern.test(text));
    if (i !== -1) waiting.splice(i, 1)[0].resolve(text);
    else if (!/ WARN /.test(text)) console.log(text);
  });
  const exited = new Promise((_, reject) =>
    app.once('exit', (code, signal) => reject(new Error(`the sample app exited (${signal ?? code})`))),
  );
  exited.catch(() => undefined);
  const line = (pattern) => Promise.race([new Promise((resolve) => waiting.push({ pattern, resolve })), exited]);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const health = await Promise.race([
      fetch(`${base}/health`).then(
        (r) => (r.ok ? r.json() : null),
        () => null,
      ),
      exited,
    ]);
    if (health) {
      if (health.adapter !== ADAPTER) throw new Error(`the sample app runs on ${health.adapter}, not ${ADAPTER}`);
      return { base, app, line };
    }
    await sleep(200);
  }
  throw new Error('the sample app did not answer /health within 60 s');
}

/** Chained refreshes for `duration` s; resolves refresh/s (200 answers) and the app's CPU µs per request. */
async function refreshes(base, app, mode, duration) {
  const { request, counts } = await refreshChains(base, CONNECTIONS + 5, mode);
  const before = cpuMicros(app.pid);
  const result = await new Promise((resolve, reject) =>
    autocannon({ url: base, connections: CONNECTIONS, duration, requests: [request] }, (error, r) => (error ? reject(error) : resolve(r))),
  );
  const after = cpuMicros(app.pid);
  return {
    rate: counts.ok / result.duration,
    broken: counts.broken,
    cpuPerRequest: before === null || after === null ? null : (after - before) / result.requests.total,
  };
}

// ---------------------------------------------------------------------------------------------
// Layers. A frame's layer comes from its script; `null` files it under its caller's layer.

const OURS = `${join(ROOT, 'dist')}/`;
const SAMPLE = `${join(ROOT, 'sample-app', 'dist')}/`;

/** Groups, in the order they are printed, and what each holds. */
const GROUPS = [
  ['Node', 'Node: HTTP server, sockets, streams; the event loop, microtasks, timers'],
  ['Fastify', 'Fastify: routing, hooks, content-type parsing, reply, serialisation (with its dependencies)'],
  ['Nest', "Nest: the Fastify adapter, the router's execution context, guards, interceptors, pipes, filters, rxjs"],
  ['Validation', 'class-validator and class-transformer (the DTO of the body)'],
  ['Module', "nest-gatekeeper (dist/): the refresh's own work, by file"],
  ['JWT', 'fast-jwt (the access token signed on each refresh)'],
  ['Users', 'the user lookup: TypeORM and better-sqlite3 (users are in SQLite)'],
  ['Redis', 'the Redis client (ioredis), when the sessions are in Redis'],
  ['Sample app', "the sample app's own files"],
  ['V8', 'V8: garbage collection, and native work outside any JavaScript frame (socket reads and writes, the HTTP parser)'],
  ['Other', 'anything else'],
];

const FASTIFY_PACKAGES =
  /^(fastify|find-my-way|@fastify\/.*|fast-json-stringify|fast-content-type-parse|fast-querystring|fast-decode-uri-component|toad-cache|avvio|light-my-request|secure-json-parse|fastq|reusify|abstract-logging|pino.*|process-warning|rfdc|ret|safe-regex2|@lukeed\/ms|proxy-addr|forwarded|ipaddr\.js|json-schema-ref-resolver|ajv.*|fast-uri|semver)$/;

/** The package a node_modules path belongs to. */
function packageOf(url) {
  const rest = url.slice(url.lastIndexOf('/node_modules/') + '/node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** `[group, layer]` of a frame, or `null` for frames that count for their caller. */
function layerOf({ functionName, url }) {
  if (functionName === '(garbage collector)') return ['V8', 'garbage collection'];
  if (functionName === '(program)') return ['V8', 'native, outside JavaScript (libuv, socket I/O, HTTP parser)'];
  if (functionName === '(idle)') return ['Idle', 'idle'];
  if (functionName === '(root)') return ['Other', '(root)'];
  if (url === '') return null; // V8 built-ins (JSON, RegExp, Promise, …): the caller's layer
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(OURS)) return ['Module', ourLayer(path.slice(OURS.length))];
  if (path.startsWith(SAMPLE)) return ['Sample app', 'sample app'];
  if (path.includes('/node_modules/')) {
    const pkg = packageOf(path);
    if (FASTIFY_PACKAGES.test(pkg)) return ['Fastify', `Fastify${pkg === 'fastify' ? '' : ` (${pkg})`}`];
    if (pkg === '@nestjs/platform-fastify') return ['Nest', "Nest's Fastify adapter"];
    if (pkg === '@nestjs/platform-express') return ['Nest', "Nest's Express adapter"];
    if (pkg === '@nestjs/core') return ['Nest', nestLayer(path)];
    if (pkg === '@nestjs/common' || pkg === 'reflect-metadata') return ['Nest', 'Nest: other (@nestjs/common, reflect-metadata)'];
    if (pkg === 'rxjs') return ['Nest', 'Nest: rxjs (interceptors, response)'];
    if (/^(class-validator|class-transformer|validator|libphonenumber-js)$/.test(pkg)) return ['Validation', pkg];
    if (/^(fast-jwt|mnemonist|obliterator|asn1\.js|ecdsa-sig-formatter)$/.test(pkg))
      return ['JWT', `fast-jwt${pkg === 'fast-jwt' ? '' : ` (${pkg})`}`];
    if (/^(typeorm|better-sqlite3|sql-highlight|app-root-path|dayjs|tslib)$/.test(pkg)) return ['Users', pkg];
    if (/^(express|body-parser|router|raw-body|send|finalhandler|type-is|on-finished|qs)$/.test(pkg)) return ['Other', `Express (${pkg})`];
    if (pkg === 'cookie') return ['Module', 'cookies: read, CSRF check, Set-Cookie lines'];
    if (/^(ioredis|redis-parser|redis-errors|denque|cluster-key-slot|standard-as-callback|lodash\..*|debug|ms)$/.test(pkg))
      return ['Redis', `ioredis${pkg === 'ioredis' ? '' : ` (${pkg})`}`];
    return ['Other', pkg];
  }
  if (/^node:(_http_|http$|https$|net$|stream$|internal\/(http|streams|stream_base_commons|net|js_stream_socket|dns))/.test(path))
    return ['Node', 'Node: HTTP server, sockets, streams'];
  if (/^node:(events$|timers$|internal\/(process|timers|async_hooks|event_target|fixed_queue|linkedlist))/.test(path))
    return ['Node', 'Node: event loop, microtasks, timers, events'];
  if (path.startsWith('node:')) return null; // crypto, buffer, util, validators: the caller's layer
  return ['Other', path];
}

/** The layer of one of the module's files (relative to dist/). */
function ourLayer(file) {
  if (/^(auth\.service|sessions\/session\.service)\.js$/.test(file)) return 'refresh service (AuthService, SessionService)';
  if (file === 'tokens/refresh-token.js') return 'refresh token: MAC and random (RefreshTokens)';
  if (file === 'crypto/sealed-box.js') return 'successor box: AES-256-GCM seal of the new pair (reuse grace)';
  if (file === 'crypto/secrets.js') return 'hashes, random pool, constant-time comparisons (secrets)';
  if (/^tokens\/(access-token\.service|jwt-key-ring|jwt-key-set|jws-signature|access-token\.claims)\.js$/.test(file))
    return 'access token: claims and signing (AccessTokenService, key ring)';
  if (file.startsWith('stores/memory/')) return 'session store (memory)';
  if (file.startsWith('stores/redis/')) return 'session store (Redis: commands, scripts, replies)';
  if (file.startsWith('stores/typeorm/')) return 'user lookup (TypeOrmUserStore)';
  if (file.startsWith('sessions/')) return 'session liveness and revocation list';
  if (/^transport\/(cookie\.transport|cookies|csrf)\.js$/.test(file)) return 'cookies: read, CSRF check, Set-Cookie lines';
  if (file.startsWith('transport/')) return 'transport: token body, headers, HTTP platform';
  if (file === 'decorators/json-body.decorator.js') return 'JSON body checks and validation pipe (JsonBody)';
  if (file.startsWith('decorators/')) return 'decorators (parameters, metadata)';
  if (file.startsWith('guards/')) return 'access-token guard (skips @Public routes)';
  if (file.startsWith('controllers/')) return 'controller (AuthController.refresh)';
  if (file.startsWith('errors/')) return 'exception filters';
  return `other (${file})`;
}

/** The part of Nest's router pipeline a file of @nestjs/core belongs to. */
function nestLayer(path) {
  const file = path.slice(path.indexOf('/@nestjs/core/') + '/@nestjs/core/'.length);
  if (file.startsWith('guards/')) return 'Nest: guards';
  if (file.startsWith('interceptors/')) return 'Nest: interceptors';
  if (file.startsWith('pipes/')) return 'Nest: pipes';
  if (file.startsWith('exceptions/') || file.includes('exception-filter')) return 'Nest: exception filters';
  if (file.startsWith('router/') || file.startsWith('helpers/')) return 'Nest: router execution (handler, params, response)';
  return 'Nest: other (core)';
}

/**
 * The steps of a refresh whose inclusive time is reported: a sample counts for a step when a frame
 * of the step is on its stack. `file` is matched against the frame's path, `name` against its
 * function name.
 */
const STEPS = [
  ['Fastify: routing (find-my-way lookup)', { file: /\/node_modules\/find-my-way\// }],
  [
    'Fastify: JSON body parsing (content-type parser, secure-json-parse)',
    { file: /\/(fastify\/lib\/contentTypeParser\.js|secure-json-parse\/)/ },
  ],
  [
    'Fastify: reply (send, serialise, headers, socket write)',
    { file: /\/fastify\/lib\/reply\.js$/, name: /^(send|onSendHook|onSendEnd|wrapOnSendEnd|serialize|safeWriteHead)$/ },
  ],
  ['Nest: guards (GuardsConsumer, with the access-token guard)', { file: /\/@nestjs\/core\/guards\// }],
  [
    'Nest: parameters and pipes (JsonBody, the validation pipe)',
    {
      file: /\/@nestjs\/core\/(router\/router-execution-context\.js|pipes\/)/,
      name: /^(applyPipes|resolveParamValue|fnApplyPipes|apply|applyPipe)$/,
    },
  ],
  ['  class-validator / class-transformer', { file: /\/node_modules\/(class-validator|class-transformer|validator)\// }],
  [
    'Refresh cookie read and CSRF check (CookieTokenTransport.readRefreshToken)',
    { file: /\/dist\/transport\/cookie\.transport\.js$/, name: /^readRefreshToken$/ },
  ],
  ['SessionService.refresh (the rotation)', { file: /\/dist\/sessions\/session\.service\.js$/, name: /^refresh$/ }],
  [
    '  session lookup (SessionStore.findById; with Redis, up to the command sent)',
    { file: /\/dist\/stores\/(memory\/memory|redis\/redis)-session\.store\.js$/, name: /^findById$/ },
  ],
  [
    "  user lookup (TypeOrmUserStore.findById, up to TypeORM's first await: the query itself is in the Users group)",
    { file: /\/dist\/stores\/typeorm\/typeorm-user\.store\.js$/, name: /^(findById|findOne)$/ },
  ],
  [
    '  access token signed (AccessTokenService.sign: claims, fast-jwt)',
    { file: /\/dist\/tokens\/access-token\.service\.js$/, name: /^sign$/ },
  ],
  ['  new refresh token (RefreshTokens.issue: random, HMAC)', { file: /\/dist\/tokens\/refresh-token\.js$/, name: /^issue$/ }],
  ['  token hashes (SHA-256)', { file: /\/dist\/crypto\/secrets\.js$/, name: /^sha256$/ }],
  ['  successor box (seal: AES-256-GCM of the new pair)', { file: /\/dist\/crypto\/sealed-box\.js$/, name: /^seal$/ }],
  [
    '  session rotation (SessionStore.rotate; with Redis, up to the script sent)',
    { file: /\/dist\/stores\/(memory\/memory|redis\/redis)-session\.store\.js$/, name: /^rotate$/ },
  ],
  [
    'Token response written (writeTokens: body, cookies)',
    { file: /\/dist\/transport\/(cookie|header)\.transport\.js$/, name: /^writeTokens$/ },
  ],
  ['  Set-Cookie lines (setCookieLine: the cookie package)', { file: /\/dist\/transport\/cookies\.js$/, name: /^setCookieLine$/ }],
  ['  CSRF token of the session (CsrfTokens.forSession: HMAC)', { file: /\/dist\/transport\/csrf\.js$/, name: /^forSession$/ }],
  [
    '  Set-Cookie on the reply (HTTP platform appendSetCookie)',
    { file: /\/dist\/transport\/http-platform\.js$/, name: /^appendSetCookie$/ },
  ],
  ['Garbage collection', { name: /^\(garbage collector\)$/ }],
];

function matches(frame, { file, name }) {
  const url = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  return (file === undefined || file.test(url)) && (name === undefined || name.test(frame.functionName));
}

/** Self time per layer, top self frames and the inclusive time of each step, from a .cpuprofile. */
function analyse(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Each node's layer, inherited from the caller for frames without one of their own.
  const layer = new Map();
  const layerFor = (id) => {
    if (layer.has(id)) return layer.get(id);
    const own = layerOf(byId.get(id).callFrame);
    const value = own ?? (parent.has(id) ? layerFor(parent.get(id)) : ['Other', 'V8 built-ins without a caller']);
    layer.set(id, value);
    return value;
  };
  // The steps each node's stack is inside of (computed once per node).
  const steps = new Map();
  const stepsFor = (id) => {
    if (steps.has(id)) return steps.get(id);
    const inherited = parent.has(id) ? stepsFor(parent.get(id)) : 0n;
    let mask = inherited;
    const frame = byId.get(id).callFrame;
    STEPS.forEach(([, pattern], i) => {
      if (matches(frame, pattern)) mask |= 1n << BigInt(i);
    });
    steps.set(id, mask);
    return mask;
  };
  const hits = new Map();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  let busy = 0;
  let idle = 0;
  const layers = new Map();
  const frames = new Map();
  const stepHits = STEPS.map(() => 0);
  for (const [id, count] of hits) {
    const [group, name] = layerFor(id);
    if (group === 'Idle') {
      idle += count;
      continue;
    }
    busy += count;
    const key = `${group}\0${name}`;
    layers.set(key, (layers.get(key) ?? 0) + count);
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const where = url === '' ? '(V8 built-in)' : `${shortUrl(url)}:${lineNumber + 1}`;
    const frameKey = `${functionName || '(anonymous)'} ${where}\0${name}`;
    frames.set(frameKey, (frames.get(frameKey) ?? 0) + count);
    const mask = stepsFor(id);
    STEPS.forEach((_, i) => {
      if (mask & (1n << BigInt(i))) stepHits[i] += count;
    });
  }
  const groupTotals = new Map();
  for (const [key, count] of layers) {
    const group = key.split('\0')[0];
    groupTotals.set(group, (groupTotals.get(group) ?? 0) + count);
  }
  return {
    samples: busy + idle,
    busy,
    idle,
    groups: GROUPS.map(([group, description]) => ({
      group,
      description,
      share: (groupTotals.get(group) ?? 0) / busy,
      layers: [...layers]
        .filter(([key]) => key.split('\0')[0] === group)
        .map(([key, count]) => ({ name: key.split('\0')[1], share: count / busy }))
        .sort((a, b) => b.share - a.share),
    })).filter((g) => g.share > 0),
    topFrames: [...frames]
      .map(([key, count]) => ({ frame: key.split('\0')[0], layer: key.split('\0')[1], share: count / busy }))
      .sort((a, b) => b.share - a.share)
      .slice(0, 20),
    steps: STEPS.map(([name], i) => ({ name, share: stepHits[i] / busy })),
  };
}

function shortUrl(url) {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(OURS)) return `dist/${path.slice(OURS.length)}`;
  if (path.startsWith(SAMPLE)) return `sample-app/dist/${path.slice(SAMPLE.length)}`;
  const i = path.lastIndexOf('/node_modules/');
  return i === -1 ? path : path.slice(i + '/node_modules/'.length);
}

const pct = (share) => `${(share * 100).toFixed(1)} %`;
const us = (share, cpu) => (cpu === null ? 'n/a' : (share * cpu).toFixed(1));

/** One case's findings as markdown tables. */
function markdownOf(name, m) {
  const { analysis: a, unprofiled, profiled } = m;
  const cpu = unprofiled.cpuPerRequest;
  const lines = [];
  lines.push(
    `### ${CASES[name].title}`,
    '',
    `${fmt(unprofiled.rate)} refreshes/s and ${cpu === null ? 'n/a' : fmt(cpu)} µs of server CPU per refresh without the profiler (${fmt(DURATION / 2)} s);`,
    `${fmt(profiled.rate)}/s and ${profiled.cpuPerRequest === null ? 'n/a' : fmt(profiled.cpuPerRequest)} µs under it (${fmt(DURATION)} s, ${fmt(a.samples)} samples, ${pct(a.idle / a.samples)} idle).`,
    'Shares are of the busy samples; µs are those shares of the CPU per refresh measured without the profiler.',
    '',
    '| Layer | self time | µs per refresh |',
    '|---|---:|---:|',
  );
  for (const g of a.groups) {
    lines.push(`| **${g.group}** | **${pct(g.share)}** | **${us(g.share, cpu)}** |`);
    for (const l of g.layers) if (l.share >= 0.001) lines.push(`| &nbsp;&nbsp;${l.name} | ${pct(l.share)} | ${us(l.share, cpu)} |`);
  }
  lines.push('', '| Step of the refresh (inclusive: everything it calls) | time | µs per refresh |', '|---|---:|---:|');
  for (const s of a.steps.filter((step) => step.share >= 0.0005))
    lines.push(`| ${s.name.startsWith('  ') ? `&nbsp;&nbsp;${s.name.trim()}` : s.name} | ${pct(s.share)} | ${us(s.share, cpu)} |`);
  lines.push('', '| Top self-time frames | layer | self time |', '|---|---|---:|');
  for (const f of a.topFrames) lines.push(`| \`${f.frame}\` | ${f.layer} | ${pct(f.share)} |`);
  return lines.join('\n');
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const loadSamples = [os.loadavg()[0]];
  setInterval(() => loadSamples.push(os.loadavg()[0]), 5000).unref();
  buildLibraryIfStale();
  buildSampleApp();
  mkdirSync(OUT, { recursive: true });
  const results = {};
  for (const name of RUN_CASES) {
    const { mode, title } = CASES[name];
    const file = join(OUT, `refresh-${ADAPTER}-${name}.cpuprofile`);
    const { base, app, line } = await startApp(CASES[name], name, file);
    console.log(
      `[profile] ${ADAPTER} sample app on ${base} (${title})${PIN ? `, pinned to CPU ${SERVER_CPU}; autocannon on CPU ${CLIENT_CPU}` : ''}`,
    );
    await refreshes(base, app, mode, WARMUP);
    const unprofiled = await refreshes(base, app, mode, DURATION / 2);
    console.log(
      `[profile] without the profiler: ${fmt(unprofiled.rate)} refreshes/s, ${unprofiled.cpuPerRequest === null ? 'n/a' : fmt(unprofiled.cpuPerRequest)} µs CPU each`,
    );
    app.kill('SIGUSR2');
    await line(/^\[cpu-profile\] started/);
    const profiled = await refreshes(base, app, mode, DURATION);
    app.kill('SIGUSR2');
    await line(/^\[cpu-profile\] written/);
    app.kill('SIGKILL');
    console.log(`[profile] under the profiler: ${fmt(profiled.rate)} refreshes/s; profile in ${file}`);
    if (unprofiled.broken + profiled.broken > 0) throw new Error(`${unprofiled.broken + profiled.broken} refreshes failed`);
    const analysis = analyse(JSON.parse(readFileSync(file, 'utf8')));
    results[name] = { analysis, unprofiled, profiled, file };
    console.log(`\n${markdownOf(name, results[name])}\n`);
  }
  cleanup();
  if (RUN_CASES.some((c) => CASES[c].store === 'redis')) await dropRedisKeys(REDIS_URL, REDIS_PREFIX);
  const load = { mean: loadSamples.reduce((a, b) => a + b, 0) / loadSamples.length, max: Math.max(...loadSamples) };
  console.log(`load average (1 min, every 5 s, ${CPUS} CPUs): mean ${fmt(load.mean, 2)}, max ${fmt(load.max, 2)}`);
  if (process.env.PROFILE_DOCS === '0') return;
  const platform = ADAPTER === 'fastify' ? 'Fastify' : 'Express';
  const cpuShare = (name, group) => results[name]?.analysis.groups.find((g) => g.group === group)?.share ?? 0;
  const doc = `# Where the refresh time goes on ${platform}

Produced by \`node scripts/profile-refresh.mjs\` (PROFILE_ADAPTER=${ADAPTER}); every figure below comes from the
same run. Figures of throughput: [benchmarks.md](benchmarks.md).

- Date: ${new Date().toISOString()}; ${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'}, ${CPUS} CPUs, Node ${process.version}.
- Load average during the run (1 minute, every 5 s): mean ${fmt(load.mean, 2)}, max ${fmt(load.max, 2)} on ${CPUS} CPUs (the app and
  autocannon account for up to 2; more means other processes shared the CPUs).
- The sample app on ${platform} (\`HTTP_ADAPTER=${ADAPTER}\`, users in SQLite, HS256, \`NODE_ENV=production\`)${
    PIN
      ? `,
  pinned to CPU ${SERVER_CPU}; autocannon (${CONNECTIONS} connections) on CPU ${CLIENT_CPU}`
      : ''
  }; one app per case: ${RUN_CASES.map((c) => CASES[c].title.toLowerCase()).join('; ')}${
    RUN_CASES.some((c) => CASES[c].store === 'redis') ? ' (the local Redis, not pinned: it shares the two CPUs)' : ''
  }. Every request presents the latest refresh token of its chain (${CONNECTIONS + 5} sessions): a real rotation each
  time. Cookie mode sends what a browser sends: the access, refresh and CSRF cookies and \`X-CSRF-Token\`, no body.
- After ${fmt(WARMUP)} s of warm-up and ${fmt(DURATION / 2)} s measured without the profiler, V8's sampling profiler
  (the one of \`node --cpu-prof\`; \`scripts/cpu-profile-hook.mjs\` switches it on and off around the run, so
  the profile holds refreshes only) samples the app every ${INTERVAL_US} µs for ${fmt(DURATION)} s.
- Each sample is filed under the layer of its innermost frame; frames of Node's crypto and buffer
  modules and V8 built-ins (\`JSON.parse\`, RegExp, …) count for the layer that called them (HMACs in
  fast-jwt count for fast-jwt, \`JSON.parse\` of the body for Fastify). "Steps" are inclusive: a sample
  counts for a step when the step is on its stack. Steps are synchronous stretches of work: an async
  function's caller is not on the stack when the function resumes after an \`await\`, so the outer
  layers (Fastify's handler, Nest's router proxy and interceptors, the controller) have no meaningful
  inclusive time and are left out; their own work is in the self-time table.

Summary (self time by group; µs: CPU per refresh without the profiler):

${RUN_CASES.map(
  (name) =>
    `- ${CASES[name].title}, ${results[name].unprofiled.cpuPerRequest === null ? 'n/a' : fmt(results[name].unprofiled.cpuPerRequest)} µs per refresh: ${GROUPS.map(
      ([g]) => [g, cpuShare(name, g)],
    )
      .filter(([, share]) => share >= 0.005)
      .sort((x, y) => y[1] - x[1])
      .map(([g, share]) => `${g} ${pct(share)}`)
      .join(', ')}.`,
).join('\n')}

Reading the tables:

- \`writev\` (and \`writeUtf8String\`, the writes of Redis commands) are socket writes: their time is
  the kernel's (the loopback TCP stack, delivering to the receiving socket and waking its reader),
  spent in the app's process on each response. The profiler's own interruptions of the app's thread
  tend to be served when a system call returns, so these frames also absorb some of the profiler's
  cost: read them as an upper bound (the CPU per refresh under the profiler is given beside the one
  without it).
- \`(program)\` is native work outside any JavaScript frame (libuv, reading sockets, the HTTP parser);
  \`(garbage collector)\` the main thread's share of garbage collection.
- The user lookup is read on every refresh on purpose (a disabled user cannot refresh; the roles in
  the new access token are current), as is the successor box (the new pair sealed under the presented
  token, which answers a retried or concurrent refresh with the same pair).
- With the sessions in Redis, the Redis server's own CPU time is not in these figures (another process).

Groups: ${GROUPS.map(([g, d]) => `**${g}**: ${d}`).join('; ')}.

${RUN_CASES.map((name) => markdownOf(name, results[name])).join('\n\n')}
`;
  const target = join(ROOT, 'docs', `profile-refresh-${ADAPTER}.md`);
  writeFileSync(target, doc);
  console.log(`[profile] wrote ${target}`);
}

/** On the client CPU: runs this script again under `taskset` (once), so autocannon runs pinned too. */
function pinSelf() {
  if (!PIN || process.env.BENCH_CLIENT_PINNED === '1') return;
  const result = spawnSync('taskset', ['-c', CLIENT_CPU, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_CLIENT_PINNED: '1', PROFILE_OUT: OUT },
  });
  process.exit(result.status ?? 1);
}

pinSelf();
main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  (error) => {
    console.error(`[profile] ${error.stack ?? error}`);
    cleanup();
    process.exit(1);
  },
);
