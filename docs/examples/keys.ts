/** Signing keys and their rotation: the examples of docs/keys.md. */
import { Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { AuthModule, JwtKeyRing, type JwtAlgorithm, type JwtKeyOptions, type JwtKeyStatus, type KeyProvider } from 'nest-gatekeeper';
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

// Keys from a JSON Web Key Set file (a mounted Kubernetes or Vault Agent secret), read again every minute.
@Injectable()
export class JwkSetFileKeyProvider implements KeyProvider {
  async loadKeys(): Promise<JwtKeyOptions[]> {
    const file = JSON.parse(await readFile('/run/secrets/jwt-keys.json', 'utf8')) as { keys: StoredJwk[] };
    return file.keys.map((jwk) => ({
      kid: jwk.kid,
      algorithm: jwk.alg,
      privateKey: createPrivateKey({ key: jwk, format: 'jwk' }),
      status: jwk.status ?? 'active',
    }));
  }
}

/** A private JWK as the file stores it, with the status the operator gives it. */
type StoredJwk = JsonWebKey & { kid: string; alg: JwtAlgorithm; status?: JwtKeyStatus };

export const fromProvider = AuthModule.forRoot({
  jwt: { keyProvider: JwkSetFileKeyProvider, keyReloadInterval: '1m' },
  secretKey: process.env.AUTH_SECRET_KEY!, // required with a keyProvider
  userStore: UsersAuthStore,
});

// After writing a new key to the provider's source: reload at once instead of waiting for the interval.
@Injectable()
export class KeyAdminService {
  constructor(private readonly keys: JwtKeyRing) {}

  async afterKeyWritten(): Promise<string> {
    await this.keys.reload(); // rejects (and keeps the keys in use) when the new set is refused
    return this.keys.activeKid();
  }
}

// A schedule: each key signs from its activateAt; every instance switches at the same instant.
export const scheduled = AuthModule.forRoot({
  jwt: {
    keys: [
      { kid: 'ed-2026', algorithm: 'EdDSA', privateKey: process.env.JWT_PRIVATE_KEY_2026!, activateAt: '2026-01-01T00:00:00Z' },
      { kid: 'ed-2027', algorithm: 'EdDSA', privateKey: process.env.JWT_PRIVATE_KEY_2027!, activateAt: '2027-01-01T00:00:00Z' },
    ],
  },
  secretKey: process.env.AUTH_SECRET_KEY!,
  userStore: UsersAuthStore,
});
