import type { Logger } from '@nestjs/common';
import { Argon2idPasswordHasher, DuplicateUserError, type PasswordHasher, type UserStore } from 'nest-gatekeeper';

/** A demo user of CONTRACT §7. */
export interface DemoUser {
  username: string;
  password: string;
  email: string;
  roles: string[];
  profile?: Record<string, string>;
}

/** The demo users without MFA (the MFA users come with the MFA feature). */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    username: 'emilys',
    password: 'emilyspass',
    email: 'emily.johnson@example.com',
    roles: ['user'],
    profile: { firstName: 'Emily', lastName: 'Johnson' },
  },
  { username: 'admin', password: 'adminpass123', email: 'admin@example.com', roles: ['admin', 'user'] },
];

/**
 * Creates each demo user that does not exist yet (looked up by username; an existing user is left
 * as it is). Safe on every start, and against a concurrent seeder: a duplicate counts as present.
 * Resolves the number of users created.
 */
export async function seedDemoUsers(
  users: UserStore,
  logger: Pick<Logger, 'log'>,
  hasher: PasswordHasher = new Argon2idPasswordHasher(),
): Promise<number> {
  let created = 0;
  for (const demo of DEMO_USERS) {
    if (await users.findByUsername(demo.username)) continue;
    try {
      await users.create({
        username: demo.username,
        email: demo.email,
        passwordHash: await hasher.hash(demo.password),
        roles: [...demo.roles],
        ...(demo.profile ? { profile: { ...demo.profile } } : {}),
      });
      created++;
      logger.log(`Seeded demo user '${demo.username}'`);
    } catch (error) {
      if (!(error instanceof DuplicateUserError)) throw error;
    }
  }
  return created;
}
