import { Inject, Injectable, Optional } from '@nestjs/common';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthException } from '../errors/auth.exception.js';
import { AuthEvents } from '../events/auth-events.js';
import { MfaService, type PendingMfaBody } from '../mfa/mfa.service.js';
import { tooMany } from '../mfa/mfa-problems.js';
import { TrustedDeviceService } from '../mfa/trusted-device.service.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { requestedAccessTtl } from '../sessions/access-ttl.js';
import { SessionService, type SessionContext } from '../sessions/session.service.js';
import { RATE_LIMIT_STORE, type RateLimitStore } from '../stores/rate-limit.store.js';
import type { StoredPasskey } from '../stores/passkey.store.js';
import { USER_STORE, type AuthUser, type UserStore } from '../stores/user.store.js';
import { Traced } from '../telemetry/traced.decorator.js';
import { AuthTelemetry } from '../telemetry/auth-telemetry.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import type { TokenGrant } from '../transport/token-transport.js';
import { toClientContext, type ClientContext } from '../transport/client-address.js';
import { parseIdentifier } from '../users/identifiers.js';
import { PasswordChecks } from '../users/password-checks.js';
import { Reauthentication } from '../users/reauthentication.js';
import { SignInMethods } from '../users/sign-in-methods.js';
import { toPublicUser } from '../users/public-user.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { PasskeyVerifier } from './passkey-verifier.js';

/** The method name of passkeys as a second factor, and as a login method in events. */
export const PASSKEY_METHOD = 'passkey';

/** A passkey as its owner sees it (`GET /passkeys`): nothing secret, nothing needed to sign in. */
export interface PasskeyView {
  /** The module's id of the passkey (for rename and delete). */
  id: string;
  name: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, or `null` before the first use. */
  lastUsedAt: string | null;
  /** Synced across the user's devices (a multi-device passkey) and backed up. */
  backedUp: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
}

/** The outcome of a sign-in: tokens, or the second step (the same union as a password login). */
export type PasskeyLoginOutcome = { grant: TokenGrant; pending?: undefined } | { grant?: undefined; pending: PendingMfaBody };

