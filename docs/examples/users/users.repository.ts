/**
 * Stands for your app's own data access in the examples (a TypeORM repository, Prisma, Kysely, raw
 * SQL…). An abstract class, so it is also a Nest injection token.
 */
import type { AuthUser } from 'nest-gatekeeper';

/** What the examples need of your users table. */
export abstract class UsersRepository {
  /** The one user matching every given field, or `null`. */
  abstract findOneBy(where: Partial<Pick<AuthUser, 'id' | 'username' | 'email'>>): Promise<AuthUser | null>;
  /** Inserts a user; unique violations are reported, not thrown. */
  abstract insert(user: AuthUser): Promise<'inserted' | 'duplicate-username' | 'duplicate-email'>;
  /** Updates one user; resolves whether it exists. */
  abstract update(id: string, changes: Partial<AuthUser>): Promise<boolean>;
}
