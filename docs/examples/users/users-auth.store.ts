/**
 * A UserStore on your own users table: the "Bring your own user store" example of the README and
 * docs/stores.md. A complete one on an existing table with other column names is
 * docs/examples/legacy-user-store.ts.
 */
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DuplicateUserError, type AuthUser, type MfaMethod, type NewUser, type UserStore } from 'nest-gatekeeper';
import { UsersRepository } from './users.repository.js';

@Injectable()
export class UsersAuthStore implements UserStore {
  constructor(private readonly users: UsersRepository) {}

  findById(id: string): Promise<AuthUser | null> {
    return this.users.findOneBy({ id });
  }

  findByUsername(username: string): Promise<AuthUser | null> {
    return this.users.findOneBy({ username }); // already normalised by the module (NFKC, trimmed, lower-case)
  }

  findByEmail(email: string): Promise<AuthUser | null> {
    return this.users.findOneBy({ email });
  }

  async create(user: NewUser): Promise<AuthUser> {
    const created: AuthUser = { id: randomUUID(), ...user, mfaEnabled: false, mfaMethods: [] };
    const outcome = await this.users.insert(created);
    if (outcome === 'duplicate-username') throw new DuplicateUserError('username'); // never an HTTP error
    if (outcome === 'duplicate-email') throw new DuplicateUserError('email');
    return created;
  }

  updatePasswordHash(id: string, passwordHash: string): Promise<boolean> {
    return this.users.update(id, { passwordHash });
  }

  setMfaMethods(id: string, methods: readonly MfaMethod[]): Promise<boolean> {
    return this.users.update(id, { mfaMethods: [...methods], mfaEnabled: methods.length > 0 });
  }
}
