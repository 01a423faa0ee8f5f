import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuthModule } from '../../../lib/auth.module.js';
import { AuthConfigError } from '../../../lib/errors/auth-config.error.js';
import type { AuthModuleOptions } from '../../../lib/options/auth-module-options.interface.js';
import { MemoryUserStore } from '../../../lib/stores/memory/memory-user.store.js';
import { assertUserStore, type AuthUser } from '../../../lib/stores/user.store.js';
import { Argon2idPasswordHasher } from '../../../lib/crypto/argon2id-password.hasher.js';
import { assertPasswordHasher } from '../../../lib/crypto/password-hasher.js';
import { MemoryRateLimitStore } from '../../../lib/stores/memory/memory-rate-limit.store.js';
import { MemorySessionStore } from '../../../lib/stores/memory/memory-session.store.js';
import { MemoryMfaStore } from '../../../lib/stores/memory/memory-mfa.store.js';
import { assertRateLimitStore } from '../../../lib/stores/rate-limit.store.js';
import { assertSessionStore } from '../../../lib/stores/session.store.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';

/** A user store written against an older contract: two methods missing. */
class HalfUserStore {
  findById(): Promise<AuthUser | null> {
    return Promise.resolve(null);
  }
  findByUsername(): Promise<AuthUser | null> {
    return Promise.resolve(null);
  }
  create(): Promise<AuthUser> {
    return Promise.reject(new Error('not here'));
  }
  updatePasswordHash(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

async function startUp(userStore: unknown, extra: Record<string, unknown> = {}): Promise<unknown> {
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [AuthModule.forRoot({ jwt: { secret: SECRET }, userStore, ...extra } as AuthModuleOptions)],
    }).compile();
    await moduleRef.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('a userStore missing methods fails at start-up, not with a 500 on every request', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it('names every missing method in one AuthConfigError (class, instance and factory alike)', async () => {
    const expected = ['userStore: does not implement UserStore (HalfUserStore); missing findByEmail(), setMfaMethods()'];
    for (const option of [HalfUserStore, new HalfUserStore(), { useFactory: () => new HalfUserStore() }]) {
      const error = await startUp(option);
      expect(error).toBeInstanceOf(AuthConfigError);
      expect((error as AuthConfigError).problems).toEqual(expected);
    }
  });

  it('a complete store starts', async () => {
    expect(await startUp(new MemoryUserStore())).toBeUndefined();
  });

  it('assertUserStore: a plain object or a non-object lists every method', () => {
    expect(() => assertUserStore({ findById: () => null })).toThrow(
      'userStore: does not implement UserStore; missing findByUsername(), findByEmail(), create(), updatePasswordHash(), setMfaMethods()',
    );
    expect(() => assertUserStore(42)).toThrow(AuthConfigError);
    const store = new MemoryUserStore();
    expect(assertUserStore(store)).toBe(store);
  });
});

describe('the same check for the other plug points (for the provider helper to call)', () => {
  it('lists the missing required methods; optional ones are not required', () => {
    expect(() => assertSessionStore({ create: () => undefined })).toThrow(
      'sessionStore: does not implement SessionStore; missing findById(), rotate(), listActiveByUser(), revoke(), revokeAllForUser(), deleteExpired()',
    );
    expect(() => assertRateLimitStore({ increment: () => undefined, peek: () => undefined })).toThrow(
      'rateLimitStore: does not implement RateLimitStore; missing decrement(), reset()',
    );
    expect(() => assertPasswordHasher({ hash: () => undefined })).toThrow(
      'passwordHasher: does not implement PasswordHasher; missing verify()',
    );
  });

  it('the bundled implementations pass', () => {
    const sessions = new MemorySessionStore();
    const counters = new MemoryRateLimitStore();
    const hasher = new Argon2idPasswordHasher();
    expect(assertSessionStore(sessions)).toBe(sessions);
    expect(assertRateLimitStore(counters)).toBe(counters);
    expect(assertPasswordHasher(hasher)).toBe(hasher);
  });
});

describe('the MFA stores and the code senders are checked at start-up too', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it('a sender written against the old contract (sendEmail) fails at start-up instead of every code being undeliverable', async () => {
    const error = await startUp(new MemoryUserStore(), {
      mfa: { methods: ['email'], senders: { email: { sendEmail: () => Promise.resolve() } } },
    });
    expect(error).toBeInstanceOf(AuthConfigError);
    expect((error as AuthConfigError).problems).toEqual(['mfa.senders.email: does not implement MfaSender; missing send()']);
  });

  it('an MFA store missing methods is named with the option that supplied it', async () => {
    const partial = { getState: () => Promise.resolve(null), putCode: () => Promise.resolve() };
    const whole = await startUp(new MemoryUserStore(), { mfaStore: partial });
    expect((whole as AuthConfigError).problems?.[0]).toMatch(/^mfaStore: does not implement MfaEnrolmentStore; missing setPendingTotp\(\)/);
    const half = await startUp(new MemoryUserStore(), { mfaChallengeStore: partial });
    expect((half as AuthConfigError).problems?.[0]).toMatch(
      /^mfaChallengeStore: does not implement MfaChallengeStore; missing consumeCode\(\)/,
    );
    expect(await startUp(new MemoryUserStore(), { mfaStore: new MemoryMfaStore() })).toBeUndefined();
  });
});
