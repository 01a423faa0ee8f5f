import type { AuthUser, JsonValue, MfaMethod } from '../stores/user.store.js';

/**
 * A user as clients see it: never a password hash, TOTP secret, recovery code or token.
 * Profile fields of the store are included beside the core fields (which they cannot override).
 */
export interface PublicUser {
  id: string;
  username: string;
  email: string;
  roles: string[];
  mfaEnabled: boolean;
  mfaMethods: MfaMethod[];
  [profileField: string]: JsonValue | MfaMethod[] | string[] | undefined;
}

/** Profile keys that can never be copied into a public user, whatever a store returns. */
const FORBIDDEN = /pass|secret|token|hash|recovery|otp/i;

/** The public view of a user. */
export function toPublicUser(user: AuthUser): PublicUser {
  const profile: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(user.profile ?? {})) {
    if (!FORBIDDEN.test(key) && key !== '__proto__') profile[key] = value;
  }
  return {
    ...profile,
    id: user.id,
    username: user.username,
    email: user.email,
    roles: [...user.roles],
    mfaEnabled: user.mfaEnabled,
    mfaMethods: [...user.mfaMethods],
  };
}

/** Normalises a username or e-mail for storage and look-up: NFKC, trimmed, lower-case. */
export function normaliseIdentifier(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}
