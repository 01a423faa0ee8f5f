#!/usr/bin/env node
// Adds lockfile entries for optional platform binaries of other operating systems / CPUs that the
// registry mirror of this workplace does not serve (npm then leaves them out of package-lock.json,
// and `npm ci` refuses the lockfile as "Missing: … from lock file"). Each entry carries `os`/`cpu`,
// so npm skips it on this platform without fetching anything, exactly as it would with the real
// metadata. Run after every `npm install` that changes the lockfile: `node scripts/lockfile-foreign-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = new Set(['darwin', 'win32', 'linux', 'android', 'freebsd', 'openharmony', 'sunos', 'netbsd', 'openbsd', 'aix']);
const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
let added = 0;

/** `darwin-arm64`, `linux-arm-gnueabihf`, `wasm32-wasi`, … → { os, cpu } */
function platformOf(name) {
  const base = name.split('/').pop();
  const parts = base.split('-');
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === 'wasm32') return { cpu: ['wasm32'] };
    if (OS.has(parts[i]) && parts[i + 1]) return { os: [parts[i]], cpu: [parts[i + 1]] };
  }
  return undefined;
}

for (const [path, entry] of Object.entries(packages)) {
  if (!path.startsWith('node_modules/') || !entry.optionalDependencies) continue;
  for (const [dep, spec] of Object.entries(entry.optionalDependencies)) {
    const key = `node_modules/${dep}`;
    const nested = `${path}/node_modules/${dep}`;
    if (packages[key] || packages[nested]) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+/.test(spec)) continue;
    packages[key] = {
      version: spec,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile: ${added} foreign-platform optional entries added`);
