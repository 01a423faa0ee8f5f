import { OneTimeCodes } from '../mfa/verification-codes.js';
import { randomToken, sha256 } from '../crypto/secrets.js';
import type { KeyObject } from 'node:crypto';
import type { AccountTokenPurpose } from '../stores/account-token.store.js';

/** A link token: 32 bytes from the CSPRNG, base64url (43 characters). */
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The account lifecycle's one-time secrets. Link tokens carry 256 random bits and are stored as their
 * SHA-256 (like refresh tokens: a search over 2^256 needs no slow hash). Short codes are
 * `accountEmails.codeLength` digits, stored as an HMAC bound to the user and the purpose (a plain hash
 * of eight digits would give them away), keyed by the secret keys (see {@link OneTimeCodes}).
 */
export class AccountTokens {
  private readonly codes: OneTimeCodes;

  constructor(secretKeys: readonly KeyObject[], codeLength: number) {
    this.codes = new OneTimeCodes(secretKeys, codeLength);
  }

  /** A new link token. */
  newLinkToken(): string {
    return randomToken(32);
  }

  /** The stored hash of a link token, or `undefined` when the input cannot be one (nothing to look up). */
  linkHash(purpose: AccountTokenPurpose, token: string): string | undefined {
    return LINK_TOKEN.test(token) ? sha256(`${purpose}\0${token}`) : undefined;
  }

  /** A new short code. */
  newCode(): string {
    return this.codes.generate();
  }

  /** Whether `code` has the shape of a code (the exact digit count). */
  isCode(code: string): boolean {
    return this.codes.isWellFormed(code);
  }

  /** The stored hash of a new short code of `userId`. */
  codeHash(purpose: AccountTokenPurpose, userId: string, code: string): string {
    return this.codes.hash(userId, purpose, 'account', code);
  }

  /** The stored hash `code` may have, under each secret key (a code sent before a rotation matches an older one). */
  codeHashes(purpose: AccountTokenPurpose, userId: string, code: string): string[] {
    return this.codes.hashes(userId, purpose, 'account', code);
  }
}
