import { Inject, Injectable } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import { AUTH_OPTIONS } from '../../auth.constants.js';
import { SecretCipher } from '../../crypto/secret-cipher.js';
import { randomBytesFromPool } from '../../crypto/secrets.js';
import type { ResolvedAuthOptions } from '../../options/resolved-auth-options.js';
import { MFA_ENROLMENT_STORE, type MfaEnrolmentStore } from '../../stores/mfa-enrolment.store.js';
import type { AuthUser } from '../../stores/user.store.js';
import { AUTH_CLOCK, type Clock } from '../../util/clock.js';
import type { MfaFactor, MfaVerifyContext } from './mfa-factor.js';

const TOTP_PERIOD = 30;
const TOTP_DIGITS = 6;
const TOTP_SECRET_BYTES = 20;

/**
 * TOTP (RFC 6238, SHA-1, 6 digits, 30 s, through `otpauth`): a code is accepted for the current step
 * ± 1, and a step only once (the last accepted step is stored per user and must grow), so a code can
 * never be replayed. Secrets are stored encrypted with `mfa.encryptionKey`, bound to the user id.
 * Also the enrolment primitives (new secret, confirmation, direct enrolment) that
 * `MfaEnrolmentService` orchestrates.
 */
@Injectable()
export class TotpFactor implements MfaFactor {
  readonly method = 'totp';
  private readonly cipher: SecretCipher;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(MFA_ENROLMENT_STORE) private readonly store: MfaEnrolmentStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {
    this.cipher = new SecretCipher(options.mfa.encryptionKeys);
  }

  /** Enabled is enough: the secret is checked with the code. */
  isUsableFor(): boolean {
    return true;
  }

  codeFormatError(code: string): string | undefined {
    return isDigits(code, TOTP_DIGITS) ? undefined : `an authenticator code has ${TOTP_DIGITS} digits`;
  }

  async verify({ user, code }: MfaVerifyContext): Promise<boolean> {
    const state = await this.store.getState(user.id);
    const secret = state.totpSecret === null ? undefined : this.cipher.decrypt(state.totpSecret, user.id);
    if (secret === undefined) return false;
    const step = this.matchingStep(secret, code);
    return step !== undefined && this.store.acceptTotpStep(user.id, step);
  }

  /** Removes the active and the pending secret. */
  async disable(userId: string): Promise<void> {
    await this.store.clearTotp(userId);
  }

  // ---------------------------------------------------------------- enrolment primitives

  /** Whether the user has an active secret. */
  async hasSecret(userId: string): Promise<boolean> {
    return (await this.store.getState(userId)).totpSecret !== null;
  }

  /** A new 160-bit secret, saved encrypted as the user's pending setup (replacing an earlier one). */
  async startSetup(user: AuthUser): Promise<{ secret: string; otpauthUrl: string }> {
    const secret = new Secret({ buffer: Uint8Array.from(randomBytesFromPool(TOTP_SECRET_BYTES)).buffer });
    await this.store.setPendingTotp(user.id, this.cipher.encrypt(secret.base32, user.id));
    const otpauthUrl = new TOTP({
      issuer: this.options.mfa.issuer,
      label: user.username,
      secret,
      algorithm: 'SHA1',
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD,
    }).toString();
    return { secret: secret.base32, otpauthUrl };
  }

  /** The user's pending setup (its stored box and the secret), or `undefined` when there is none. */
  async pendingSetup(userId: string): Promise<{ box: string; secret: string } | undefined> {
    const box = (await this.store.getState(userId)).totpPendingSecret;
    const secret = box === null ? undefined : this.cipher.decrypt(box, userId);
    return box === null || secret === undefined ? undefined : { box, secret };
  }

  /**
   * Activates the pending setup `box` when `code` matches its secret; `false` for a wrong code or
   * when another setup or activation came first (the store's atomic `activateTotp`).
   */
  async confirmSetup(userId: string, setup: { box: string; secret: string }, code: string): Promise<boolean> {
    const step = this.matchingStep(setup.secret, code);
    return step !== undefined && this.store.activateTotp(userId, setup.box, step);
  }

  /** Sets the active secret directly (seeding, administration, migration). */
  async setSecret(userId: string, base32Secret: string): Promise<void> {
    const secret = Secret.fromBase32(base32Secret);
    await this.store.setActiveTotp(userId, this.cipher.encrypt(secret.base32, userId));
  }

  /** The time step (current ± 1) whose code is `code`, or `undefined`. */
  private matchingStep(base32Secret: string, code: string): number | undefined {
    const timestamp = this.clock.now();
    const delta = TOTP.validate({
      token: code,
      secret: Secret.fromBase32(base32Secret),
      algorithm: 'SHA1',
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD,
      timestamp,
      window: 1,
    });
    return delta === null ? undefined : TOTP.counter({ period: TOTP_PERIOD, timestamp }) + delta;
  }
}

function isDigits(value: string, length: number): boolean {
  return value.length === length && /^[0-9]+$/.test(value);
}
