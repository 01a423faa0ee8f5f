import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from './test-api.js';
import type { PasskeyStore, StoredPasskey } from '../stores/passkey.store.js';
import { useFixture, type StoreFixture } from './store-fixture.js';

/** Builds a fresh, empty {@link PasskeyStore}. */
export type PasskeyStoreFactory = () => Promise<StoreFixture<PasskeyStore>>;

/** A passkey with every field set, as the module would save it (ids derived from a random credential id). */
function passkey(userId: string, overrides: Partial<StoredPasskey> = {}): StoredPasskey {
  const raw = randomBytes(32);
  return {
    id: createHash('sha256').update(raw).digest('base64url'),
    credentialId: raw.toString('base64url'),
    userId,
    userHandle: randomBytes(32).toString('base64url'),
    publicKey: randomBytes(77).toString('base64url'),
    counter: 0,
    transports: ['internal', 'hybrid'],
    backedUp: true,
    deviceType: 'multiDevice',
    name: 'Passkey',
    createdAt: 1_750_000_000_000,
    lastUsedAt: null,
    ...overrides,
  };
}

/**
 * The {@link PasskeyStore} contract. Every implementation must pass it; the memory store is the
 * reference.
 */
export function runPasskeyStoreContract(name: string, factory: PasskeyStoreFactory): void {
  describe(`PasskeyStore contract: ${name}`, () => {
    const fixture = useFixture(factory);
    const store = (): PasskeyStore => fixture.store();

    it('keeps every field, finds a passkey by id and lists a user’s passkeys oldest first', async () => {
      const user = randomUUID();
      const first = passkey(user, {
        createdAt: 1_750_000_000_000,
        name: 'Laptop',
        transports: ['usb'],
        backedUp: false,
        deviceType: 'singleDevice',
      });
      const second = passkey(user, { createdAt: 1_750_000_100_000, counter: 7, lastUsedAt: 1_750_000_200_000 });
      // A credential id of the longest length WebAuthn allows (1,023 bytes).
      const long = randomBytes(1_023);
      const third = passkey(user, {
        createdAt: 1_750_000_200_000,
        id: createHash('sha256').update(long).digest('base64url'),
        credentialId: long.toString('base64url'),
        transports: [],
      });
      expect(await store().add(first, 10)).toBe('added');
      expect(await store().add(second, 10)).toBe('added');
      expect(await store().add(third, 10)).toBe('added');
      expect(await store().findById(first.id)).toStrictEqual(first);
      expect(await store().findById(third.id)).toStrictEqual(third);
      expect(await store().listByUser(user)).toStrictEqual([first, second, third]);
      expect(await store().findById(passkey(user).id)).toBeNull();
      expect(await store().listByUser(randomUUID())).toStrictEqual([]);
    });

    it('credential takeover: an id already registered (to anyone) is refused and left as it was', async () => {
      const [owner, attacker] = [randomUUID(), randomUUID()];
      const original = passkey(owner, { name: 'Phone' });
      await store().add(original, 10);
      expect(await store().add({ ...original, userId: attacker, publicKey: 'attacker-key', name: 'Mine' }, 10)).toBe('duplicate');
      expect(await store().findById(original.id)).toStrictEqual(original);
      expect(await store().listByUser(attacker)).toStrictEqual([]);
    });

    it('keeps at most maxPerUser per user: exactly that many one by one, never more under 20 concurrent adds', async () => {
      const user = randomUUID();
      for (let i = 0; i < 5; i++) expect(await store().add(passkey(user), 5)).toBe('added');
      expect(await store().add(passkey(user), 5)).toBe('limit');
      expect(await store().listByUser(user)).toHaveLength(5);

      // Concurrent: an adapter may refuse some that would have fitted (reserve, then check), never keep more.
      const racer = randomUUID();
      const results = await Promise.all(Array.from({ length: 20 }, () => store().add(passkey(racer), 5)));
      const added = results.filter((r) => r === 'added').length;
      expect(added).toBeLessThanOrEqual(5);
      expect(results.filter((r) => r === 'limit')).toHaveLength(20 - added);
      expect(await store().listByUser(racer)).toHaveLength(added);
      // The places refused in the race are free again.
      for (let i = added; i < 5; i++) expect(await store().add(passkey(racer), 5)).toBe('added');
      expect(await store().add(passkey(racer), 5)).toBe('limit');
      // Another user is not affected.
      expect(await store().add(passkey(randomUUID()), 5)).toBe('added');
    });

    it('saves one of concurrent adds of the same credential id', async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      const key = passkey(a);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store().add({ ...key, userId: i % 2 === 0 ? a : b }, 10)));
      expect(results.filter((r) => r === 'added')).toHaveLength(1);
      const owner = (await store().findById(key.id))?.userId;
      expect([a, b]).toContain(owner);
      expect([...(await store().listByUser(a)), ...(await store().listByUser(b))]).toHaveLength(1);
    });

    it('cloned authenticator: recordUse moves the counter only from the expected value, once among concurrent uses', async () => {
      const user = randomUUID();
      const key = passkey(user, { counter: 5 });
      await store().add(key, 10);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store().recordUse(key.id, 5, 6 + i, 1_750_000_500_000 + i)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const after = await store().findById(key.id);
      const winner = results.indexOf(true);
      expect(after?.counter).toBe(6 + winner);
      expect(after?.lastUsedAt).toBe(1_750_000_500_000 + winner);
      expect(await store().recordUse(key.id, 5, 100, 1)).toBe(false);
      expect(await store().recordUse(passkey(user).id, 0, 1, 1)).toBe(false);
    });

    it('recordUse with a counter that stays 0 (authenticators that do not count) updates lastUsedAt', async () => {
      const user = randomUUID();
      const key = passkey(user);
      await store().add(key, 10);
      expect(await store().recordUse(key.id, 0, 0, 1_750_000_900_000)).toBe(true);
      expect(await store().findById(key.id)).toStrictEqual({ ...key, lastUsedAt: 1_750_000_900_000 });
    });

    it('keeps counters up to 2^32 − 1 (the largest WebAuthn signature counter)', async () => {
      const user = randomUUID();
      const key = passkey(user, { counter: 4_294_967_294 });
      await store().add(key, 10);
      expect(await store().recordUse(key.id, 4_294_967_294, 4_294_967_295, 1)).toBe(true);
      expect((await store().findById(key.id))?.counter).toBe(4_294_967_295);
    });

    it('renames and deletes only the user’s own passkeys', async () => {
      const [owner, other] = [randomUUID(), randomUUID()];
      const key = passkey(owner);
      await store().add(key, 10);
      expect(await store().rename(other, key.id, 'Stolen')).toBe(false);
      expect(await store().delete(other, key.id)).toBe(false);
      expect((await store().findById(key.id))?.name).toBe('Passkey');

      expect(await store().rename(owner, key.id, 'Work laptop')).toBe(true);
      expect((await store().findById(key.id))?.name).toBe('Work laptop');
      expect(await store().delete(owner, key.id)).toBe(true);
      expect(await store().delete(owner, key.id)).toBe(false);
      expect(await store().findById(key.id)).toBeNull();
      expect(await store().listByUser(owner)).toStrictEqual([]);
      // Deleted: the user can add up to the limit again.
      expect(await store().add(passkey(owner), 1)).toBe('added');
    });

    it('deleteForUser removes every passkey of that user only', async () => {
      const [me, other] = [randomUUID(), randomUUID()];
      await store().add(passkey(me), 10);
      await store().add(passkey(me), 10);
      const kept = passkey(other);
      await store().add(kept, 10);
      await store().deleteForUser(me);
      expect(await store().listByUser(me)).toStrictEqual([]);
      expect(await store().listByUser(other)).toStrictEqual([kept]);
    });
  });
}
