import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { deriveSubKeys } from '../crypto/secrets.js';

const INFO = 'nest-gatekeeper/oauth-seal/v1';
/** The longest sealed value accepted (a cookie holds at most ~4 KB). */
const MAX_LENGTH = 3072;
const SHAPE = /^[A-Za-z0-9_-]{1,3000}\.[A-Za-z0-9_-]{43}$/;

/** What a sealed value is for; a value made for one kind never opens as another. */
export type SealKind = 'state' | 'exchange';

/**
 * Values that carry their own proof, for the stateless steps of a provider sign-in: the state
 * cookie (`state`, `nonce`, the PKCE verifier, where to return) and the one-time exchange code.
 * `base64url(JSON) . HMAC-SHA256(kind ‖ JSON)` under a key derived from the secret keys (any of them
 * opens, the first seals: key rotation keeps flows in progress working); every instance sharing the
 * keys can open them. Single use is the caller's (`MfaChallengeStore.finishPending`).
 */
export class OAuthSeal {
  private readonly keys: readonly Buffer[];

  constructor(secretKeys: readonly KeyObject[]) {
    this.keys = deriveSubKeys(secretKeys, INFO);
  }

  /** Seals `payload` (a JSON object) for `kind`, valid until `expiresAt` (epoch ms). */
  seal(kind: SealKind, payload: Record<string, string | number>, expiresAt: number): string {
    const body = Buffer.from(JSON.stringify({ ...payload, k: kind, x: Math.ceil(expiresAt / 1000) }), 'utf8');
    return `${body.toString('base64url')}.${this.mac(this.keys[0], kind, body).toString('base64url')}`;
  }

  /**
   * The payload of a value sealed for `kind` by us and not expired at `now`, or `null` (never throws,
   * whatever the input). `expiresAt` is added (epoch ms).
   */
  open(kind: SealKind, value: unknown, now: number): (Record<string, unknown> & { expiresAt: number }) | null {
    if (typeof value !== 'string' || value.length > MAX_LENGTH || !SHAPE.test(value)) return null;
    const [encoded, mac] = value.split('.') as [string, string];
    const body = Buffer.from(encoded, 'base64url');
    const presented = Buffer.from(mac, 'base64url');
    if (presented.length !== 32 || !this.keys.some((key) => timingSafeEqual(this.mac(key, kind, body), presented))) return null;
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return null;
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
    const fields = payload as Record<string, unknown>;
    if (fields.k !== kind || typeof fields.x !== 'number' || fields.x * 1000 <= now) return null;
    return { ...fields, expiresAt: fields.x * 1000 };
  }

  private mac(key: Buffer, kind: SealKind, body: Buffer): Buffer {
    return createHmac('sha256', key).update(kind).update('\0').update(body).digest();
  }
}
