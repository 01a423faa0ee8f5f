import { hash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type * as WebAuthn from '@simplewebauthn/server';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthEvents, type AuthEventInit } from '../events/auth-events.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { MFA_CHALLENGE_STORE, type MfaChallengeStore } from '../stores/mfa-challenge.store.js';
import {
  PASSKEY_STORE,
  PASSKEY_TRANSPORTS,
  type PasskeyStore,
  type PasskeyTransport,
  type StoredPasskey,
} from '../stores/passkey.store.js';
import type { AuthUser } from '../stores/user.store.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { PasskeyChallenges, type PasskeyCeremony } from './passkey-challenges.js';

/** The WebAuthn library, loaded at the first ceremony (apps without passkeys never load it). */
type WebAuthnLibrary = typeof WebAuthn;
let library: Promise<WebAuthnLibrary> | undefined;
const webauthn = (): Promise<WebAuthnLibrary> => (library ??= import('@simplewebauthn/server'));

/** The longest credential id WebAuthn allows, in bytes. */
const MAX_CREDENTIAL_ID_BYTES = 1023;
/** The largest public key kept (COSE): RSA-4096 takes ~550 bytes, ML-DSA-87 ~2.6 KB. */
const MAX_PUBLIC_KEY_BYTES = 4096;
/** The prefix of a challenge's single-use mark in the challenge store. */
const USED_PREFIX = 'webauthn:';

/** Why an assertion was refused (for the event; the client always gets one answer). */
export type AssertionFailure = 'unknown_passkey' | 'other_user' | 'invalid_passkey' | 'replayed' | 'counter_regression';

/** The outcome of {@link PasskeyVerifier.verifyAssertion}. */
export type AssertionResult =
  { ok: true; passkey: StoredPasskey; userVerified: boolean } | { ok: false; reason: AssertionFailure; passkey: StoredPasskey | null };

/** A registration that checked out: the passkey to save (its name still to be chosen). */
export type VerifiedRegistration = Omit<StoredPasskey, 'name' | 'createdAt' | 'lastUsedAt'>;

/**
 * The WebAuthn ceremonies, on `@simplewebauthn/server` (attestation and assertion parsing, COSE,
 * signatures, origin and RP id checks): options with our own challenges ({@link PasskeyChallenges}),
 * verification, single use of each challenge, and the signature counter. Shared by the passkey
 * routes and the `passkey` second factor.
 */
