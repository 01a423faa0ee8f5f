import { randomUUID } from 'node:crypto';
import { DuplicateUserError } from '../../errors/store.errors.js';
import type { AuthUser, MfaMethod, NewUser, UserStore } from '../user.store.js';

/**
 * An in-memory {@link UserStore}: for tests, demos and prototypes. Data is lost on restart.
 * Returned users are copies, so callers cannot change the stored state by accident. Every method
 * completes synchronously inside its call, so the uniqueness guarantees of `create` and
 * `updateEmail` hold trivially. Implements the optional `setEmailVerified`, `updateEmail` and
 * `delete`; created users have `emailVerified` as given (default `false`).
 */
export class MemoryUserStore implements UserStore {
  private readonly byId = new Map<string, AuthUser>();
  private readonly idByUsername = new Map<string, string>();
  private readonly idByEmail = new Map<string, string>();

  /** @param users users to start with (their ids are kept). */
  constructor(users: readonly AuthUser[] = []) {
    for (const user of users) this.put(structuredClone(user));
  }

  findById(id: string): Promise<AuthUser | null> {
    return Promise.resolve(this.copy(this.byId.get(id)));
  }

  findByUsername(username: string): Promise<AuthUser | null> {
    const id = this.idByUsername.get(username);
    return Promise.resolve(this.copy(id === undefined ? undefined : this.byId.get(id)));
  }

  findByEmail(email: string): Promise<AuthUser | null> {
    const id = this.idByEmail.get(email);
    return Promise.resolve(this.copy(id === undefined ? undefined : this.byId.get(id)));
  }

  create(input: NewUser): Promise<AuthUser> {
    if (this.idByUsername.has(input.username)) return Promise.reject(new DuplicateUserError('username'));
    if (this.idByEmail.has(input.email)) return Promise.reject(new DuplicateUserError('email'));
    const user: AuthUser = {
      id: randomUUID(),
      username: input.username,
      email: input.email,
      passwordHash: input.passwordHash,
      roles: [...input.roles],
      mfaEnabled: false,
      mfaMethods: [],
      emailVerified: input.emailVerified ?? false,
      ...(input.profile ? { profile: structuredClone(input.profile) } : {}),
    };
    this.put(user);
    return Promise.resolve(structuredClone(user));
  }

  updatePasswordHash(id: string, passwordHash: string): Promise<boolean> {
    const user = this.byId.get(id);
    if (!user) return Promise.resolve(false);
    user.passwordHash = passwordHash;
    return Promise.resolve(true);
  }

  setMfaMethods(id: string, methods: readonly MfaMethod[]): Promise<boolean> {
    const user = this.byId.get(id);
    if (!user) return Promise.resolve(false);
    user.mfaMethods = [...methods];
    user.mfaEnabled = methods.length > 0;
    return Promise.resolve(true);
  }

  /** Sets `emailVerified` (with `expectedEmail`, only while the user's e-mail is that address). */
  setEmailVerified(id: string, verified: boolean, expectedEmail?: string): Promise<boolean> {
    const user = this.byId.get(id);
    if (!user || (expectedEmail !== undefined && user.email !== expectedEmail)) return Promise.resolve(false);
    user.emailVerified = verified;
    return Promise.resolve(true);
  }

  /**
   * Replaces the e-mail and marks it verified, synchronously: of concurrent changes to one address
   * exactly one succeeds, the others reject with `DuplicateUserError('email')`.
   */
  updateEmail(id: string, email: string): Promise<boolean> {
    const user = this.byId.get(id);
    if (!user) return Promise.resolve(false);
    const owner = this.idByEmail.get(email);
    if (owner !== undefined && owner !== id) return Promise.reject(new DuplicateUserError('email'));
    this.idByEmail.delete(user.email);
    user.email = email;
    user.emailVerified = true;
    this.idByEmail.set(email, id);
    return Promise.resolve(true);
  }

  /** Deletes the user (its username and e-mail become free). */
  delete(id: string): Promise<boolean> {
    const user = this.byId.get(id);
    if (!user) return Promise.resolve(false);
    this.byId.delete(id);
    this.idByUsername.delete(user.username);
    this.idByEmail.delete(user.email);
    return Promise.resolve(true);
  }

  private put(user: AuthUser): void {
    this.byId.set(user.id, user);
    this.idByUsername.set(user.username, user.id);
    this.idByEmail.set(user.email, user.id);
  }

  private copy(user: AuthUser | undefined): AuthUser | null {
    return user ? structuredClone(user) : null;
  }
}
