import { MemoryMfaStore } from '../../lib/stores/memory/memory-mfa.store.js';
import { MemoryRateLimitStore } from '../../lib/stores/memory/memory-rate-limit.store.js';
import { MemorySessionStore } from '../../lib/stores/memory/memory-session.store.js';
import { MemoryUserStore } from '../../lib/stores/memory/memory-user.store.js';
import { runMfaStoreContract, runRateLimitStoreContract, runSessionStoreContract, runUserStoreContract } from '../../lib/testing/index.js';

runUserStoreContract('memory', async (seed = []) => ({ store: new MemoryUserStore(seed) }));
runSessionStoreContract('memory', async () => ({ store: new MemorySessionStore() }));
runRateLimitStoreContract('memory', async () => ({ store: new MemoryRateLimitStore() }));
runMfaStoreContract('memory', async () => ({ store: new MemoryMfaStore() }));
