/**
 * Running the shipped contract suites on your own stores (docs/stores.md, and the JSDoc of
 * `nest-gatekeeper/testing`). In your project this is a test file, e.g. `my-stores.spec.ts` (Jest, or
 * Vitest with globals: true); here the stand-ins below make it type-check.
 */
import { MemoryRateLimitStore, MemorySessionStore, type AuthUser } from 'nest-gatekeeper';
import { runRateLimitStoreContract, runSessionStoreContract, runUserStoreContract } from 'nest-gatekeeper/testing';
import { UsersAuthStore } from './users/users-auth.store.js';
import { InMemoryUsersRepository } from './users/users.module.js';

/** Stand-ins for your database handle and your own stores. */
interface TestDatabase {
  reset(): Promise<void>;
  close(): Promise<void>;
}
const openTestDatabase = (): Promise<TestDatabase> => Promise.resolve({ reset: () => Promise.resolve(), close: () => Promise.resolve() });
const freshDb = openTestDatabase;
const db = await openTestDatabase();
const freshNamespace = (): Promise<string> => Promise.resolve(`test:${Date.now()}:`);
class MySessionStore extends MemorySessionStore {
  constructor(readonly database: TestDatabase) {
    super();
  }
}
class MyCounters extends MemoryRateLimitStore {
  constructor(readonly namespace: string) {
    super();
  }
}
const freshUsersAuthStore = (seed: readonly AuthUser[]): Promise<UsersAuthStore> => Promise.resolve(new UsersAuthStore(new InMemoryUsersRepository(seed)));

// the JSDoc of nest-gatekeeper/testing:
runSessionStoreContract('my store', async () => ({ store: new MySessionStore(db), teardown: () => db.reset() }));

// docs/stores.md, "Writing a store: the checklist":
runSessionStoreContract('my sessions', async () => {
  const db = await openTestDatabase();
  return { store: new MySessionStore(db), teardown: () => db.close() };
});
runRateLimitStoreContract('my counters', async () => ({ store: new MyCounters(await freshNamespace()) }));

// docs/stores.md, "Bring your own user store":
runUserStoreContract('UsersAuthStore', async (seed = []) => ({ store: await freshUsersAuthStore(seed) }));
runSessionStoreContract('my sessions on a fresh database', async () => ({ store: new MySessionStore(await freshDb()) }));
