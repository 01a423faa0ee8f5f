import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuthModule } from '../../../lib/auth.module.js';
import { AuthConfigError } from '../../../lib/errors/auth-config.error.js';
import type { AuthModuleOptions } from '../../../lib/options/auth-module-options.interface.js';
import { resolveAuthOptions } from '../../../lib/options/resolve-options.js';
import { MemoryMfaStore } from '../../../lib/stores/memory/memory-mfa.store.js';
import { MemoryRateLimitStore } from '../../../lib/stores/memory/memory-rate-limit.store.js';
import { MemoryUserStore } from '../../../lib/stores/memory/memory-user.store.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';

/** Valid options plus `extra` (cast: the old, removed option names on purpose). */
function opts(extra: Record<string, unknown>): AuthModuleOptions {
  return { jwt: { secret: SECRET }, userStore: new MemoryUserStore(), ...extra };
}

describe('store options moved to the top level (rateLimitStore, mfaStore)', () => {
  it('refuses rateLimit.store and mfa.store, naming the new option, next to the other problems', () => {
    let thrown: unknown;
    try {
      resolveAuthOptions(
        opts({
          rateLimit: { store: new MemoryRateLimitStore(), address: { max: 5 } },
          mfa: { store: new MemoryMfaStore() },
          accessTokenTyp: 'x',
        }),
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuthConfigError);
    expect((thrown as AuthConfigError).problems).toEqual([
      'accessTokenTyp: unknown option',
      'mfa.store: moved to mfaStore (or mfaEnrolmentStore / mfaChallengeStore for one half)',
      'rateLimit.store: moved to rateLimitStore',
    ]);
  });

  it('refuses them at start-up too (forRoot)', async () => {
    Logger.overrideLogger(false);
    try {
      const started = Test.createTestingModule({
        imports: [AuthModule.forRoot(opts({ rateLimit: { store: new MemoryRateLimitStore() } }))],
      }).compile();
      await expect(started).rejects.toThrow('rateLimit.store: moved to rateLimitStore');
    } finally {
      Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']);
    }
  });

  it('accepts the new names', () => {
    const mfa = new MemoryMfaStore();
    expect(() =>
      resolveAuthOptions(
        opts({ rateLimitStore: new MemoryRateLimitStore(), mfaStore: mfa, mfaEnrolmentStore: mfa, mfaChallengeStore: mfa }),
      ),
    ).not.toThrow();
  });
});
