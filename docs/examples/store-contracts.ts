/**
 * Running the shipped contract suites on your own stores (docs/stores.md, and the JSDoc of
 * `nest-gatekeeper/testing`). In your project these are test files (Jest, or Vitest with
 * globals: true); here the stand-ins at the end make them type-check.
 */
// my-session-store.spec.ts (Jest, or Vitest with globals: true)
import { runSessionStoreContract, runRateLimitStoreContract } from 'nest-gatekeeper/testing';

runSessionStoreContract('my store', async () => {
  const db = await openTestDatabase();
  return { store: new MySessionStore(db), teardown: () => db.close() };
});
runRateLimitStoreContract('my counters', async () => ({ store: new MyCounters(await freshNamespace()) }));

// users-auth.store.spec.ts
import { runUserStoreContract } from 'nest-gatekeeper/testing';

runUserStoreContract('UsersAuthStore', async (seed = []) => ({ store: await freshUsersAuthStore(seed) }));

// ---- stand-ins for your database handle and your own stores ----
import { MemoryRateLimitStore, MemorySessionStore, type AuthUser } from 'nest-gatekeeper';
import { UsersAuthStore } from './users/users-auth.store.js';
import { InMemoryUsersRepository } from './users/users.module.js';

interface TestDatabase {
  close(): Promise<void>;
}
function openTestDatabase(): Promise<TestDatabase> {
  return Promise.resolve({ close: () => Promise.resolve() });
}
function freshNamespace(): Promise<string> {
  return Promise.resolve(`test:${Date.now()}:`);
}
function freshUsersAuthStore(seed: readonly AuthUser[]): Promise<UsersAuthStore> {
  return Promise.resolve(new UsersAuthStore(new InMemoryUsersRepository(seed)));
}
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
