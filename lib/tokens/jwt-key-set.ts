import type { JwtKeyRing } from './jwt-key-ring.js';
import type { ResolvedJwtKey } from '../options/resolved-auth-options.js';

/**
 * The longest protected header read to find a `kid` (in base64url characters). Ours are about 100;
 * a longer header names no configured key anyway, and is refused without being decoded.
 */
const MAX_HEADER_CHARS = 1024;

/**
 * The `kid` of a compact JWS's protected header, or `undefined` when there is none (or the header is
 * not a bounded, base64url JSON object). Read before the signature is checked, so only ever used to
 * look a key up among the configured ones: the key found then verifies the exact header bytes.
 */
export function headerKid(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot > MAX_HEADER_CHARS) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null) return undefined;
  const kid = (header as Record<string, unknown>).kid;
  return typeof kid === 'string' ? kid : undefined;
}

/**
 * One verifier per configured key, by `kid`, each made once at start-up (pinned to that key's own
 * algorithm by `make`). A `Map`, so a `kid` such as `__proto__` or `constructor` finds nothing.
 */
export function verifiersByKid<V>(keys: readonly ResolvedJwtKey[], make: (key: ResolvedJwtKey) => V): ReadonlyMap<string, V> {
  return new Map(keys.map((key) => [key.kid, make(key)]));
}

/**
 * The verifier for a token: the one of the configured key its header's `kid` names; `undefined` for
 * a token without `kid` or naming no configured key (never a fallback to another key).
 */
export function verifierFor<V>(verifiers: ReadonlyMap<string, V>, token: string): V | undefined {
  const kid = headerKid(token);
  return kid === undefined ? undefined : verifiers.get(kid);
}

/**
 * A signer (of the active key) and one verifier per key, built for the {@link JwtKeyRing}'s keys of
 * the moment and built again when they change (a reload, a scheduled transition); `onChange` then
 * runs, so that a cache of verified tokens can be dropped. Unchanged keys cost one comparison a call.
 */
export class KeyedJwt<S, V> {
  private built = -1;
  private signerOfActive: S | undefined;
  private verifierMap: ReadonlyMap<string, V> = new Map();

  constructor(
    private readonly ring: JwtKeyRing,
    private readonly makeSigner: (active: ResolvedJwtKey) => S,
    private readonly makeVerifier: (key: ResolvedJwtKey) => V,
    private readonly onChange?: () => void,
  ) {
    this.sync();
  }

  /** Brings the signer and verifiers up to date with the ring (call before reading anything cached from them). */
  sync(): void {
    const state = this.ring.current();
    if (state.generation === this.built) return;
    this.signerOfActive = this.makeSigner(state.active);
    this.verifierMap = verifiersByKid(state.keys, this.makeVerifier);
    this.built = state.generation;
    this.onChange?.();
  }

  /** The active key's signer. */
  signer(): S {
    this.sync();
    return this.signerOfActive as S;
  }

  /** One verifier per key in use, by `kid`. */
  verifiers(): ReadonlyMap<string, V> {
    this.sync();
    return this.verifierMap;
  }

  /** The verifier of the key the token's `kid` names (see {@link verifierFor}). */
  verifierFor(token: string): V | undefined {
    this.sync();
    return verifierFor(this.verifierMap, token);
  }
}