@Injectable()
export class PasskeyVerifier {
  private readonly challenges: PasskeyChallenges;
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    @Inject(PASSKEY_STORE) readonly store: PasskeyStore,
    @Inject(MFA_CHALLENGE_STORE) private readonly marks: MfaChallengeStore,
    private readonly events: AuthEvents,
  ) {
    this.challenges = new PasskeyChallenges(options.secretKeys);
  }

  /**
   * Options for `navigator.credentials.create()`: a new discoverable passkey for `user`, bound to
   * `binding` and to the WebAuthn user handle they carry: the handle of the account's passkeys, or,
   * for its first, a new random one (derived from the challenge's random id, so that the
   * registration can tell which handle it was given: see {@link verifyRegistration}).
   */
  async creationOptions(
    user: AuthUser,
    binding: string,
    existing: readonly StoredPasskey[],
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { rpId, rpName, userVerification, challengeTtlMs } = this.options.passkeys;
    const current = existing[0]?.userHandle;
    const handleOf = (id: string): string => current ?? newUserHandle(id);
    const challenge = this.challenges.issue('register', (id) => `${binding}\n${handleOf(id)}`, this.clock.now() + challengeTtlMs);
    return (await webauthn()).generateRegistrationOptions({
      rpName,
      rpID: rpId,
      userName: user.username,
      userDisplayName: user.username,
      userID: Buffer.from(handleOf(PasskeyChallenges.idOf(challenge)), 'base64url'),
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: challengeTtlMs,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification },
    });
  }

  /**
   * Options for `navigator.credentials.get()` of `ceremony` bound to `binding`, valid until the
   * challenge TTL or `notAfter` (epoch ms), whichever comes first; `allow`: the credentials to offer
   * (empty: any discoverable one).
   */
  async requestOptions(
    ceremony: PasskeyCeremony,
    binding: string,
    allow: readonly { id: string; transports: PasskeyTransport[] }[],
    notAfter = Number.POSITIVE_INFINITY,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { rpId, userVerification, challengeTtlMs } = this.options.passkeys;
    // One reading of the clock: the timeout is exactly the challenge's lifetime (the same for every caller).
    const now = this.clock.now();
    const expiresAt = Math.min(now + challengeTtlMs, notAfter);
    const challenge = this.challenges.issue(ceremony, binding, expiresAt);
    return (await webauthn()).generateAuthenticationOptions({
      rpID: rpId,
      challenge: Buffer.from(challenge, 'base64url'),
      timeout: Math.max(1_000, expiresAt - now),
      userVerification,
      allowCredentials: allow.map((c) => ({ id: c.id, transports: c.transports })),
    });
  }

  /**
   * Verifies a registration response against a challenge of `binding` and uses the challenge up;
   * `null` when anything is wrong (origin, RP id, challenge, attestation, an unsupported or oversized
   * key, a challenge used before). Never throws for bad input. The user handle the options carried
   * is the one whose binding the challenge's MAC matches: the handle of the account's passkeys then
   * (a few at most), or the new one derived from the challenge.
   */
  async verifyRegistration(response: unknown, binding: string, userId: string): Promise<VerifiedRegistration | null> {
    if (!isCredentialJson(response)) return null;
    const now = this.clock.now();
    const handles = [...new Set((await this.store.listByUser(userId)).map((p) => p.userHandle))];
    let opened: { id: string; expiresAt: number } | null = null;
    let userHandle = '';
    const open = (challenge: string): boolean => {
      for (const handle of [...handles, null]) {
        const bound = (id: string): string => `${binding}\n${handle ?? newUserHandle(id)}`;
        opened = this.challenges.open(challenge, 'register', bound, now);
        if (opened !== null) {
          userHandle = handle ?? newUserHandle(opened.id);
          return true;
        }
      }
      return false;
    };
    let info;
    try {
      const result = await (
        await webauthn()
      ).verifyRegistrationResponse({
        response: response as unknown as RegistrationResponseJSON,
        expectedChallenge: open,
        expectedOrigin: [...this.options.passkeys.origins],
        expectedRPID: this.options.passkeys.rpId,
        requireUserVerification: this.options.passkeys.userVerification === 'required',
      });
      info = result.verified ? result.registrationInfo : undefined;
    } catch {
      return null;
    }
    const challenge: { id: string; expiresAt: number } | null = opened;
    if (info === undefined || challenge === null) return null;
    const rawId = Buffer.from(info.credential.id, 'base64url');
    if (rawId.length === 0 || rawId.length > MAX_CREDENTIAL_ID_BYTES) return null;
    if (info.credential.publicKey.length > MAX_PUBLIC_KEY_BYTES) return null;
    if (!(await this.useUp(challenge))) return null;
    return {
      id: credentialKey(rawId),
      credentialId: rawId.toString('base64url'),
      userId,
      userHandle,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: knownTransports(info.credential.transports),
      backedUp: info.credentialBackedUp,
      deviceType: info.credentialDeviceType,
    };
  }

  /**
   * Verifies an assertion of `ceremony` bound to `binding`: the credential must be registered (to
   * `userId` when given), its user handle the registered one, the signature, origin, RP id and
   * challenge right, the challenge unused (then used up), and the counter moving forward (a
   * regression is reported as `passkey.counter_regression`: a cloned authenticator). Records the
   * use. Never throws for bad input.
   */
  async verifyAssertion(
    response: unknown,
    ceremony: PasskeyCeremony,
    binding: string,
    userId: string | null,
    context: AuthEventInit['context'],
  ): Promise<AssertionResult> {
    if (!isCredentialJson(response)) return { ok: false, reason: 'invalid_passkey', passkey: null };
    const rawId = Buffer.from(response.rawId, 'base64url');
    if (rawId.length === 0 || rawId.length > MAX_CREDENTIAL_ID_BYTES) return { ok: false, reason: 'unknown_passkey', passkey: null };
    const passkey = await this.store.findById(credentialKey(rawId));
    if (passkey === null) return { ok: false, reason: 'unknown_passkey', passkey: null };
    if (userId !== null && passkey.userId !== userId) return { ok: false, reason: 'other_user', passkey };
    const userHandle = (response.response as { userHandle?: unknown }).userHandle;
    // The handle the authenticator keeps with the credential must be the one it was registered with.
    if (typeof userHandle === 'string' && userHandle !== '' && userHandle !== passkey.userHandle) {
      return { ok: false, reason: 'invalid_passkey', passkey };
    }
    const now = this.clock.now();
    let opened: { id: string; expiresAt: number } | null = null;
    let info;
    try {
      const result = await (
        await webauthn()
      ).verifyAuthenticationResponse({
        response: response as unknown as AuthenticationResponseJSON,
        expectedChallenge: (challenge) => (opened = this.challenges.open(challenge, ceremony, binding, now)) !== null,
        expectedOrigin: [...this.options.passkeys.origins],
        expectedRPID: this.options.passkeys.rpId,
        // The counter is compared below (so that a regression is reported, not just refused).
        credential: {
          id: passkey.credentialId,
          publicKey: Buffer.from(passkey.publicKey, 'base64url'),
          counter: 0,
          transports: passkey.transports,
        },
        requireUserVerification: this.options.passkeys.userVerification === 'required',
      });
      info = result.verified ? result.authenticationInfo : undefined;
    } catch {
      return { ok: false, reason: 'invalid_passkey', passkey };
    }
    const challenge: { id: string; expiresAt: number } | null = opened;
    if (info === undefined || challenge === null) return { ok: false, reason: 'invalid_passkey', passkey };
    // Used first: a replayed response is a replay, never mistaken for a cloned authenticator.
    if (!(await this.useUp(challenge))) return { ok: false, reason: 'replayed', passkey };
    const counter = info.newCounter;
    if ((counter > 0 || passkey.counter > 0) && counter <= passkey.counter) {
      this.events.emit('passkey.counter_regression', { userId: passkey.userId, reason: 'cloned_authenticator', context });
      return { ok: false, reason: 'counter_regression', passkey };
    }
    // A concurrent use of the same passkey moved the counter first: this one lost the race.
    if (!(await this.store.recordUse(passkey.id, passkey.counter, counter, now))) return { ok: false, reason: 'replayed', passkey };
    return { ok: true, passkey: { ...passkey, counter, lastUsedAt: now }, userVerified: info.userVerified };
  }

  /** Marks the challenge used: `true` for exactly one of concurrent uses, on every instance. */
  private useUp(challenge: { id: string; expiresAt: number }): Promise<boolean> {
    return this.marks.finishPending(`${USED_PREFIX}${challenge.id}`, challenge.expiresAt);
  }
}

