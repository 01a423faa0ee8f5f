/** Signing keys and their rotation: the examples of docs/keys.md. */
import { AuthModule } from 'nest-gatekeeper';
import { UsersAuthStore } from './users/users-auth.store.js';

// Step 0: one key, as most apps start.
export const oneKey = AuthModule.forRoot({
  jwt: { algorithm: 'EdDSA', privateKey: process.env.JWT_PRIVATE_KEY_2026! },
  userStore: UsersAuthStore,
});

// Step 1: the next key is published as standby; the current one still signs.
export const standby = AuthModule.forRoot({
  jwt: {
    keys: [
      { kid: 'ed-2026', algorithm: 'EdDSA', privateKey: process.env.JWT_PRIVATE_KEY_2026! },
      { kid: 'ed-2027', algorithm: 'EdDSA', privateKey: process.env.JWT_PRIVATE_KEY_2027!, status: 'standby' },
    ],
  },
  secretKey: process.env.AUTH_SECRET_KEY!, // CSRF tokens, refresh MACs, code hashes: not tied to a signing key
  userStore: UsersAuthStore,
});

// Step 2: the next key signs; the old one verifies the tokens it signed until they expire.
export const promoted = AuthModule.forRoot({
  jwt: {
    keys: [
      { kid: 'ed-2027', algorithm: 'EdDSA', privateKey: process.env.JWT_PRIVATE_KEY_2027! },
      { kid: 'ed-2026', algorithm: 'EdDSA', publicKey: process.env.JWT_PUBLIC_KEY_2026!, status: 'retired' },
    ],
  },
  secretKey: process.env.AUTH_SECRET_KEY!,
  userStore: UsersAuthStore,
});

// From the single-key form: the old secret moves into `keys` without a kid, so it keeps the kid its tokens carry.
export const fromSecret = AuthModule.forRoot({
  jwt: {
    keys: [
      { kid: 'hs-2', algorithm: 'HS256', secret: process.env.JWT_SECRET_2! },
      { algorithm: 'HS256', secret: process.env.JWT_SECRET!, status: 'retired' },
    ],
  },
  userStore: UsersAuthStore,
});

// The secret key rotates on its own: the new one first, the old one kept while what it keyed may be presented.
export const secretKeyRotation = AuthModule.forRoot({
  jwt: { algorithm: 'EdDSA', privateKey: process.env.JWT_PRIVATE_KEY_2027! },
  secretKey: [process.env.AUTH_SECRET_KEY_2!, process.env.AUTH_SECRET_KEY!],
  userStore: UsersAuthStore,
});
