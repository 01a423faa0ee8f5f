import { Inject } from '@nestjs/common';
import { assertImplements, type MethodList } from './assert-implements.js';

/**
 * An account at an outside provider (OpenID Connect or OAuth 2.0: Google, GitHub, a company's IdP)
 * linked to a local user: signing in there signs the user in here.
 */
export interface StoredIdentity {
  /** The provider's name as configured (`google`, `github`, `corp`), at most 64 characters. */
  provider: string;
  /** The provider's stable id of the account (the ID token's `sub`, GitHub's numeric id), at most 255 characters. */
  subject: string;
  userId: string;
  /** The e-mail address the provider gave at the last sign-in, or `null`. */
  email: string | null;
  /** Whether the provider asserted that address as verified at the last sign-in. */
  emailVerified: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds of the last sign-in through it, or `null`. */
  lastUsedAt: number | null;
}

/**
 * Where linked provider identities live. Durable: losing a record loses a user's way to sign in.
 *
 * Every operation that must be atomic is one method whose JSDoc states the guarantee; an adapter
 * shared by several instances must keep it across processes. Stores never throw HTTP errors; an
 * unreachable backend rejects with `StoreUnavailableError`.
 */
export interface IdentityStore {
  /**
   * Links the identity unless (`provider`, `subject`) is linked already, to anyone. Guarantee: of
   * concurrent calls for one (`provider`, `subject`), exactly one resolves `'linked'`; the others,
   * and any later call, `'taken'` (nothing changed).
   */
  link(identity: StoredIdentity): Promise<'linked' | 'taken'>;

  /** The identity of (`provider`, `subject`), or `null`. */
  find(provider: string, subject: string): Promise<StoredIdentity | null>;

  /** The user's identities, oldest first. */
  listByUser(userId: string): Promise<StoredIdentity[]>;

  /** Records a sign-in: the address the provider gave now, and `lastUsedAt`. Resolves `false` when the identity is gone. */
  recordUse(provider: string, subject: string, email: string | null, emailVerified: boolean, now: number): Promise<boolean>;

  /** Unlinks one of the user's identities. Resolves `false` when the user has no such identity. */
  unlink(userId: string, provider: string, subject: string): Promise<boolean>;

  /** Unlinks every identity of the user (account deletion). */
  deleteForUser(userId: string): Promise<void>;
}

/** Injection token of the {@link IdentityStore} (option `identityStore`). */
export const IDENTITY_STORE = Symbol('nest-gatekeeper:IdentityStore');

/** Injects the configured {@link IdentityStore}. */
export const InjectIdentityStore = (): PropertyDecorator & ParameterDecorator => Inject(IDENTITY_STORE);

/** The required methods of {@link IdentityStore}; the compiler keeps this list equal to the interface. */
const IDENTITY_STORE_METHODS = {
  link: 1,
  find: 1,
  listByUser: 1,
  recordUse: 1,
  unlink: 1,
  deleteForUser: 1,
} satisfies MethodList<IdentityStore>;

/** Checks at start-up that `store` has every {@link IdentityStore} method (one `AuthConfigError` otherwise). */
export function assertIdentityStore(store: unknown, option = 'identityStore'): IdentityStore {
  return assertImplements<IdentityStore>(option, 'IdentityStore', store, IDENTITY_STORE_METHODS);
}
