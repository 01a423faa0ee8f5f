import { randomUUID } from 'node:crypto';
import type { StoredAccountToken } from '../../lib/stores/account-token.store.js';
import { MemoryAccountTokenStore } from '../../lib/stores/memory/memory-account-token.store.js';
import { MemoryActivityStore } from '../../lib/stores/memory/memory-activity.store.js';
import { MemoryIdentityStore } from '../../lib/stores/memory/memory-identity.store.js';
import { MemoryPasskeyStore } from '../../lib/stores/memory/memory-passkey.store.js';
import { MemoryMfaStore } from '../../lib/stores/memory/memory-mfa.store.js';
import { MemoryRateLimitStore } from '../../lib/stores/memory/memory-rate-limit.store.js';
import { MemorySessionStore } from '../../lib/stores/memory/memory-session.store.js';
import { MemoryUserStore } from '../../lib/stores/memory/memory-user.store.js';
import {
  runAccountTokenStoreContract,
  runActivityStoreContract,
  runIdentityStoreContract,
  runMfaStoreContract,
  runPasskeyStoreContract,
  runRateLimitStoreContract,
  runSessionStoreContract,
  runUserStoreContract,
} from '../../lib/testing/index.js';

runUserStoreContract('memory', async (seed = []) => ({ store: new MemoryUserStore(seed) }));
runSessionStoreContract('memory', async () => {
  const store = new MemorySessionStore();
  return { store, footprint: async () => memoryFootprint(store) };
});
runRateLimitStoreContract('memory', async () => ({ store: new MemoryRateLimitStore() }));
runMfaStoreContract('memory', async () => ({ store: new MemoryMfaStore() }));
runAccountTokenStoreContract('memory', async () => ({ store: new MemoryAccountTokenStore() }));
runActivityStoreContract('memory', async (maxPerUser) => ({ store: new MemoryActivityStore({ maxPerUser }) }));
runPasskeyStoreContract('memory', async () => ({ store: new MemoryPasskeyStore() }));
runIdentityStoreContract('memory', async () => ({ store: new MemoryIdentityStore() }));

/** What a memory store holds: its maps' and sets' entries, recursively, plus the JSON size of their values. */
function memoryFootprint(store: object): number {
  let size = 0;
  const visit = (value: unknown): void => {
    if (value instanceof Map) {
      for (const [key, entry] of value) {
        size += 1 + String(key).length;
        visit(entry);
      }
    } else if (value instanceof Set) {
      for (const entry of value) {
        size += 1;
        visit(entry);
      }
    } else {
      size += JSON.stringify(value ?? null).length;
    }
  };
  for (const field of Object.values(store)) visit(field);
  return size;
}

describe('MemoryAccountTokenStore: bounded memory', () => {
  const token = (expiresAt: number): StoredAccountToken => ({
    userId: randomUUID(),
    purpose: 'login-code',
    tokenHash: randomUUID(),
    email: null,
    expiresAt,
  });

  it('drops expired tokens without deleteExpired: on sight, and swept as time passes', async () => {
    const store = new MemoryAccountTokenStore();
    const t0 = 1_750_000_000_000;
    const tokens = Array.from({ length: 500 }, (_, i) => token(t0 + 1_000 + i));
    for (const t of tokens) await store.put(t);
    const live = token(t0 + 3_600_000);
    await store.put(live);
    const before = memoryFootprint(store);

    // One look-up after the sweep interval (a minute of the callers' clock) drops every expired token.
    expect(await store.findForUser(randomUUID(), 'login-code', t0)).toBeNull();
    expect(await store.findByHash('login-code', live.tokenHash, t0 + 120_000)).toStrictEqual(live);
    expect(memoryFootprint(store)).toBeLessThan(before / 100);
    // An expired token met by a look-up goes at once.
    const expired = token(t0 + 130_000);
    await store.put(expired);
    expect(await store.consume('login-code', expired.tokenHash, t0 + 130_000)).toBeNull();
    expect(await store.findForUser(expired.userId, 'login-code', t0)).toBeNull();
  });

  it('sweeps on puts too, when no look-up comes', async () => {
    const store = new MemoryAccountTokenStore();
    const t0 = 1_750_000_000_000;
    await store.findForUser(randomUUID(), 'login-code', t0 + 60_000);
    for (let i = 0; i < 2_000; i++) await store.put(token(t0 + i));
    expect(memoryFootprint(store)).toBeLessThan(1_000 * 200);
  });
});