/** The longest passkey name, in code points. */
const NAME_MAX = 64;
/** Control characters and lone surrogates, refused in a name. */
const BAD_NAME_CHARACTERS = /[\p{Cc}\p{Cf}\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

/**
 * The passkey use cases: registration (after the password), the owner's list, rename and delete,
 * sign-in with a passkey (discoverable, or username-first) ending in the normal token response, the
 * options of the `passkey` second factor, and turning that factor on. The WebAuthn checks are
 * {@link PasskeyVerifier}'s.
 */
@Injectable()
export class PasskeyService {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    @Inject(USER_STORE) private readonly users: UserStore,
    @Inject(RATE_LIMIT_STORE) private readonly counters: RateLimitStore,
    private readonly verifier: PasskeyVerifier,
    private readonly passwords: PasswordChecks,
    private readonly reauthentication: Reauthentication,
    private readonly signInMethods: SignInMethods,
    private readonly mfa: MfaService,
    private readonly sessions: SessionService,
    private readonly trustedDevices: TrustedDeviceService,
    private readonly events: AuthEvents,
    @Optional() readonly telemetry?: AuthTelemetry,
  ) {}

  // ---------------------------------------------------------------- the owner's passkeys

  /**
   * Options to register a new passkey, after a fresh proof (a stolen access token alone cannot add a
   * way in): the password, or the current code of the account's authenticator app (or a recovery
   * code; counted like every code, on a counter of its own). The challenge is bound to the caller
   * and this session. 409 `CONFLICT` at `passkeys.maxPerUser`.
   */
  @Traced('gatekeeper.passkey.register_options')
  async registrationOptions(
    principal: AuthPrincipal,
    proof: { password?: string; mfaCode?: string },
    client: ClientContext,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const user = await this.reauthentication.prove(principal, proof, client, 'passkey-register');
    const existing = await this.verifier.store.listByUser(user.id);
    if (existing.length >= this.options.passkeys.maxPerUser) throw tooManyPasskeys(this.options.passkeys.maxPerUser);
    return this.verifier.creationOptions(user, registrationBinding(principal), existing);
  }

  /**
   * Verifies the browser's answer to {@link registrationOptions} and saves the passkey under `name`
   * (default `Passkey`). 400 `PASSKEY_INVALID` for anything wrong (origin, RP id, challenge expired,
   * used or of another session); 409 `CONFLICT` when the credential is registered already or the
   * limit is reached.
   */
  @Traced('gatekeeper.passkey.register')
  async register(principal: AuthPrincipal, credential: unknown, name: string | undefined, client: ClientContext): Promise<PasskeyView> {
    const user = await this.requireUser(principal.id);
    const label = name === undefined ? 'Passkey' : parseName(name);
    const verified = await this.verifier.verifyRegistration(credential, registrationBinding(principal), user.id);
    if (verified === null) throw new AuthException('PASSKEY_INVALID');
    const passkey: StoredPasskey = { ...verified, name: label, createdAt: this.clock.now(), lastUsedAt: null };
    const added = await this.verifier.store.add(passkey, this.options.passkeys.maxPerUser);
    if (added === 'duplicate') throw new AuthException('CONFLICT', { detail: 'This passkey is registered already.' });
    if (added === 'limit') throw tooManyPasskeys(this.options.passkeys.maxPerUser);
    this.events.emit('passkey.added', { userId: user.id, sessionId: principal.sessionId, context: client });
    return toView(passkey);
  }

  /** The caller's passkeys, oldest first. */
  async list(principal: AuthPrincipal): Promise<PasskeyView[]> {
    return (await this.verifier.store.listByUser(principal.id)).map(toView);
  }

  /** Renames one of the caller's passkeys; 404 `NOT_FOUND` for another user's or an unknown one. */
  async rename(principal: AuthPrincipal, id: string, name: string): Promise<PasskeyView> {
    const label = parseName(name);
    if (!(await this.verifier.store.rename(principal.id, id, label))) throw new AuthException('NOT_FOUND', { detail: 'No such passkey.' });
    const passkey = await this.verifier.store.findById(id);
    if (passkey === null || passkey.userId !== principal.id) throw new AuthException('NOT_FOUND', { detail: 'No such passkey.' });
    return toView(passkey);
  }

  /**
   * Deletes one of the caller's passkeys (404 for another user's). The last one is kept (409
   * `PASSKEY_IN_USE`) while passkeys are one of the caller's second factors: turn that off first.
   * Checked again after the deletion (concurrent deletions, or the factor turned on meanwhile): a
   * deletion that left none behind a passkey second factor is undone. 409 `LAST_SIGN_IN_METHOD` for
   * the last way into an account without a password (made from a provider sign-in) when no provider
   * account is linked any more.
   */
  @Traced('gatekeeper.passkey.delete')
  async remove(principal: AuthPrincipal, id: string, client: ClientContext): Promise<void> {
    const user = await this.requireUser(principal.id);
    const mine = await this.verifier.store.listByUser(user.id);
    const passkey = mine.find((p) => p.id === id);
    if (passkey === undefined) throw new AuthException('NOT_FOUND', { detail: 'No such passkey.' });
    if (mine.length === 1 && user.mfaMethods.includes(PASSKEY_METHOD)) throw new AuthException('PASSKEY_IN_USE');
    if (!(await this.signInMethods.keepsOneAfter(user.id, { passkeys: 1 }))) throw new AuthException('LAST_SIGN_IN_METHOD');
    if (!(await this.verifier.store.delete(user.id, id))) throw new AuthException('NOT_FOUND', { detail: 'No such passkey.' });
    // Write, then read what a concurrent writer may have changed (it does the same the other way).
    const [now, left, keepsOne] = await Promise.all([
      this.requireUser(user.id),
      this.verifier.store.listByUser(user.id),
      this.signInMethods.keepsOneAfter(user.id, {}),
    ]);
    if ((left.length === 0 && now.mfaMethods.includes(PASSKEY_METHOD)) || !keepsOne) {
      await this.verifier.store.add(passkey, this.options.passkeys.maxPerUser);
      throw new AuthException(keepsOne ? 'PASSKEY_IN_USE' : 'LAST_SIGN_IN_METHOD');
    }
    this.events.emit('passkey.removed', { userId: user.id, sessionId: principal.sessionId, reason: 'user', context: client });
  }

  /**
   * Turns on passkeys as a second factor of the caller (after the password), once they have one.
   * 409 `MFA_ALREADY_ENABLED` when on; 400 `MFA_METHOD_UNAVAILABLE` without a passkey.
   */
  @Traced('gatekeeper.passkey.mfa_enable')
  async enableSecondFactor(principal: AuthPrincipal, password: string, client: ClientContext): Promise<void> {
    this.passwords.assertLength(password);
    const permit = this.passwords.reserve();
    let user: AuthUser;
    try {
      user = await this.requireUser(principal.id);
      await this.passwords.checkPassword(user, password, client.ip, permit, 'The password is wrong.');
    } finally {
      permit.release();
    }
    if (user.mfaMethods.includes(PASSKEY_METHOD)) throw new AuthException('MFA_ALREADY_ENABLED');
    const noPasskey = (): AuthException => new AuthException('MFA_METHOD_UNAVAILABLE', { detail: 'Register a passkey first.' });
    if ((await this.verifier.store.listByUser(user.id)).length === 0) throw noPasskey();
    await this.users.setMfaMethods(user.id, [...user.mfaMethods, PASSKEY_METHOD]);
    // The last passkey may have gone meanwhile (see remove): never leave a second factor without one.
    if ((await this.verifier.store.listByUser(user.id)).length === 0) {
      const now = await this.requireUser(user.id);
      await this.users.setMfaMethods(
        user.id,
        now.mfaMethods.filter((method) => method !== PASSKEY_METHOD),
      );
      throw noPasskey();
    }
    this.events.emit('mfa.enabled', { userId: user.id, sessionId: principal.sessionId, method: PASSKEY_METHOD, context: client });
  }

  // ---------------------------------------------------------------- sign-in

  /**
   * Options to sign in with a passkey: any discoverable passkey of this site (every passkey the
   * module registers is one). With `username` or `email` (username-first), the challenge is bound
   * to that identifier and the sign-in must name it again: the passkey must then be that account's.
   * The answer never depends on the account (no look-up is made here): it cannot tell whether an
   * account exists or has passkeys. Counted per client address.
   */
  @Traced('gatekeeper.passkey.login_options')
  async loginOptions(identifier: PasskeyIdentifier, client: ClientContext): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { max, windowMs } = this.options.rateLimit.address;
    await this.countAddress('options', client, max * 10, windowMs);
    return this.verifier.requestOptions('login', loginBinding(identifier), []);
  }

  /**
   * Signs in with a passkey: 401 `INVALID_CREDENTIALS` for any failure (unknown passkey, bad
   * signature, wrong origin or RP id, expired or used challenge, a cloned authenticator). A passkey
   * that verified the user (PIN, biometrics) is both factors; without user verification, a user
   * with a second factor other than passkeys gets the second step. Failures are counted per client
   * address (`rateLimit.address`).
   */
  @Traced('gatekeeper.passkey.login')
  async login(
    credential: unknown,
    input: PasskeyIdentifier & { expiresInMins?: number; trustToken?: string },
    context: SessionContext,
  ): Promise<PasskeyLoginOutcome> {
    const accessTtl = requestedAccessTtl(this.options, input.expiresInMins);
    const binding = loginBinding(input);
    const { max, windowMs } = this.options.rateLimit.address;
    const release = await this.countAddress('fail', context, max, windowMs);
    const result = await this.verifier.verifyAssertion(credential, 'login', binding, null, context);
    const user = result.passkey === null ? null : await this.users.findById(result.passkey.userId);
    // Username-first: the passkey must be the named account's.
    const named = binding === '' || user === null ? true : await this.isNamed(user, input);
    if (!result.ok || user === null || user.disabled || !named) {
      const reason = !result.ok ? result.reason : !named ? 'other_user' : 'disabled';
      this.events.emit('login.failed', { userId: user?.id ?? null, reason, context });
      throw new AuthException('INVALID_CREDENTIALS');
    }
    await release();
    if (this.options.account.emailVerification.required && user.emailVerified !== true) {
      this.events.emit('login.failed', { userId: user.id, reason: 'email_not_verified', context });
      throw new AuthException('EMAIL_NOT_VERIFIED');
    }
    if (!result.userVerified) {
      const pending = await this.secondStep(user, input.trustToken, context, accessTtl);
      if (pending !== null) return { pending };
    }
    const tokens = await this.sessions.start(user, context, accessTtl);
    this.events.emit('login.succeeded', { userId: user.id, sessionId: tokens.sessionId, method: PASSKEY_METHOD, context });
    return { grant: { tokens, user: toPublicUser(user), message: this.options.responses.messages.login } };
  }

  /**
   * Options for the `passkey` second factor of a pending login: the user's passkeys, a challenge
   * bound to the pending login and dying with it.
   */
  @Traced('gatekeeper.passkey.mfa_options')
  async secondFactorOptions(mfaToken: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { pending, user } = await this.mfa.openFor(mfaToken, PASSKEY_METHOD);
    const passkeys = await this.verifier.store.listByUser(user.id);
    return this.verifier.requestOptions(
      'mfa',
      pending.pendingId,
      passkeys.map((p) => ({ id: p.credentialId, transports: p.transports })),
      pending.expiresAt * 1000,
    );
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The second step after a passkey without user verification (a possession factor only), or `null`
   * when none is needed. Passkeys cannot be that step; a user whose only second factor is passkeys
   * must use one that verifies them.
   */
  private async secondStep(
    user: AuthUser,
    trustToken: string | undefined,
    context: SessionContext,
    accessTtl: number | undefined,
  ): Promise<PendingMfaBody | null> {
    const challenge = await this.mfa.challengeFor(user);
    if (challenge === null || (await this.trustedDevices.isTrusted(user, trustToken))) return null;
    const methods = challenge.methods.filter((method) => method !== PASSKEY_METHOD);
    const primary = (await this.mfa.usableMethods(user)).filter((method) => method !== PASSKEY_METHOD);
    const defaultMethod = primary[0];
    if (defaultMethod === undefined) {
      this.events.emit('login.failed', { userId: user.id, reason: 'user_not_verified', context });
      throw new AuthException('INVALID_CREDENTIALS', {
        detail: 'This account needs a passkey that verifies you (PIN, fingerprint, face), or the password and a second factor.',
      });
    }
    const pending = await this.mfa.beginPending(user, { methods, defaultMethod }, context, accessTtl, [PASSKEY_METHOD]);
    this.events.emit('mfa.required', { userId: user.id, context });
    return pending;
  }

  /**
   * Counts a request of the client address under `kind` (429 beyond `max` in `windowMs`); resolves
   * a function that gives the place back (a sign-in that succeeded is not a failure).
   */
  private async countAddress(kind: 'options' | 'fail', client: ClientContext, max: number, windowMs: number): Promise<() => Promise<void>> {
    const ip = toClientContext(client).ip;
    if (ip === undefined || !this.options.rateLimit.enabled) return () => Promise.resolve();
    const key = `passkey:${kind}:${ip}`;
    const now = this.clock.now();
    const state = await this.counters.increment(key, windowMs, now);
    if (state.count > max) throw tooMany(state.resetAt - now);
    return async () => {
      await this.counters.decrement(key, this.clock.now(), state.resetAt);
    };
  }

  /** Whether the identifier of a username-first sign-in names `user`. */
  private async isNamed(user: AuthUser, identifier: PasskeyIdentifier): Promise<boolean> {
    const named =
      identifier.email !== undefined
        ? await this.users.findByEmail(parseIdentifier(identifier.email, 'email', 'email'))
        : await this.users.findByUsername(parseIdentifier(identifier.username ?? '', 'username', 'username'));
    return named?.id === user.id;
  }

  private async requireUser(id: string): Promise<AuthUser> {
    const user = await this.users.findById(id);
    if (!user || user.disabled) throw new AuthException('TOKEN_USER_INVALID');
    return user;
  }
}

