import { DataSource } from 'typeorm';
import { rateLimitEntity } from '../../lib/stores/typeorm/rate-limit.entity.js';
import { TypeOrmRateLimitStore } from '../../lib/stores/typeorm/typeorm-rate-limit.store.js';
import { createPgDatabase, PG_URL, withDatabase, type TestDatabase } from '../fixtures/services.js';

/** Expired attempt counters of the SQL store do not linger until the janitor: a read removes them. */
describe.each(['SQLite', 'PostgreSQL'] as const)('TypeOrmRateLimitStore: expired counters (%s)', (kind) => {
  let dataSource: DataSource;
  let db: TestDatabase | undefined;
  const rows = () => dataSource.getRepository(rateLimitEntity()).count();

  beforeEach(async () => {
    if (kind === 'PostgreSQL') db = await createPgDatabase('expiry');
    dataSource = await new DataSource(
      kind === 'SQLite'
        ? { type: 'better-sqlite3', database: ':memory:', entities: [rateLimitEntity()], synchronize: true }
        : { type: 'postgres', url: withDatabase(PG_URL, (db as TestDatabase).name), entities: [rateLimitEntity()], synchronize: true },
    ).initialize();
  });
  afterEach(async () => {
    await dataSource.destroy();
    await db?.drop();
  });

  it('a read of an expired counter deletes its row; a live one stays', async () => {
    const store = new TypeOrmRateLimitStore(dataSource);
    await store.increment('expired', 1000, 0);
    await store.increment('live', 60_000, 0);
    expect(await rows()).toBe(2);
    expect(await store.peek('expired', 5000)).toEqual({ count: 0, resetAt: 0, lastAt: 0 });
    expect((await store.peek('live', 5000)).count).toBe(1);
    expect(await rows()).toBe(1);
    // A window restarted meanwhile is kept (the delete is conditional on the expiry).
    await store.increment('live', 60_000, 70_000);
    expect((await store.peek('live', 70_001)).count).toBe(1);
  });
});
