/**
 * The module that provides your users' data access. Global, so that a `UsersAuthStore` class given as
 * `userStore` can be instantiated in the auth module's context (see the README's forRoot example).
 */
import { Global, Module } from '@nestjs/common';
import type { AuthUser } from 'nest-gatekeeper';
import { UsersRepository } from './users.repository.js';

/** A stand-in implementation for the examples: swap in your real repository. */
export class InMemoryUsersRepository extends UsersRepository {
  constructor(seed: readonly AuthUser[] = []) {
    super();
    for (const user of seed) this.rows.set(user.id, structuredClone(user));
  }

  private readonly rows = new Map<string, AuthUser>();

  findOneBy(where: Partial<Pick<AuthUser, 'id' | 'username' | 'email'>>): Promise<AuthUser | null> {
    const found = [...this.rows.values()].find(
      (row) => (where.id ?? row.id) === row.id && (where.username ?? row.username) === row.username && (where.email ?? row.email) === row.email,
    );
    return Promise.resolve(found ? structuredClone(found) : null);
  }

  insert(user: AuthUser): Promise<'inserted' | 'duplicate-username' | 'duplicate-email'> {
    for (const row of this.rows.values()) {
      if (row.username === user.username) return Promise.resolve('duplicate-username');
      if (row.email === user.email) return Promise.resolve('duplicate-email');
    }
    this.rows.set(user.id, structuredClone(user));
    return Promise.resolve('inserted');
  }

  update(id: string, changes: Partial<AuthUser>): Promise<boolean> {
    const row = this.rows.get(id);
    if (row) Object.assign(row, changes);
    return Promise.resolve(row !== undefined);
  }
}

@Global()
@Module({
  providers: [{ provide: UsersRepository, useClass: InMemoryUsersRepository }],
  exports: [UsersRepository],
})
export class UsersModule {}
