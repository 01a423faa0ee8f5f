// `npm start`: builds the library if stale, compiles the sample app, then runs it.
// Environment (CONTRACT §7): PORT, AUTH_ACCESS_TOKEN_TYPE, DATABASE_URL, JWT_SECRET, COOKIE_SECURE,
// JWT_ALGORITHM, JWT_JWKS_FILE, plus MFA_ENCRYPTION_KEY, SESSION_STORE=memory|database, LOG_LEVEL and
// NODE_ENV (production: no /dev/outbox); every setting: docs/sample-app.md.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { ROOT, SAMPLE_MAIN, buildLibraryIfStale, buildSampleApp } from './build-helpers.mjs';

try {
  buildLibraryIfStale();
  buildSampleApp();
} catch (error) {
  console.error(`[start] ${error.message}`);
  process.exit(1);
}

// The child runs in its own process group (detached) so that Ctrl-C reaches it once, through us,
// and Nest's shutdown hooks can finish instead of being cut short by a second SIGINT.
const child = spawn(process.execPath, ['--enable-source-maps', SAMPLE_MAIN], {
  cwd: ROOT,
  stdio: 'inherit',
  detached: process.platform !== 'win32',
});

let forwarded = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (forwarded) return;
    forwarded = signal;
    child.kill(signal);
  });
}
// If this process dies for another reason, do not leave the server running.
process.on('exit', () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

child.on('error', (error) => {
  console.error(`[start] could not start the sample app: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) process.exit(signal === forwarded ? 0 : 128 + (constants.signals[signal] ?? 0));
  process.exit(code ?? 0);
});
