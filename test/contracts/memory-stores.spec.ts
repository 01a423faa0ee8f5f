import { MemoryAccountTokenStore } from '../../lib/stores/memory/memory-account-token.store.js';
import { MemoryMfaStore } from '../../lib/stores/memory/memory-mfa.store.js';
import { MemoryRateLimitStore } from '../../lib/stores/memory/memory-rate-limit.store.js';
import { MemorySessionStore } from '../../lib/stores/memory/memory-session.store.js';
import { MemoryUserStore } from '../../lib/stores/memory/memory-user.store.js';
import {
  runAccountTokenStoreContract,
  runMfaStoreContract,
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
