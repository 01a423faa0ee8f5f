// The `prepare` script: a clean build of the library into dist/, so a tarball holds exactly what lib/
// compiles to today (no file left over from a removed source, no stale build). npm runs `prepare`
// before `npm pack` and `npm publish`, after `npm install` / `npm ci` in this repository, and when an
// app installs the package from git (`npm install github:…`), where `prepack` would not run.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('clean-build: TypeScript is not installed here; run `npm ci` first.');
  process.exit(1);
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`clean-build: the build failed (${result.signal ?? `exit code ${result.status}`})`);
  process.exit(1);
}
