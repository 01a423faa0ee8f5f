import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { deriveSubKeys, randomBytesFromPool } from '../crypto/secrets.js';

const INFO = 'nest-gatekeeper/webauthn-challenge/v1';
const VERSION = 1;

/** What a WebAuthn challenge was issued for. */
export type PasskeyCeremony = 'register' | 'login' | 'mfa';

const CEREMONY_CODES: Record<PasskeyCeremony, number> = { register: 1, login: 2, mfa: 3 };

/** Bytes: version, ceremony, expiry (seconds, 6 bytes), nonce, MAC. */
const NONCE_BYTES = 16;
const MAC_BYTES = 32;
const HEADER_BYTES = 1 + 1 + 6;
const CHALLENGE_BYTES = HEADER_BYTES + NONCE_BYTES + MAC_BYTES;

/**
 * What a challenge is bound to: a string, or a function of the challenge's id (its nonce), for a
 * binding that includes something derived from the challenge itself (a new WebAuthn user handle).
 */
export type ChallengeBinding = string | ((id: string) => string);

/** A challenge that checked out: its single-use id and expiry. */
export interface OpenedChallenge {
  /** The nonce, base64url: the key of its single use (`MfaChallengeStore.finishPending`). */
  id: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * WebAuthn challenges that carry their own proof: `version ‖ ceremony ‖ expiry ‖ nonce ‖ MAC`, the
 * MAC being HMAC-SHA256 under a key derived from the secret keys over those bytes and the
 * ceremony's binding (the user and session for a registration, the pending login for a second
 * factor, nothing for a sign-in). Issuing one writes nothing, so a flood of unauthenticated option
 * requests costs no storage; every instance that shares the keys can check it. Single use is
 * enforced at verification by marking the nonce finished in the challenge store (one winner among
 * concurrent uses, on every instance).
 *
 * The authenticator signs the challenge inside `clientDataJSON`, so a response carries back exactly
 * the bytes issued: a challenge of another ceremony, session or pending login, an expired one, or one
 * made without our key fails {@link open}.
 */
export class PasskeyChallenges {
  private readonly keys: readonly Buffer[];

  constructor(secretKeys: readonly KeyObject[]) {
    this.keys = deriveSubKeys(secretKeys, INFO);
  }

  /** A new challenge (base64url) for `ceremony` bound to `binding`, valid until `expiresAt` (epoch ms). */
  issue(ceremony: PasskeyCeremony, binding: ChallengeBinding, expiresAt: number): string {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(VERSION, 0);
    header.writeUInt8(CEREMONY_CODES[ceremony], 1);
    header.writeUIntBE(Math.ceil(expiresAt / 1000), 2, 6);
    const nonce = Buffer.from(randomBytesFromPool(NONCE_BYTES));
    const body = Buffer.concat([header, nonce]);
    return Buffer.concat([body, this.mac(this.keys[0], body, bindingOf(binding, nonce))]).toString('base64url');
  }

  /** The id (nonce, base64url) of a challenge this class issued, without checking it. */
  static idOf(challenge: string): string {
    return Buffer.from(challenge, 'base64url')
      .subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES)
      .toString('base64url');
  }

  /**
   * The challenge's id and expiry when it was issued by us for `ceremony` and `binding` and has not
   * expired at `now`; `null` otherwise (never throws, whatever the input).
   */
  open(challenge: string, ceremony: PasskeyCeremony, binding: ChallengeBinding, now: number): OpenedChallenge | null {
    if (typeof challenge !== 'string' || challenge.length > 128 || !/^[A-Za-z0-9_-]+$/.test(challenge)) return null;
    const bytes = Buffer.from(challenge, 'base64url');
    if (bytes.length !== CHALLENGE_BYTES || bytes.readUInt8(0) !== VERSION || bytes.readUInt8(1) !== CEREMONY_CODES[ceremony]) return null;
    const body = bytes.subarray(0, HEADER_BYTES + NONCE_BYTES);
    const presented = bytes.subarray(HEADER_BYTES + NONCE_BYTES);
    const bound = bindingOf(binding, bytes.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES));
    // Both 32 bytes (the length was checked): a constant-time comparison per key.
    if (!this.keys.some((key) => timingSafeEqual(this.mac(key, body, bound), presented))) return null;
    const expiresAt = bytes.readUIntBE(2, 6) * 1000;
    if (expiresAt <= now) return null;
    return { id: bytes.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES).toString('base64url'), expiresAt };
  }

  private mac(key: Buffer, body: Buffer, binding: string): Buffer {
    return createHmac('sha256', key).update(body).update('\0').update(binding).digest();
  }
}

function bindingOf(binding: ChallengeBinding, nonce: Buffer): string {
  return typeof binding === 'string' ? binding : binding(nonce.toString('base64url'));
}
