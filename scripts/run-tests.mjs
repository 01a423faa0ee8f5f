// `npm test`: Jest once per project (jest.config.mjs), each in a process of its own, with the same
// arguments (`npm test -- test/e2e/login.e2e-spec.ts` runs that spec on Express, then on Fastify).
// One process per project keeps the memory of a --runInBand run to one project's module graphs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const jest = fileURLToPath(new URL('../node_modules/jest/bin/jest.js', import.meta.url));
const args = process.argv.slice(2);
let failed = false;
for (const project of ['express', 'fastify']) {
  const result = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings=ExperimentalWarning',
      jest,
      '--runInBand',
      '--selectProjects',
      project,
      '--passWithNoTests',
      ...args,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
