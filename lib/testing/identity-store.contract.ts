import { randomUUID } from 'node:crypto';
import { describe, expect, it } from './test-api.js';
import type { IdentityStore, StoredIdentity } from '../stores/identity.store.js';
import { useFixture, type StoreFixture } from './store-fixture.js';

/** Builds a fresh, empty {@link IdentityStore}. */
export type IdentityStoreFactory = () => Promise<StoreFixture<IdentityStore>>;

/** An identity with every field set. */
function identity(userId: string, overrides: Partial<StoredIdentity> = {}): StoredIdentity {
  return {
    provider: 'corp',
    subject: randomUUID(),
    userId,
    email: 'jane@example.com',
    emailVerified: true,
    createdAt: 1_750_000_000_000,
    lastUsedAt: null,
    ...overrides,
  };
}

/**
 * The {@link IdentityStore} contract (linked provider accounts). Every implementation must pass it;
 * the memory store is the reference.
 */
export function runIdentityStoreContract(name: string, factory: IdentityStoreFactory): void {
  describe(`IdentityStore contract: ${name}`, () => {
    const fixture = useFixture(factory);
    const store = (): IdentityStore => fixture.store();

    it('keeps every field, finds an identity by provider and subject, lists a user’s oldest first', async () => {
      const user = randomUUID();
      const google = identity(user, { provider: 'google', subject: '1234567890', createdAt: 1_750_000_000_000 });
      const github = identity(user, {
        provider: 'github',
        subject: '583231',
        email: null,
        emailVerified: false,
        createdAt: 1_750_000_100_000,
        lastUsedAt: 1_750_000_200_000,
      });
      // The longest subject and provider name the module passes.
      const corp = identity(user, {
        provider: 'p'.repeat(64),
        subject: 's'.repeat(255),
        email: 'ü'.repeat(60),
        createdAt: 1_750_000_200_000,
      });
      for (const i of [google, github, corp]) expect(await store().link(i)).toBe('linked');
      expect(await store().find('google', '1234567890')).toStrictEqual(google);
      expect(await store().find('p'.repeat(64), 's'.repeat(255))).toStrictEqual(corp);
      expect(await store().listByUser(user)).toStrictEqual([google, github, corp]);
      expect(await store().find('google', '123456789')).toBeNull();
      expect(await store().find('github', '1234567890')).toBeNull();
      expect(await store().listByUser(randomUUID())).toStrictEqual([]);
    });

    it('identities are case-sensitive: a subject differing in letter case is another account', async () => {
      const user = randomUUID();
      await store().link(identity(user, { subject: 'AbC' }));
      expect(await store().find('corp', 'abc')).toBeNull();
      expect(await store().link(identity(randomUUID(), { subject: 'abc' }))).toBe('linked');
    });

    it('account takeover: a provider account linked to someone is never linked to another, also under 10 concurrent links', async () => {
      const [owner, attacker] = [randomUUID(), randomUUID()];
      const original = identity(owner, { subject: 'shared' });
      expect(await store().link(original)).toBe('linked');
      expect(await store().link({ ...original, userId: attacker })).toBe('taken');
      expect(await store().find('corp', 'shared')).toStrictEqual(original);

      const racers = Array.from({ length: 10 }, () => randomUUID());
      const results = await Promise.all(racers.map((u) => store().link(identity(u, { subject: 'race' }))));
      expect(results.filter((r) => r === 'linked')).toHaveLength(1);
      const winner = (await store().find('corp', 'race'))?.userId;
      expect(racers).toContain(winner);
    });

    it('recordUse updates the address, its verified flag and lastUsedAt', async () => {
      const user = randomUUID();
      const linked = identity(user);
      await store().link(linked);
      expect(await store().recordUse('corp', linked.subject, null, false, 1_750_000_900_000)).toBe(true);
      expect(await store().find('corp', linked.subject)).toStrictEqual({
        ...linked,
        email: null,
        emailVerified: false,
        lastUsedAt: 1_750_000_900_000,
      });
      expect(await store().recordUse('corp', 'gone', 'x@example.com', true, 1)).toBe(false);
    });

    it('unlinks only the user’s own identities; deleteForUser removes every identity of that user only', async () => {
      const [me, other] = [randomUUID(), randomUUID()];
      const mine = identity(me);
      const kept = identity(other);
      await store().link(mine);
      await store().link(identity(me, { provider: 'github' }));
      await store().link(kept);
      expect(await store().unlink(other, 'corp', mine.subject)).toBe(false);
      expect(await store().unlink(me, 'corp', mine.subject)).toBe(true);
      expect(await store().unlink(me, 'corp', mine.subject)).toBe(false);
      expect(await store().find('corp', mine.subject)).toBeNull();
      // Unlinked: the provider account can be linked again (to anyone).
      expect(await store().link({ ...mine, userId: other })).toBe('linked');
      await store().deleteForUser(me);
      expect(await store().listByUser(me)).toStrictEqual([]);
      expect((await store().listByUser(other)).map((i) => i.subject).sort()).toStrictEqual([kept.subject, mine.subject].sort());
    });
  });
}
