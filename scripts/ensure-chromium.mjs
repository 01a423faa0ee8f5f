// Makes sure a Chromium for the browser tests is installed, and prints its path.
//
// Order: $CHROMIUM_PATH, then /usr/bin/chromium (Debian's package). When neither exists and this
// runs as root with apt-get (a fresh machine of the project's kind), installs Debian's `chromium`
// (running `apt-get update` first if the package is unknown). Otherwise exits 1 with the command to
// run. Used by `.ci/run` and, on first use, by the browser tests of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The Chromium binary to use, or `null` when none is installed. */
export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, DEBIAN_CHROMIUM].filter(Boolean);
  return candidates.find((path) => existsSync(path)) ?? null;
}

function aptGet(args, log) {
  log(`[chromium] apt-get ${args.join(' ')}`);
  const result = spawnSync('apt-get', args, {
    // apt-get's output goes to stderr: stdout carries only the path (read by the browser tests).
    stdio: ['ignore', 2, 2],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

/** Returns the Chromium path, installing Debian's package when possible; throws otherwise. */
export function ensureChromium({ log = console.error } = {}) {
  const found = findChromium();
  if (found) return found;
  const canInstall = typeof process.getuid === 'function' && process.getuid() === 0 && spawnSync('apt-get', ['--version']).status === 0;
  if (!canInstall) {
    throw new Error(
      'Chromium is not installed: the browser tests need it. Install it with `sudo apt-get install chromium` ' +
        '(or set CHROMIUM_PATH to a Chromium or Chrome binary).',
    );
  }
  const install = ['install', '-y', 'chromium'];
  if (!aptGet(install, log)) {
    if (!aptGet(['update'], log) || !aptGet(install, log)) throw new Error('apt-get could not install chromium');
  }
  const installed = findChromium();
  if (!installed) throw new Error(`apt-get installed chromium but ${DEBIAN_CHROMIUM} is missing`);
  return installed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureChromium());
  } catch (error) {
    console.error(`[chromium] ${error.message}`);
    process.exit(1);
  }
}
