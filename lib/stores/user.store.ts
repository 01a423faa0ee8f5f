import { Inject } from '@nestjs/common';
import { assertImplements, type MethodList } from './assert-implements.js';
import type { MfaMethod } from '../mfa/mfa-methods.js';

/** A second factor's method name (defined with the factor list in `mfa/mfa-methods.ts`). */
export type { MfaMethod };

/** A JSON value, for profile fields the module passes through to clients untouched. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A user as the module sees it. A store may keep more columns; the module reads only these.
 * `username` and `email` are stored normalised (trimmed, lower-case); the module normalises input
 * before every look-up.
 */
export interface AuthUser {
  id: string;
  username: string;
  email: string;
  /** The encoded password hash (PHC string); never leaves the server. */
  passwordHash: string;
  roles: string[];
  /** Whether the user completes login with a second factor. */
  mfaEnabled: boolean;
  /** The enabled second factors, the first being the default. */
  mfaMethods: MfaMethod[];
  /** Phone number in E.164 form (`+15551234567`), where SMS codes go. Optional. */
  phone?: string | null;
  /**
   * Whether the user proved they own `email` (a verification link, an e-mail change confirmation, a
   * password reset or a sign-in code). A store that does not keep it leaves it out: read as `false`.
   */
  emailVerified?: boolean;
  /** A disabled user cannot log in or refresh. */
  disabled?: boolean;
  /** Extra public profile fields returned with the user (e.g. `firstName`). Never secrets. */
  profile?: Record<string, JsonValue>;
}

/** What {@link UserStore.create} receives. */
export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  roles: string[];
  /** Whether the address is already verified (e.g. seeded users); `false` when omitted. */
  emailVerified?: boolean;
  profile?: Record<string, JsonValue>;
}

/**
 * Where users live. Implement this to plug the module onto your own user table.
 * Stores never throw HTTP errors: a duplicate is a {@link DuplicateUserError}, an unreachable
 * backend a {@link StoreUnavailableError}.
 */
export interface UserStore {
  /** The user with this id, or `null`. */
  findById(id: string): Promise<AuthUser | null>;
  /** The user with this (normalised) username, or `null`. */
  findByUsername(username: string): Promise<AuthUser | null>;
  /** The user with this (normalised) e-mail, or `null`. */
  findByEmail(email: string): Promise<AuthUser | null>;
  /**
   * Creates a user and returns it with its new id. Guarantee: of concurrent creations with the same
   * username or e-mail exactly one succeeds; the others reject with `DuplicateUserError`.
   */
  create(user: NewUser): Promise<AuthUser>;
  /** Replaces the password hash. Resolves `false` when the user does not exist. */
  updatePasswordHash(id: string, passwordHash: string): Promise<boolean>;
  /**
   * Replaces the user's enabled second factors (the first is the default) and sets `mfaEnabled` to
   * `methods.length > 0`. Resolves `false` when the user does not exist.
   */
  setMfaMethods(id: string, methods: readonly MfaMethod[]): Promise<boolean>;
  /**
   * Optional (e-mail verification): sets `emailVerified`. With `expectedEmail`, only while the user's
   * e-mail is still that address (a link sent to an old address verifies nothing). Resolves `false`
   * when the user does not exist or the address differs.
   */
  setEmailVerified?(id: string, verified: boolean, expectedEmail?: string): Promise<boolean>;
  /**
   * Optional (change e-mail): replaces the (normalised) e-mail and marks it verified. Rejects with
   * `DuplicateUserError` when another user has it (of concurrent changes to one address exactly one
   * succeeds). Resolves `false` when the user does not exist.
   */
  updateEmail?(id: string, email: string): Promise<boolean>;
  /** Optional (delete account): deletes the user. Resolves `false` when the user does not exist. */
  delete?(id: string): Promise<boolean>;
}

/** The methods of {@link UserStore}; the compiler keeps this list equal to the interface. */
const USER_STORE_METHODS = {
  findById: 1,
  findByUsername: 1,
  findByEmail: 1,
  create: 1,
  updatePasswordHash: 1,
  setMfaMethods: 1,
} satisfies MethodList<UserStore>;

/**
 * Checks at start-up that `store` has every {@link UserStore} method; throws one `AuthConfigError`
 * (`userStore: does not implement UserStore (MyStore); missing findByEmail(), create()`) otherwise.
 */
export function assertUserStore(store: unknown): UserStore {
  return assertImplements<UserStore>('userStore', 'UserStore', store, USER_STORE_METHODS);
}
/** Injection token of the {@link UserStore} (option `userStore`). */
export const USER_STORE = Symbol('nest-gatekeeper:UserStore');

/** Injects the configured {@link UserStore}. */
export const InjectUserStore = (): PropertyDecorator & ParameterDecorator => Inject(USER_STORE);
