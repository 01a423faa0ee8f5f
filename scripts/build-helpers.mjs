// Build steps shared by `npm start` (start-sample.mjs) and `npm run bench` (bench.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SAMPLE_MAIN = join(ROOT, 'sample-app', 'dist', 'main.js');

const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The newest modification time (ms) of the files under `dir` (recursively). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function run(command, args, label) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    throw new Error(`${label} failed (${result.signal ?? `exit code ${result.status}`})`);
  }
}

/** Runs `npm run build` (lib → dist) unless dist is newer than every file of lib/ and the build config. */
export function buildLibraryIfStale({ log = console.log } = {}) {
  const marker = join(ROOT, 'dist', 'index.js');
  const sources = Math.max(
    newestMtime(join(ROOT, 'lib')),
    ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(join(ROOT, f)).mtimeMs),
  );
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) {
    log('[build] dist/ is up to date');
    return;
  }
  log('[build] npm run build (library → dist/)');
  run(NPM, ['run', '--silent', 'build'], 'npm run build');
}

/** Compiles the sample app (sample-app/src → sample-app/dist) against the built package. */
export function buildSampleApp({ log = console.log } = {}) {
  log('[build] tsc -p sample-app/tsconfig.json');
  run(process.execPath, [TSC, '-p', join('sample-app', 'tsconfig.json')], 'Compiling the sample app');
}
