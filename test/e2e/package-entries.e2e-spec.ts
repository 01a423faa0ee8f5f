import { spawnSync } from 'node:child_process';
import { ROOT } from '../fixtures/sample-app.js';
import { buildSampleApp } from '../fixtures/sample-process.js';

/**
 * The package's entries resolve from the BUILT package (package.json `exports`), as an app importing
 * `nest-gatekeeper`, `nest-gatekeeper/redis` and `nest-gatekeeper/testing` gets them; and importing
 * the testing entry outside a test runner does not throw (the runner's globals are looked up only
 * when a suite is called).
 */
function exportsOf(entry: string): string[] {
  const script = `import(${JSON.stringify(entry)}).then((m) => console.log(JSON.stringify(Object.keys(m).sort())))`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`importing ${entry} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as string[];
}

beforeAll(() => buildSampleApp(), 240_000);

it('nest-gatekeeper/testing exports the contract suites', () => {
  expect(exportsOf('nest-gatekeeper/testing')).toEqual(
    expect.arrayContaining([
      'runMfaChallengeStoreContract',
      'runMfaEnrolmentStoreContract',
      'runMfaStoreContract',
      'runRateLimitStoreContract',
      'runSessionStoreContract',
      'runUserStoreContract',
    ]),
  );
});

it('nest-gatekeeper/redis exports the Redis stores and the client options', () => {
  expect(exportsOf('nest-gatekeeper/redis')).toEqual(['RedisMfaStore', 'RedisRateLimitStore', 'RedisSessionStore', 'redisClientOptions']);
});

it('nest-gatekeeper exports the TypeORM stores, the migrations and their runner, and the MFA store tokens', () => {
  const names = exportsOf('nest-gatekeeper');
  expect(names).toEqual(
    expect.arrayContaining([
      'AuthModule',
      'TypeOrmSessionStore',
      'createAuthMigrations',
      'runAuthMigrations',
      'withTypeOrmStoreErrors',
      'MFA_ENROLMENT_STORE',
      'MFA_CHALLENGE_STORE',
      'InjectMfaEnrolmentStore',
      'InjectMfaChallengeStore',
    ]),
  );
  expect(names).not.toContain('SplitMfaStore');
});
