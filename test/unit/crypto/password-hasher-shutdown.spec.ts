import { Argon2idPasswordHasher, type PasswordHasher } from '../../../lib/index.js';
import { BoundedPasswordHasher } from '../../../lib/crypto/bounded-password-hasher.js';
import { createTestApp } from '../../fixtures/create-test-app.js';

describe('the module closes its password hasher at application shutdown', () => {
  it('app.close() ends the hashing threads of the argon2id hasher', async () => {
    const hasher = new Argon2idPasswordHasher();
    let closed = 0;
    const close = hasher.close.bind(hasher);
    hasher.close = async () => {
      closed++;
      await close();
    };
    const t = await createTestApp({ options: { passwordHasher: hasher } });
    await t.login();
    expect(closed).toBe(0);
    await t.close();
    expect(closed).toBe(1);
    // Still usable afterwards (a hasher shared beyond the module): new threads start.
    await expect(hasher.verify(await hasher.hash('pw'), 'pw')).resolves.toBe(true);
    await hasher.close();
  });

  it('leaves any other hasher alone, even one with a close() of its own meaning something else', async () => {
    const argon2 = new Argon2idPasswordHasher({}, { threads: false });
    let closed = 0;
    const other: PasswordHasher & { close(): void } = {
      hash: (password) => argon2.hash(password),
      verify: (encoded, password) => argon2.verify(encoded, password),
      close: () => void closed++,
    };
    await new BoundedPasswordHasher(other, { concurrency: 1, queue: 0 }).close();
    expect(closed).toBe(0);
  });
});
