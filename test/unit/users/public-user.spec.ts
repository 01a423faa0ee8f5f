import { describe, expect, it } from '@jest/globals';
import type { AuthUser } from '../../../lib/stores/user.store.js';
import { normaliseIdentifier, toPublicUser } from '../../../lib/users/public-user.js';

function user(profile?: AuthUser['profile']): AuthUser {
  return {
    id: 'u-1',
    username: 'emilys',
    email: 'emily@example.com',
    passwordHash: '$argon2id$secret-hash',
    roles: ['user'],
    mfaEnabled: false,
    mfaMethods: [],
    disabled: false,
    ...(profile ? { profile } : {}),
  };
}

describe('toPublicUser', () => {
  it('returns the core fields and never the password hash or the disabled flag', () => {
    const view = toPublicUser(user());
    expect(view).toEqual({
      id: 'u-1',
      username: 'emilys',
      email: 'emily@example.com',
      roles: ['user'],
      mfaEnabled: false,
      mfaMethods: [],
      emailVerified: false,
    });
    expect(JSON.stringify(view)).not.toContain('argon2');
  });

  it('copies profile fields beside the core fields', () => {
    const view = toPublicUser(user({ firstName: 'Emily', address: { city: 'Phoenix' }, age: 28 }));
    expect(view).toMatchObject({ id: 'u-1', firstName: 'Emily', address: { city: 'Phoenix' }, age: 28 });
  });

  it('does not let a profile field override a core field', () => {
    const view = toPublicUser(user({ id: 'u-evil', roles: ['admin'], email: 'x@evil.test', mfaEnabled: true }));
    expect(view.id).toBe('u-1');
    expect(view.roles).toEqual(['user']);
    expect(view.email).toBe('emily@example.com');
    expect(view.mfaEnabled).toBe(false);
  });

  it.each(['password', 'passwordHint', 'apiSecret', 'resetToken', 'hash', 'recoveryCodes', 'totpSecret', 'otpSeed', 'PASSWORD'])(
    'drops the secret-looking profile key %s',
    (key) => {
      const view = toPublicUser(user({ [key]: 'leak', firstName: 'Emily' }));
      expect(view).not.toHaveProperty(key);
      expect(view.firstName).toBe('Emily');
    },
  );

  it('ignores an own "__proto__" key (as JSON.parse makes it) and keeps the prototype intact', () => {
    const profile = JSON.parse('{"__proto__": {"isAdmin": true}, "firstName": "Emily"}') as AuthUser['profile'];
    const view = toPublicUser(user(profile));
    expect(Object.getPrototypeOf(view)).toBe(Object.prototype);
    expect((view as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.keys(view)).not.toContain('__proto__');
    expect(view.firstName).toBe('Emily');
  });

  it('ignores inherited profile keys', () => {
    const profile = Object.create({ inherited: 'no' }) as Record<string, string>;
    profile.own = 'yes';
    const view = toPublicUser(user(profile));
    expect(view.own).toBe('yes');
    expect(view).not.toHaveProperty('inherited');
  });

  it('copies the role and method arrays (changing the view does not change the user)', () => {
    const source = user();
    const view = toPublicUser(source);
    view.roles.push('admin');
    view.mfaMethods.push('totp');
    expect(source.roles).toEqual(['user']);
    expect(source.mfaMethods).toEqual([]);
  });
});

describe('normaliseIdentifier', () => {
  it('trims, lower-cases and NFKC-normalises', () => {
    expect(normaliseIdentifier('  EmilyS ')).toBe('emilys');
    expect(normaliseIdentifier('ｅｍｉｌｙ')).toBe('emily');
  });
});
