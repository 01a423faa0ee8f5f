import { afterEach, describe, expect, it } from '@jest/globals';
import { hash as argon2Hash, Algorithm } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { AuthModuleOptions, AuthUser } from '../../lib/index.js';
import { EventRecorder } from '../fixtures/event-recorder.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import { AuthEvents } from '../../lib/index.js';

const PASSWORD = 'imported-password-1';

/** A Django `pbkdf2_sha256$…` hash. */
function django(password: string, iterations = 1_000): string {
  const salt = randomBytes(9).toString('base64url');
  return `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64')}`;
}

/** A PHC `$pbkdf2-sha512$i=…,l=64$salt$hash` (unpadded base64). */
function phc(password: string, iterations = 1_000): string {
  const salt = randomBytes(16);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$pbkdf2-sha512$i=${iterations},l=64$${b64(salt)}$${b64(pbkdf2Sync(password, salt, iterations, 64, 'sha512'))}`;
}

function user(id: string, passwordHash: string): AuthUser {
  return { id, username: id, email: `${id}@example.test`, roles: ['user'], passwordHash, mfaEnabled: false, mfaMethods: [] };
}

describe('importing a user table: bcrypt and PBKDF2 hashes verify, then become argon2id', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const start = async (users: AuthUser[], options: Partial<AuthModuleOptions>, recorder = new EventRecorder()) => {
    t = await createTestApp({ extraUsers: users, options: { ...options, events: { sinks: [recorder] } } });
    return { t, recorder };
  };

  it.each([
    ['bcrypt $2b$', 'bcrypt', () => bcrypt.hashSync(PASSWORD, 4)],
    ['bcrypt $2y$ (PHP)', 'bcrypt', () => bcrypt.hashSync(PASSWORD, 4).replace(/^\$2b\$/, '$2y$')],
    ['Django pbkdf2_sha256', 'pbkdf2', () => django(PASSWORD)],
    ['PHC $pbkdf2-sha512$', 'pbkdf2', () => phc(PASSWORD)],
  ])('%s: a wrong password is refused, the right one logs in and the hash is replaced by argon2id', async (_, scheme, make) => {
    const imported = make();
    const { t, recorder } = await start([user('imported', imported)], { passwordHashing: { legacy: ['bcrypt', 'pbkdf2'] } });
    expect((await t.http.post('/auth/login').send({ username: 'imported', password: 'wrong-password' })).status).toBe(401);
    expect((await t.users.findById('imported'))?.passwordHash).toBe(imported);

    expect((await t.http.post('/auth/login').send({ username: 'imported', password: PASSWORD })).status).toBe(200);
    const upgraded = (await t.users.findById('imported'))?.passwordHash ?? '';
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await t.app.get(AuthEvents).flush();
    expect(recorder.all.filter((e) => e.type === 'password.rehashed')).toEqual([
      expect.objectContaining({ userId: 'imported', reason: scheme }),
    ]);
    // The next login verifies the argon2id hash.
    expect((await t.http.post('/auth/login').send({ username: 'imported', password: PASSWORD })).status).toBe(200);
    expect((await t.users.findById('imported'))?.passwordHash).toBe(upgraded);
  });

  it('without passwordHashing.legacy an imported hash verifies nothing (and is left as it is)', async () => {
    const imported = bcrypt.hashSync(PASSWORD, 4);
    const { t } = await start([user('imported', imported)], {});
    const res = await t.http.post('/auth/login').send({ username: 'imported', password: PASSWORD });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_CREDENTIALS');
    expect((await t.users.findById('imported'))?.passwordHash).toBe(imported);
  });

  it('a stored PBKDF2 hash asking for absurd iterations is refused without running them (denial of service)', async () => {
    const { t } = await start([user('greedy', django(PASSWORD, 1).replace(/\$1\$/, '$999999999$'))], {
      passwordHashing: { legacy: ['pbkdf2'] },
    });
    const started = Date.now();
    expect((await t.http.post('/auth/login').send({ username: 'greedy', password: PASSWORD })).status).toBe(401);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a stored bcrypt hash with a cost above 15 is refused without running it (denial of service)', async () => {
    const greedy = bcrypt.hashSync(PASSWORD, 4).replace(/^\$2b\$04\$/, '$2b$31$');
    const { t } = await start([user('greedy', greedy)], { passwordHashing: { legacy: ['bcrypt'] } });
    // Cost 31 would take days: the answer comes at once.
    expect((await t.http.post('/auth/login').send({ username: 'greedy', password: PASSWORD })).status).toBe(401);
  });

  it('rehash on login when the hasher’s parameters went up: an argon2id hash with weaker parameters is replaced', async () => {
    const weak = await argon2Hash(PASSWORD, { algorithm: Algorithm.Argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    const { t, recorder } = await start([user('weak', weak)], {});
    expect((await t.http.post('/auth/login').send({ username: 'weak', password: PASSWORD })).status).toBe(200);
    expect((await t.users.findById('weak'))?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await t.app.get(AuthEvents).flush();
    expect(recorder.all.filter((e) => e.type === 'password.rehashed')).toEqual([
      expect.objectContaining({ userId: 'weak', reason: 'argon2id' }),
    ]);
    // A current hash is left alone.
    const current = (await t.users.findById('weak'))?.passwordHash;
    expect((await t.http.post('/auth/login').send({ username: 'weak', password: PASSWORD })).status).toBe(200);
    expect((await t.users.findById('weak'))?.passwordHash).toBe(current);
  });

  it('passwordHashing.legacy refuses an unknown scheme at start-up', async () => {
    await expect(createTestApp({ options: { passwordHashing: { legacy: ['md5' as 'bcrypt'] } } })).rejects.toThrow(
      /passwordHashing\.legacy/,
    );
  });
});
