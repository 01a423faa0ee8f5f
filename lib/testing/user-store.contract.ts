import { randomUUID } from 'node:crypto';
import { describe, expect, it } from './test-api.js';
import { DuplicateUserError } from '../errors/store.errors.js';
import type { AuthUser, JsonValue, NewUser, UserStore } from '../stores/user.store.js';
import { settle, useFixture, type StoreFixture } from './store-fixture.js';

/**
 * Builds a fresh, empty {@link UserStore}, or one holding exactly `seed` (ids and every field kept,
 * e.g. `mfaMethods`, `disabled`, which `create` cannot set).
 */
export type UserStoreFactory = (seed?: readonly AuthUser[]) => Promise<StoreFixture<UserStore>>;

/** Options of {@link runUserStoreContract}. */
export interface UserStoreContractOptions {
  /**
   * The profile fields the store keeps, for a store on an existing table whose profile is a fixed
   * set of text columns (e.g. `['firstName', 'lastName']`). The suite then round-trips string values
   * of these fields only. Default: any JSON object (nested values included) must round-trip.
   */
  profileFields?: readonly string[];
}

/** A unique, normalised new user. */
function newUser(overrides: Partial<NewUser> = {}): NewUser {
  const tag = randomUUID().slice(0, 8);
  return {
    username: `user-${tag}`,
    email: `user-${tag}@example.test`,
    passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${tag}$hash`,
    roles: ['user'],
    ...overrides,
  };
}

/**
 * `user` with `emailVerified` spelled out: a store that does not keep it leaves it out, which reads as
 * `false` (see {@link AuthUser.emailVerified}); one that keeps it may return `false` for a seeded user
 * given without it.
 */
function withVerified(user: AuthUser | null): AuthUser | null {
  return user && { ...user, emailVerified: user.emailVerified ?? false };
}

async function expectDuplicate(promise: Promise<unknown>, field: 'username' | 'email'): Promise<void> {
  const error: unknown = await promise.then(
    () => new Error('expected a DuplicateUserError, but create resolved'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DuplicateUserError);
  expect((error as DuplicateUserError).field).toBe(field);
}

/**
 * The {@link UserStore} contract. Every implementation must pass it; the memory store is the
 * reference.
 */
export function runUserStoreContract(name: string, factory: UserStoreFactory, options: UserStoreContractOptions = {}): void {
  const fields = options.profileFields;
  /** A profile the store must round-trip: `full` (nested JSON) unless the store keeps fixed fields. */
  const profileOf = (full: Record<string, JsonValue>, ...values: string[]): Record<string, JsonValue> =>
    fields === undefined
      ? full
      : Object.fromEntries(fields.slice(0, Math.max(1, values.length)).map((f, i) => [f, values[i % values.length]]));
  describe(`UserStore contract: ${name}`, () => {
    const fixture = useFixture<UserStore, [seed?: readonly AuthUser[]]>(factory);
    const store = (): UserStore => fixture.store();

    it('creates a user and finds it by id, username and e-mail', async () => {
      const input = newUser({ roles: ['user', 'admin'] });
      const created = await store().create(input);

      expect(typeof created.id).toBe('string');
      expect(created.id.length).toBeGreaterThan(0);
      expect(created).toMatchObject({
        username: input.username,
        email: input.email,
        passwordHash: input.passwordHash,
        roles: ['user', 'admin'],
        mfaEnabled: false,
        mfaMethods: [],
      });
      expect(created.disabled ?? false).toBe(false);
      expect(await store().findById(created.id)).toEqual(created);
      expect(await store().findByUsername(input.username)).toEqual(created);
      expect(await store().findByEmail(input.email)).toEqual(created);
    });

    it('gives every user its own id', async () => {
      const a = await store().create(newUser());
      const b = await store().create(newUser());
      expect(a.id).not.toBe(b.id);
      expect((await store().findById(a.id))?.username).toBe(a.username);
      expect((await store().findById(b.id))?.username).toBe(b.username);
    });

    it('resolves null for an unknown id, username or e-mail', async () => {
      const existing = await store().create(newUser());
      expect(await store().findById(randomUUID())).toBeNull();
      expect(await store().findByUsername('nobody')).toBeNull();
      expect(await store().findByEmail('nobody@example.test')).toBeNull();
      // Look-ups are exact: no prefix or pattern matching.
      expect(await store().findByUsername(existing.username.slice(0, -1))).toBeNull();
      expect(await store().findByEmail('%')).toBeNull();
    });

    it('rejects a duplicate username with DuplicateUserError("username") and stores nothing', async () => {
      const first = await store().create(newUser());
      const second = newUser({ username: first.username });
      await expectDuplicate(store().create(second), 'username');
      expect(await store().findByEmail(second.email)).toBeNull();
      expect((await store().findByUsername(first.username))?.id).toBe(first.id);
    });

    it('rejects a duplicate e-mail with DuplicateUserError("email") and stores nothing', async () => {
      const first = await store().create(newUser());
      const second = newUser({ email: first.email });
      await expectDuplicate(store().create(second), 'email');
      expect(await store().findByUsername(second.username)).toBeNull();
      expect((await store().findByEmail(first.email))?.id).toBe(first.id);
    });

    it('lets exactly one of 10 concurrent creations with the same username succeed', async () => {
      const username = newUser().username;
      const inputs = Array.from({ length: 10 }, () => newUser({ username }));
      const { values, errors } = await settle(inputs.map((u) => store().create(u)));

      expect(values).toHaveLength(1);
      expect(errors).toHaveLength(9);
      for (const e of errors) {
        expect(e).toBeInstanceOf(DuplicateUserError);
        expect((e as DuplicateUserError).field).toBe('username');
      }
      expect(await store().findByUsername(username)).toEqual(values[0]);
      const stored = await Promise.all(inputs.map((u) => store().findByEmail(u.email)));
      expect(stored.filter((u) => u !== null)).toHaveLength(1);
    });

    it('lets exactly one of 10 concurrent creations with the same e-mail succeed', async () => {
      const email = newUser().email;
      const inputs = Array.from({ length: 10 }, () => newUser({ email }));
      const { values, errors } = await settle(inputs.map((u) => store().create(u)));

      expect(values).toHaveLength(1);
      expect(errors).toHaveLength(9);
      for (const e of errors) {
        expect(e).toBeInstanceOf(DuplicateUserError);
        expect((e as DuplicateUserError).field).toBe('email');
      }
      expect(await store().findByEmail(email)).toEqual(values[0]);
    });

    it('updates the password hash of an existing user only', async () => {
      const a = await store().create(newUser());
      const b = await store().create(newUser());

      expect(await store().updatePasswordHash(a.id, 'new-hash')).toBe(true);
      expect((await store().findById(a.id))?.passwordHash).toBe('new-hash');
      expect((await store().findById(b.id))?.passwordHash).toBe(b.passwordHash);
      // Same value again is still an existing user.
      expect(await store().updatePasswordHash(a.id, 'new-hash')).toBe(true);
    });

    it('resolves false when updating the password hash of an unknown user', async () => {
      await store().create(newUser());
      expect(await store().updatePasswordHash(randomUUID(), 'x')).toBe(false);
    });

    it('replaces the MFA methods in order and derives mfaEnabled from them', async () => {
      const a = await store().create(newUser());
      const b = await store().create(newUser());

      expect(await store().setMfaMethods(a.id, ['totp', 'email'])).toBe(true);
      expect(await store().findById(a.id)).toEqual({ ...a, mfaEnabled: true, mfaMethods: ['totp', 'email'] });
      // The first method is the default: order is kept.
      expect(await store().setMfaMethods(a.id, ['sms', 'totp'])).toBe(true);
      expect((await store().findByUsername(a.username))?.mfaMethods).toEqual(['sms', 'totp']);
      // The same value again is still an existing user.
      expect(await store().setMfaMethods(a.id, ['sms', 'totp'])).toBe(true);
      expect(await store().setMfaMethods(a.id, [])).toBe(true);
      expect(await store().findByEmail(a.email)).toEqual({ ...a, mfaEnabled: false, mfaMethods: [] });

      expect(await store().findById(b.id)).toEqual(b);
      expect(await store().setMfaMethods(randomUUID(), ['totp'])).toBe(false);
    });

    it('copies the MFA methods it is given', async () => {
      const created = await store().create(newUser());
      const methods: ('totp' | 'email' | 'sms')[] = ['email'];
      await store().setMfaMethods(created.id, methods);
      methods.push('sms');
      expect((await store().findById(created.id))?.mfaMethods).toEqual(['email']);
    });

    it('round-trips a seeded phone number and keeps it when the MFA methods change', async () => {
      const withPhone: AuthUser = {
        id: randomUUID(),
        username: 'sms-user',
        email: 'sms@example.test',
        passwordHash: 'hash-3',
        roles: [],
        mfaEnabled: true,
        mfaMethods: ['sms'],
        phone: '+15551234567',
      };
      const withoutPhone: AuthUser = {
        id: randomUUID(),
        username: 'no-phone',
        email: 'no-phone@example.test',
        passwordHash: 'hash-4',
        roles: [],
        mfaEnabled: false,
        mfaMethods: [],
      };
      const s = await fixture.rebuild([withPhone, withoutPhone]);

      expect((await s.findById(withPhone.id))?.phone).toBe('+15551234567');
      expect((await s.findByUsername('no-phone'))?.phone ?? null).toBeNull();
      expect(await s.setMfaMethods(withPhone.id, ['totp', 'sms'])).toBe(true);
      expect(await s.findByEmail('sms@example.test')).toMatchObject({ phone: '+15551234567', mfaMethods: ['totp', 'sms'] });
      // A created user has no phone.
      const created = await s.create(newUser());
      expect(created.phone ?? null).toBeNull();
      expect((await s.findById(created.id))?.phone ?? null).toBeNull();
    });

    it(fields === undefined ? 'round-trips roles and a nested JSON profile' : 'round-trips roles and the profile fields', async () => {
      const profile = profileOf(
        {
          firstName: 'Ada',
          lastName: 'Lovelace',
          age: 36,
          tags: ['math', 'engines'],
          address: { city: 'London', zip: null, verified: true },
          unicode: 'Zoë ✓ 日本',
        },
        'Ada',
        'Zoë ✓ 日本',
      );
      const created = await store().create(newUser({ roles: ['a', 'b', 'c'], profile }));
      const found = await store().findById(created.id);
      expect(found?.roles).toEqual(['a', 'b', 'c']);
      expect(found?.profile).toEqual(profile);
      expect(created.profile).toEqual(profile);
    });

    it('keeps an empty role list and omits an absent profile', async () => {
      const created = await store().create(newUser({ roles: [] }));
      const found = await store().findById(created.id);
      expect(found?.roles).toEqual([]);
      expect(found?.profile).toBeUndefined();
    });

    it('round-trips seeded users with MFA methods, disabled flag and profile', async () => {
      const seeded: AuthUser[] = [
        {
          id: randomUUID(),
          username: 'mfa-user',
          email: 'mfa@example.test',
          passwordHash: 'hash-1',
          roles: ['admin'],
          mfaEnabled: true,
          mfaMethods: ['totp', 'email', 'sms'],
          disabled: false,
          profile: profileOf({ firstName: 'Grace' }, 'Grace'),
        },
        {
          id: randomUUID(),
          username: 'disabled-user',
          email: 'disabled@example.test',
          passwordHash: 'hash-2',
          roles: [],
          mfaEnabled: false,
          mfaMethods: [],
          disabled: true,
        },
      ];
      const s = await fixture.rebuild(seeded);

      const mfa = await s.findByUsername('mfa-user');
      expect(withVerified(mfa)).toEqual(withVerified(seeded[0]));
      expect(mfa?.mfaMethods).toEqual(['totp', 'email', 'sms']);
      const disabled = await s.findByEmail('disabled@example.test');
      expect(disabled).toMatchObject({ id: seeded[1].id, disabled: true, mfaEnabled: false, mfaMethods: [] });
      expect(disabled?.profile).toBeUndefined();
      // Seeded users take part in uniqueness.
      await expectDuplicate(s.create(newUser({ username: 'mfa-user' })), 'username');
      await expectDuplicate(s.create(newUser({ email: 'disabled@example.test' })), 'email');
    });

    it('returns copies: changing a returned user or the input never changes the stored one', async () => {
      const profile = profileOf({ firstName: 'Ada', tags: ['x'] }, 'Ada');
      const input = newUser({ roles: ['user'], profile: structuredClone(profile) });
      const created = await store().create(input);
      input.roles.push('admin-from-input');
      const [key] = Object.keys(profile);
      if (fields === undefined) (input.profile?.['tags'] as string[]).push('from-input');
      else if (input.profile) input.profile[key] = 'changed-input';

      created.roles.push('admin');
      created.mfaMethods.push('totp');
      created.passwordHash = 'tampered';
      if (fields === undefined) (created.profile?.['tags'] as string[]).push('y');
      else if (created.profile) created.profile[key] = 'changed-output';

      const found = await store().findById(created.id);
      expect(found?.roles).toEqual(['user']);
      expect(found?.mfaMethods).toEqual([]);
      expect(found?.passwordHash).toBe(input.passwordHash);
      expect(found?.profile).toEqual(profile);

      found?.roles.push('admin');
      const again = await store().findByUsername(input.username);
      expect(again).not.toBe(found);
      expect(again?.roles).toEqual(['user']);
    });

    // The optional methods: each test runs only when the store has the method it is about.
    describe('optional: setEmailVerified', () => {
      it('creates users unverified unless NewUser.emailVerified says otherwise', async () => {
        if (!store().setEmailVerified) return;
        const plain = await store().create(newUser());
        expect(plain.emailVerified ?? false).toBe(false);
        expect((await store().findById(plain.id))?.emailVerified ?? false).toBe(false);
        const verified = await store().create(newUser({ emailVerified: true }));
        expect(verified.emailVerified).toBe(true);
        expect((await store().findByEmail(verified.email))?.emailVerified).toBe(true);
      });

      it('sets and clears emailVerified of that user only; resolves false for an unknown user', async () => {
        const setEmailVerified = store().setEmailVerified?.bind(store());
        if (!setEmailVerified) return;
        const a = await store().create(newUser());
        const b = await store().create(newUser());

        expect(await setEmailVerified(a.id, true)).toBe(true);
        expect(await store().findById(a.id)).toEqual({ ...a, emailVerified: true });
        // The same value again is still an existing user.
        expect(await setEmailVerified(a.id, true)).toBe(true);
        expect(withVerified(await store().findById(b.id))).toEqual(withVerified(b));
        expect(await setEmailVerified(a.id, false)).toBe(true);
        expect((await store().findByUsername(a.username))?.emailVerified).toBe(false);
        expect(await setEmailVerified(randomUUID(), true)).toBe(false);
      });

      it('with expectedEmail, verifies only while the user’s e-mail is that address', async () => {
        const setEmailVerified = store().setEmailVerified?.bind(store());
        if (!setEmailVerified) return;
        const a = await store().create(newUser());
        const other = await store().create(newUser());

        expect(await setEmailVerified(a.id, true, other.email)).toBe(false);
        expect(await setEmailVerified(a.id, true, 'old@example.test')).toBe(false);
        expect((await store().findById(a.id))?.emailVerified ?? false).toBe(false);
        expect(await setEmailVerified(a.id, true, a.email)).toBe(true);
        expect((await store().findById(a.id))?.emailVerified).toBe(true);
        expect(await setEmailVerified(randomUUID(), true, a.email)).toBe(false);
      });
    });

    describe('optional: updateEmail', () => {
      it('replaces the e-mail and marks it verified; the old address is free again', async () => {
        const updateEmail = store().updateEmail?.bind(store());
        if (!updateEmail) return;
        const a = await store().create(newUser());
        const b = await store().create(newUser());
        const next = newUser().email;

        expect(await updateEmail(a.id, next)).toBe(true);
        const changed = { ...a, email: next, emailVerified: true };
        expect(await store().findById(a.id)).toEqual(changed);
        expect(await store().findByEmail(next)).toEqual(changed);
        expect(await store().findByUsername(a.username)).toEqual(changed);
        expect(await store().findByEmail(a.email)).toBeNull();
        expect(withVerified(await store().findById(b.id))).toEqual(withVerified(b));
        // Its own address again is no conflict.
        expect(await updateEmail(a.id, next)).toBe(true);
        // A verification link sent to the old address no longer verifies anything.
        if (store().setEmailVerified) expect(await store().setEmailVerified?.(a.id, true, a.email)).toBe(false);
        const reuse = await store().create(newUser({ email: a.email }));
        expect((await store().findByEmail(a.email))?.id).toBe(reuse.id);
        expect(await updateEmail(randomUUID(), newUser().email)).toBe(false);
      });

      it('rejects an address another user has with DuplicateUserError("email"), changing nothing', async () => {
        const updateEmail = store().updateEmail?.bind(store());
        if (!updateEmail) return;
        const a = await store().create(newUser());
        const b = await store().create(newUser());
        await expectDuplicate(updateEmail(a.id, b.email), 'email');
        expect(withVerified(await store().findById(a.id))).toEqual(withVerified(a));
        expect((await store().findByEmail(b.email))?.id).toBe(b.id);
        expect((await store().findByEmail(a.email))?.id).toBe(a.id);
      });

      it('lets exactly one of concurrent changes of two users to one address succeed', async () => {
        const updateEmail = store().updateEmail?.bind(store());
        if (!updateEmail) return;
        for (let round = 0; round < 5; round++) {
          const a = await store().create(newUser());
          const b = await store().create(newUser());
          const target = newUser().email;
          const { values, errors } = await settle([updateEmail(a.id, target), updateEmail(b.id, target)]);

          expect(values).toEqual([true]);
          expect(errors).toHaveLength(1);
          expect(errors[0]).toBeInstanceOf(DuplicateUserError);
          expect((errors[0] as DuplicateUserError).field).toBe('email');
          const owner = await store().findByEmail(target);
          expect([a.id, b.id]).toContain(owner?.id);
          const loser = owner?.id === a.id ? b : a;
          expect((await store().findById(loser.id))?.email).toBe(loser.email);
        }
      });

      it('lets exactly one of 10 concurrent changes to one address succeed', async () => {
        const updateEmail = store().updateEmail?.bind(store());
        if (!updateEmail) return;
        const users = await Promise.all(Array.from({ length: 10 }, () => store().create(newUser())));
        const target = newUser().email;
        const { values, errors } = await settle(users.map((u) => updateEmail(u.id, target)));
        expect(values).toEqual([true]);
        expect(errors).toHaveLength(9);
        for (const e of errors) expect(e).toBeInstanceOf(DuplicateUserError);
        const owners = await Promise.all(users.map(async (u) => (await store().findById(u.id))?.email === target));
        expect(owners.filter((owns) => owns)).toHaveLength(1);
      });
    });

    describe('optional: delete', () => {
      it('deletes the user only; its username and e-mail are free again; unknown ids resolve false', async () => {
        const remove = store().delete?.bind(store());
        if (!remove) return;
        const a = await store().create(newUser());
        const b = await store().create(newUser());

        expect(await remove(a.id)).toBe(true);
        expect(await store().findById(a.id)).toBeNull();
        expect(await store().findByUsername(a.username)).toBeNull();
        expect(await store().findByEmail(a.email)).toBeNull();
        expect(await store().findById(b.id)).toEqual(b);
        expect(await remove(a.id)).toBe(false);
        expect(await remove(randomUUID())).toBe(false);
        const again = await store().create(newUser({ username: a.username, email: a.email }));
        expect(again.id).not.toBe(a.id);
        expect((await store().findByUsername(a.username))?.id).toBe(again.id);
      });
    });
  });
}