/** The account a username-first sign-in names (neither: any passkey of the site). */
export interface PasskeyIdentifier {
  username?: string;
  email?: string;
}

/** A sign-in challenge is bound to the identifier of a username-first sign-in (normalised), else to nothing. */
function loginBinding(identifier: PasskeyIdentifier): string {
  if (identifier.email !== undefined) return `email:${parseIdentifier(identifier.email, 'email', 'email')}`;
  if (identifier.username !== undefined) return `username:${parseIdentifier(identifier.username, 'username', 'username')}`;
  return '';
}

/** A registration challenge is bound to the user and the session that asked for it. */
function registrationBinding(principal: AuthPrincipal): string {
  return `${principal.id}\n${principal.sessionId}`;
}

function tooManyPasskeys(max: number): AuthException {
  return new AuthException('CONFLICT', { detail: `An account holds at most ${max} passkeys: delete one first.` });
}

/** A passkey name: NFC, trimmed, 1 to 64 code points, no control or format characters. */
function parseName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  const length = [...name].length;
  if (length === 0 || length > NAME_MAX || BAD_NAME_CHARACTERS.test(name)) {
    throw new AuthException('VALIDATION_FAILED', { errors: [{ field: 'name', message: `must be 1 to ${NAME_MAX} printable characters` }] });
  }
  return name;
}

function toView(p: StoredPasskey): PasskeyView {
  return {
    id: p.id,
    name: p.name,
    createdAt: new Date(p.createdAt).toISOString(),
    lastUsedAt: p.lastUsedAt === null ? null : new Date(p.lastUsedAt).toISOString(),
    backedUp: p.backedUp,
    deviceType: p.deviceType,
  };
}