/**
 * A new WebAuthn user handle, from a registration challenge's random id: 32 bytes of SHA-256
 * (random, as the id is; derivable at verification without storing anything before it).
 */
function newUserHandle(challengeId: string): string {
  return hash('sha256', `nest-gatekeeper/webauthn-user-handle/v1\n${challengeId}`, 'base64url');
}

/** The module's id of a credential: SHA-256 of its raw id, base64url. */
export function credentialKey(rawId: Buffer): string {
  return hash('sha256', rawId, 'base64url');
}

/** The transports WebAuthn defines, in the order given (others dropped). */
function knownTransports(transports: unknown): PasskeyTransport[] {
  if (!Array.isArray(transports)) return [];
  const known = transports.filter((t): t is PasskeyTransport => (PASSKEY_TRANSPORTS as readonly unknown[]).includes(t));
  return [...new Set(known)];
}

/** The outer shape every WebAuthn response JSON has (the library checks the rest). */
function isCredentialJson(value: unknown): value is { id: string; rawId: string; type: string; response: object } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.rawId === 'string' &&
    v.id === v.rawId &&
    /^[A-Za-z0-9_-]{1,1400}$/.test(v.rawId) &&
    v.type === 'public-key' &&
    typeof v.response === 'object' &&
    v.response !== null
  );
}
