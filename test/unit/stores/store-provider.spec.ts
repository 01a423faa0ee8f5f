import { Test, type TestingModule } from '@nestjs/testing';
import { AuthModule } from '../../../lib/auth.module.js';
import type { AuthModuleOptions } from '../../../lib/options/auth-module-options.interface.js';
import { MemoryMfaStore } from '../../../lib/stores/memory/memory-mfa.store.js';
import { MemoryRateLimitStore } from '../../../lib/stores/memory/memory-rate-limit.store.js';
import { MemoryUserStore } from '../../../lib/stores/memory/memory-user.store.js';
import { MFA_CHALLENGE_STORE } from '../../../lib/stores/mfa-challenge.store.js';
import { MFA_ENROLMENT_STORE } from '../../../lib/stores/mfa-enrolment.store.js';
import { RATE_LIMIT_STORE } from '../../../lib/stores/rate-limit.store.js';
import { USER_STORE } from '../../../lib/stores/user.store.js';

const SECRET = 'a-secret-of-at-least-thirty-two-bytes!!';

/** Starts the module with `extra` options (the in-memory stores stay bare: no storeTimeout proxy). */
async function start(extra: Partial<AuthModuleOptions>): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [AuthModule.forRoot({ jwt: { secret: SECRET }, userStore: new MemoryUserStore(), ...extra })],
  }).compile();
}

describe('the store providers (storeProvider)', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('defaults to one in-memory MFA store serving both halves', async () => {
    moduleRef = await start({});
    const enrolment = moduleRef.get<unknown>(MFA_ENROLMENT_STORE);
    expect(enrolment).toBeInstanceOf(MemoryMfaStore);
    expect(moduleRef.get(MFA_CHALLENGE_STORE)).toBe(enrolment);
    expect(moduleRef.get(RATE_LIMIT_STORE)).toBeInstanceOf(MemoryRateLimitStore);
  });

  it('uses mfaStore for both halves, and mfaEnrolmentStore / mfaChallengeStore each override one half', async () => {
    const [both, enrolment, challenges] = [new MemoryMfaStore(), new MemoryMfaStore(), new MemoryMfaStore()];
    moduleRef = await start({ mfaStore: both });
    expect([moduleRef.get(MFA_ENROLMENT_STORE), moduleRef.get(MFA_CHALLENGE_STORE)]).toEqual([both, both]);
    expect(moduleRef.get(MFA_ENROLMENT_STORE)).toBe(both);
    await moduleRef.close();

    moduleRef = await start({ mfaStore: both, mfaChallengeStore: challenges });
    expect(moduleRef.get(MFA_ENROLMENT_STORE)).toBe(both);
    expect(moduleRef.get(MFA_CHALLENGE_STORE)).toBe(challenges);
    await moduleRef.close();

    moduleRef = await start({ mfaEnrolmentStore: enrolment, mfaChallengeStore: { useFactory: () => challenges } });
    expect(moduleRef.get(MFA_ENROLMENT_STORE)).toBe(enrolment);
    expect(moduleRef.get(MFA_CHALLENGE_STORE)).toBe(challenges);
  });

  it('instantiates a class option once, even when it serves both MFA halves', async () => {
    let made = 0;
    class CountedMfaStore extends MemoryMfaStore {
      constructor() {
        super();
        made++;
      }
    }
    moduleRef = await start({ mfaStore: CountedMfaStore, rateLimitStore: MemoryRateLimitStore });
    expect(made).toBe(1);
    expect(moduleRef.get(MFA_CHALLENGE_STORE)).toBe(moduleRef.get(MFA_ENROLMENT_STORE));
    expect(moduleRef.get(RATE_LIMIT_STORE)).toBeInstanceOf(MemoryRateLimitStore);
    expect(moduleRef.get(USER_STORE)).toBeInstanceOf(MemoryUserStore);
  });
});
