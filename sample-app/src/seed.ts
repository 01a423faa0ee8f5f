import type { Logger } from '@nestjs/common';
import {
  Argon2idPasswordHasher,
  DuplicateUserError,
  type AuthUser,
  type MfaEnrolmentService,
  type PasswordHasher,
  type UserStore,
} from 'nest-gatekeeper';

/** The TOTP secret of the demo user `totp.user` (CONTRACT §7): add it to any authenticator app. */
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXP';

/** The second factor a demo user is seeded with. */
export type DemoUserMfa = { method: 'totp'; secret: string } | { method: 'email' };

/** A demo user of CONTRACT §7. */
export interface DemoUser {
  username: string;
  password: string;
  email: string;
  roles: string[];
  profile?: Record<string, string>;
  mfa?: DemoUserMfa;
}

/** The demo users of CONTRACT §7: two without MFA, one with TOTP, one with e-mail codes. */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    username: 'emilys',
    password: 'emilyspass',
    email: 'emily.johnson@example.com',
    roles: ['user'],
    profile: { firstName: 'Emily', lastName: 'Johnson' },
  },
  { username: 'admin', password: 'adminpass123', email: 'admin@example.com', roles: ['admin', 'user'] },
  {
    username: 'totp.user',
    password: 'totppass123',
    email: 'totp@example.com',
    roles: ['user'],
    mfa: { method: 'totp', secret: DEMO_TOTP_SECRET },
  },
  {
    username: 'email.user',
    password: 'emailpass123',
    email: 'email@example.com',
    roles: ['user'],
    mfa: { method: 'email' },
  },
];

/** What {@link seedDemoUsers} works with. */
export interface SeedDependencies {
  users: UserStore;
  /** Enrols the second factors (`enrolTotpSecret`, `enableMethod`). */
  mfa: Pick<MfaEnrolmentService, 'enrolTotpSecret' | 'enableMethod'>;
  logger: Pick<Logger, 'log'>;
  /** @default argon2id with the module's default parameters */
  hasher?: PasswordHasher;
}

/** What a seeding run changed. */
export interface SeedResult {
  /** Users created. */
  created: number;
  /** Second factors enrolled (on new users, or on existing users that lacked theirs). */
  enrolled: number;
}

/**
 * Creates each demo user that does not exist yet (looked up by username; an existing user keeps its
 * password and roles), with a verified e-mail address; an existing demo user that still has its demo
 * address but no verification gets it (when the store keeps it: a database seeded before
 * EMAIL_VERIFICATION=required). Then gives each MFA demo user its second factor unless it already has
 * that method (an enrolled TOTP secret is never replaced). Safe on every start, and against a
 * concurrent seeder: a duplicate counts as present.
 */
export async function seedDemoUsers({ users, mfa, logger, hasher = new Argon2idPasswordHasher() }: SeedDependencies): Promise<SeedResult> {
  const result: SeedResult = { created: 0, enrolled: 0 };
  for (const demo of DEMO_USERS) {
    let user = await users.findByUsername(demo.username);
    if (!user) {
      user = await createDemoUser(users, demo, hasher);
      if (user) {
        result.created++;
        logger.log(`Seeded demo user '${demo.username}'`);
      } else {
        user = await users.findByUsername(demo.username);
      }
    }
    if (user && user.emailVerified !== true && user.email === demo.email && users.setEmailVerified) {
      if (await users.setEmailVerified(user.id, true, demo.email)) logger.log(`Marked the e-mail of demo user '${demo.username}' verified`);
    }
    if (!user || !demo.mfa || user.mfaMethods.includes(demo.mfa.method)) continue;
    if (demo.mfa.method === 'totp') await mfa.enrolTotpSecret(user.id, demo.mfa.secret);
    else await mfa.enableMethod(user.id, demo.mfa.method);
    result.enrolled++;
    logger.log(`Enabled ${demo.mfa.method === 'totp' ? 'TOTP' : 'e-mail codes'} for demo user '${demo.username}'`);
  }
  return result;
}

/** The new user, or `null` when a concurrent seeder created it first. */
async function createDemoUser(users: UserStore, demo: DemoUser, hasher: PasswordHasher): Promise<AuthUser | null> {
  try {
    return await users.create({
      username: demo.username,
      email: demo.email,
      passwordHash: await hasher.hash(demo.password),
      roles: [...demo.roles],
      // Their addresses are the demo's own: seeded as verified, so EMAIL_VERIFICATION=required lets them in.
      emailVerified: true,
      ...(demo.profile ? { profile: { ...demo.profile } } : {}),
    });
  } catch (error) {
    if (!(error instanceof DuplicateUserError)) throw error;
    return null;
  }
}
