// Preloaded into a sample app by scripts/profile-refresh.mjs (`node --import ./scripts/cpu-profile-hook.mjs`):
// V8's sampling CPU profiler (the one behind `node --cpu-prof`) through an in-process inspector
// session, switched on and off by SIGUSR2, so that the profile covers the measured load only (not
// the start-up, the seeding or the warm-up). The first SIGUSR2 starts it (sampling every
// CPU_PROFILE_INTERVAL_US µs, default 100) and prints `[cpu-profile] started`; the second stops it,
// writes the profile (Chrome DevTools' .cpuprofile format) to CPU_PROFILE_FILE and prints
// `[cpu-profile] written <file>`.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.CPU_PROFILE_FILE;
if (!file) throw new Error('cpu-profile-hook: CPU_PROFILE_FILE is not set');
const interval = Number(process.env.CPU_PROFILE_INTERVAL_US ?? 100);

const session = new Session();
session.connect();
const post = (method, params = {}) =>
  new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

let state = 'idle';
process.on('SIGUSR2', () => {
  if (state === 'idle') {
    state = 'starting';
    post('Profiler.enable')
      .then(() => post('Profiler.setSamplingInterval', { interval }))
      .then(() => post('Profiler.start'))
      .then(() => {
        state = 'running';
        process.stdout.write('[cpu-profile] started\n');
      }, fail);
  } else if (state === 'running') {
    state = 'stopping';
    post('Profiler.stop').then(({ profile }) => {
      writeFileSync(file, JSON.stringify(profile));
      state = 'done';
      process.stdout.write(`[cpu-profile] written ${file}\n`);
    }, fail);
  }
});

function fail(error) {
  process.stderr.write(`[cpu-profile] ${error.stack ?? error}\n`);
  process.exit(1);
}
