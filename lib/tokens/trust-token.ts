import { randomToken, sha256 } from '../crypto/secrets.js';

const TRUST_TOKEN = /^([A-Za-z0-9_-]{16})\.[A-Za-z0-9_-]{43}$/;

/** A new trust token: `<device id>.<256 random bits>` (the id finds the record; the rest is the secret). */
export function newTrustToken(): { id: string; token: string } {
  const id = randomToken(12);
  return { id, token: `${id}.${randomToken(32)}` };
}

/** The device id inside a well-formed trust token, or `undefined`. */
export function trustTokenDeviceId(token: string): string | undefined {
  return token.length === 60 ? TRUST_TOKEN.exec(token)?.[1] : undefined;
}

/** How trust tokens are stored: SHA-256 (256-bit random, so no slow hash is needed). */
export const hashTrustToken = sha256;
