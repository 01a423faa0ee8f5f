import { Inject } from '@nestjs/common';
import { assertImplements, type MethodList } from './assert-implements.js';

/** What a one-time account token is for. */
export const ACCOUNT_TOKEN_PURPOSES = ['password-reset', 'email-verification', 'email-change', 'login-code'] as const;

/** What a one-time account token is for (see {@link ACCOUNT_TOKEN_PURPOSES}). */
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

/**
 * A one-time token of the account lifecycle: a password-reset link or code, an e-mail verification
 * link, an e-mail change confirmation or a sign-in code. At most one per user and purpose: a newer one
 * replaces (and so invalidates) the older.
 */
export interface StoredAccountToken {
  userId: string;
  purpose: AccountTokenPurpose;
  /**
   * The token's hash (the token itself is never stored): SHA-256 of a ≥ 128-bit link token, or a keyed
   * hash of a short code bound to the user. Unique per purpose.
   */
  tokenHash: string;
  /**
   * The address the token is about: the address being verified, or the new address of an e-mail
   * change; `null` when the purpose has none.
   */
  email: string | null;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * Where the one-time tokens of the account lifecycle live (password reset, e-mail verification,
 * e-mail change, sign-in by code). Every record carries its own expiry.
 *
 * Every operation that must be atomic is one method whose JSDoc states the guarantee; an adapter
 * shared by several instances must keep it across processes. Tokens arrive hashed: a store never sees
 * them in clear text. Stores never throw HTTP errors; an unreachable backend rejects with
 * `StoreUnavailableError`.
 */
export interface AccountTokenStore {
  /** Stores the token, replacing (and so invalidating) the user's earlier token of the same purpose. */
  put(token: StoredAccountToken): Promise<void>;

  /** The token of this purpose with this hash that has not expired at `now` (read only), or `null`. */
  findByHash(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<StoredAccountToken | null>;

  /** The user's token of this purpose that has not expired at `now` (read only), or `null`. */
  findForUser(userId: string, purpose: AccountTokenPurpose, now: number): Promise<StoredAccountToken | null>;

  /**
   * Uses up the token of this purpose with this hash when it has not expired at `now`.
   * Guarantee: deletes it and resolves the record for exactly one of any number of concurrent calls;
   * every other call (and any call for an unknown, replaced or expired token) resolves `null`.
   */
  consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<StoredAccountToken | null>;

  /** Deletes the user's token of `purpose`, or every token of the user when `purpose` is omitted. */
  deleteForUser(userId: string, purpose?: AccountTokenPurpose): Promise<void>;

  /**
   * Deletes tokens expired at `now` (housekeeping; optional: the module's janitor calls it hourly when
   * present). Stores whose entries expire by themselves (memory, Redis) need not implement it.
   */
  deleteExpired?(now: number): Promise<void>;
}

/** The required methods of {@link AccountTokenStore}; the compiler keeps this list equal to the interface. */
const ACCOUNT_TOKEN_STORE_METHODS = {
  put: 1,
  findByHash: 1,
  findForUser: 1,
  consume: 1,
  deleteForUser: 1,
} satisfies MethodList<AccountTokenStore>;

/** Checks at start-up that `store` has every required {@link AccountTokenStore} method (one `AuthConfigError` otherwise). */
export function assertAccountTokenStore(store: unknown): AccountTokenStore {
  return assertImplements<AccountTokenStore>('accountTokenStore', 'AccountTokenStore', store, ACCOUNT_TOKEN_STORE_METHODS);
}

/** Injection token of the {@link AccountTokenStore} (option `accountTokenStore`). */
export const ACCOUNT_TOKEN_STORE = Symbol('nest-gatekeeper:AccountTokenStore');

/** Injects the configured {@link AccountTokenStore}. */
export const InjectAccountTokenStore = (): PropertyDecorator & ParameterDecorator => Inject(ACCOUNT_TOKEN_STORE);
