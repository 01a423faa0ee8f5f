import { Inject } from '@nestjs/common';
import { assertImplements, type MethodList } from './assert-implements.js';

/** How an authenticator can be reached (WebAuthn `AuthenticatorTransport`, as the browser reported it). */
export type PasskeyTransport = 'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb';

/** Every {@link PasskeyTransport}, for validation. */
export const PASSKEY_TRANSPORTS: readonly PasskeyTransport[] = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

/**
 * A registered passkey (a WebAuthn public-key credential). Nothing in it is secret: the private key
 * never leaves the authenticator, and the public key only verifies.
 */
export interface StoredPasskey {
  /**
   * The module's id of the credential: SHA-256 of its raw credential id, base64url (43 characters).
   * Unique across users (an authenticator's credential belongs to one account); used in URLs.
   */
  id: string;
  /** The WebAuthn credential id, base64url (at most 1,364 characters: 1,023 bytes). */
  credentialId: string;
  userId: string;
  /**
   * The WebAuthn user handle the authenticator keeps with the credential (base64url, at most 64
   * bytes): random, the same for every passkey of the account, never the account id.
   */
  userHandle: string;
  /** The credential's public key, COSE-encoded, base64url. */
  publicKey: string;
  /** The authenticator's signature counter at the last use (0 for authenticators that do not count). */
  counter: number;
  /** How the browser said the authenticator can be reached (hints for sign-in). */
  transports: PasskeyTransport[];
  /** Whether the credential is synced across devices (a "multi-device" passkey) and backed up now. */
  backedUp: boolean;
  /** `'multiDevice'` for a synced passkey, `'singleDevice'` for one bound to its authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  /** A name the user chose (or the module's default), at most 64 characters. */
  name: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds of the last sign-in or second-factor use, or `null`. */
  lastUsedAt: number | null;
}

/**
 * Where passkeys (WebAuthn credentials) live. Durable: losing a record loses a user's way to sign in.
 *
 * Every operation that must be atomic is one method whose JSDoc states the guarantee; an adapter
 * shared by several instances must keep it across processes. Stores never throw HTTP errors; an
 * unreachable backend rejects with `StoreUnavailableError`.
 */
export interface PasskeyStore {
  /**
   * Saves a new passkey unless its `id` is taken (by any user) or its user would then hold more
   * than `maxPerUser`. Guarantee: of concurrent calls, never more than `maxPerUser` passkeys of one
   * user are saved, and an id is saved once. Resolves `'added'`, `'duplicate'` (the id exists:
   * nothing changed) or `'limit'` (nothing saved).
   */
  add(passkey: StoredPasskey, maxPerUser: number): Promise<'added' | 'duplicate' | 'limit'>;

  /** The passkey with this id (of any user), or `null`. */
  findById(id: string): Promise<StoredPasskey | null>;

  /** The user's passkeys, oldest first. */
  listByUser(userId: string): Promise<StoredPasskey[]>;

  /**
   * Records a use: sets `counter` and `lastUsedAt` when the stored counter is still
   * `expectedCounter`. Guarantee: of concurrent calls with the same `expectedCounter`, one at most
   * resolves `true` (a cloned authenticator racing the original cannot both pass); `false` when the
   * passkey is gone or its counter moved.
   */
  recordUse(id: string, expectedCounter: number, counter: number, now: number): Promise<boolean>;

  /** Renames one of the user's passkeys. Resolves `false` when the user has no such passkey. */
  rename(userId: string, id: string, name: string): Promise<boolean>;

  /** Deletes one of the user's passkeys. Resolves `false` when the user has no such passkey. */
  delete(userId: string, id: string): Promise<boolean>;

  /** Deletes every passkey of the user (account deletion). */
  deleteForUser(userId: string): Promise<void>;
}

/** Injection token of the {@link PasskeyStore} (option `passkeyStore`). */
export const PASSKEY_STORE = Symbol('nest-gatekeeper:PasskeyStore');

/** Injects the configured {@link PasskeyStore}. */
export const InjectPasskeyStore = (): PropertyDecorator & ParameterDecorator => Inject(PASSKEY_STORE);

/** The required methods of {@link PasskeyStore}; the compiler keeps this list equal to the interface. */
const PASSKEY_STORE_METHODS = {
  add: 1,
  findById: 1,
  listByUser: 1,
  recordUse: 1,
  rename: 1,
  delete: 1,
  deleteForUser: 1,
} satisfies MethodList<PasskeyStore>;

/** Checks at start-up that `store` has every {@link PasskeyStore} method (one `AuthConfigError` otherwise). */
export function assertPasskeyStore(store: unknown, option = 'passkeyStore'): PasskeyStore {
  return assertImplements<PasskeyStore>(option, 'PasskeyStore', store, PASSKEY_STORE_METHODS);
}
