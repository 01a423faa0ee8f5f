// Chained refreshes for autocannon, shared by `npm run bench` (bench.mjs) and the refresh profile
// (profile-refresh.mjs): logins, and the request that presents each session's latest refresh token;
// and what both need around them: a free port and a process's CPU time.
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Deletes the Redis keys under `prefix` at `url` (best effort: an unreachable Redis holds none of the run's keys). */
export async function dropRedisKeys(url, prefix) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  } catch {
    // Redis not reachable: nothing was written there.
  } finally {
    redis.disconnect();
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The CPU time (user + system) process `pid` has used, in µs (Linux `/proc`); `null` where it cannot be read. */
export function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return null;
  }
}

/** The demo user every chain logs in as. */
export const USER = { username: 'emilys', password: 'emilyspass' };

/** Logs in with a JSON body; resolves the token response. */
export async function login(base, user = USER) {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The `name=value` pairs of Set-Cookie lines (autocannon's header value, or a fetch Response's getSetCookie()). */
export function setCookies(lines) {
  const jar = {};
  for (const line of [lines ?? []].flat()) {
    const pair = line.split(';')[0];
    const eq = pair.indexOf('=');
    jar[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return jar;
}

/**
 * Logs in on a cookie-mode app: what its browser then holds, the access, refresh and CSRF cookies
 * (`{ access_token, refresh_token, csrf_token }`).
 */
export async function cookieLogin(base, user = USER) {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  const jar = setCookies(res.headers.getSetCookie());
  if (res.status !== 200 || !jar.access_token || !jar.refresh_token || !jar.csrf_token)
    throw new Error(`cookie-mode login failed: ${res.status} ${await res.text()}`);
  return jar;
}

/**
 * `sessions` sessions of {@link USER} on `base` and the autocannon request that refreshes them in
 * chains: each request takes a session's latest token from a shared pool and each 200 response puts
 * its successor back (a real rotation every time, never a replay). `counts.ok` and `counts.broken`
 * count the answers. `mode: 'cookie'` (a cookie-mode app): what a browser sends, as the sample app's
 * page does — the access, refresh and CSRF cookies and `X-CSRF-Token`, no body — and each response's
 * Set-Cookie lines replace that session's cookies.
 */
export async function refreshChains(base, sessions, mode = 'header') {
  // A shared pool rather than autocannon's per-connection `context`: with a single request in
  // `requests`, autocannon resets the context to `initialContext` before every request.
  const pool = [];
  for (let i = 0; i < sessions; i++) pool.push(mode === 'cookie' ? await cookieLogin(base) : (await login(base)).refreshToken);
  const counts = { ok: 0, broken: 0 };
  const request =
    mode === 'cookie'
      ? {
          method: 'POST',
          path: '/auth/refresh',
          setupRequest(req) {
            // An empty pool only happens after a failure broke a chain; the request then fails (401).
            const jar = pool.shift() ?? { refresh_token: 'no-token-left', csrf_token: 'none' };
            const cookie = Object.entries(jar)
              .map(([name, value]) => `${name}=${value}`)
              .join('; ');
            return { ...req, headers: { ...req.headers, cookie, 'x-csrf-token': jar.csrf_token } };
          },
          onResponse(status, _body, _context, headers) {
            const jar = setCookies(headers['set-cookie'] ?? headers['Set-Cookie']);
            if (status === 200 && jar.refresh_token && jar.csrf_token) {
              counts.ok++;
              pool.push(jar);
            } else {
              counts.broken++;
            }
          },
        }
      : {
          method: 'POST',
          path: '/auth/refresh',
          headers: { 'content-type': 'application/json' },
          setupRequest(req) {
            return { ...req, body: JSON.stringify({ refreshToken: pool.shift() ?? 'no-token-left' }) };
          },
          onResponse(status, body) {
            if (status === 200) {
              counts.ok++;
              pool.push(JSON.parse(body).refreshToken);
            } else {
              counts.broken++;
            }
          },
        };
  return { request, counts };
}
