import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { MFA_CHALLENGE_STORE, type MfaChallengeStore } from '../stores/mfa-challenge.store.js';
import { USER_STORE, type AuthUser, type UserStore } from '../stores/user.store.js';
import type { MfaFactor } from './factors/mfa-factor.js';
import { RecoveryCodeFactor } from './factors/recovery-code.factor.js';
import { TotpFactor } from './factors/totp.factor.js';
import { MfaFactorRegistry } from './mfa-factor.registry.js';
import type { MfaMethod } from './mfa-methods.js';
import { assertCodeFormat, unavailable } from './mfa-problems.js';
import { MfaService } from './mfa.service.js';
import { TrustedDeviceService } from './trusted-device.service.js';

/**
 * Turning second factors on and off: TOTP setup and confirmation (by the user, with a code from the
 * authenticator), direct enrolment (seeding, administration), enabling a factor that needs no
 * secret (e-mail, SMS, most custom factors), and disabling any of them.
 */
@Injectable()
export class MfaEnrolmentService {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(MFA_CHALLENGE_STORE) private readonly store: MfaChallengeStore,
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly factors: MfaFactorRegistry,
    private readonly mfa: MfaService,
    private readonly totp: TotpFactor,
    private readonly recovery: RecoveryCodeFactor,
    private readonly trustedDevices: TrustedDeviceService,
  ) {}

  /** Starts a TOTP setup: a new 160-bit secret (saved encrypted, pending until a code confirms it). */
  async setupTotp(user: AuthUser): Promise<{ secret: string; otpauthUrl: string }> {
    this.offered(this.totp.method);
    if ((await this.totp.hasSecret(user.id)) && user.mfaMethods.includes(this.totp.method)) throw new AuthException('MFA_ALREADY_ENABLED');
    return this.totp.startSetup(user);
  }

  /**
   * Confirms a TOTP setup with a code from the authenticator (a counted attempt of the shared cap):
   * TOTP becomes the user's default method and 10 new recovery codes are returned (stored hashed;
   * shown this once).
   */
  async enableTotp(user: AuthUser, code: string, ip: string | undefined): Promise<{ recoveryCodes: string[] }> {
    this.offered(this.totp.method);
    assertCodeFormat(this.totp, code);
    const setup = await this.totp.pendingSetup(user.id);
    if (setup === undefined) {
      throw new AuthException('MFA_METHOD_UNAVAILABLE', { detail: 'Start a TOTP setup first (POST /mfa/totp/setup).' });
    }
    await this.mfa.countedAttempt(user.id, ip, undefined, () => this.totp.confirmSetup(user.id, setup, code));
    await this.mfa.clearAttempts(user.id);
    await this.users.setMfaMethods(user.id, [this.totp.method, ...user.mfaMethods.filter((m) => m !== this.totp.method)]);
    return { recoveryCodes: await this.recovery.issue(user.id) };
  }

  /**
   * Enrols a TOTP secret directly (seeding, administration, migration from another system): the
   * secret (base32) is stored encrypted and TOTP becomes the user's default method.
   */
  async enrolTotpSecret(userId: string, base32Secret: string): Promise<void> {
    this.offered(this.totp.method);
    await this.totp.setSecret(userId, base32Secret);
    const user = await this.users.findById(userId);
    if (user) await this.users.setMfaMethods(userId, [this.totp.method, ...user.mfaMethods.filter((m) => m !== this.totp.method)]);
  }

  /**
   * Enables a factor that needs no secret of its own — e-mail or SMS codes (after your own
   * verification of the address), or a custom factor — for a user (administration). The method is
   * added after the user's existing ones. TOTP is enrolled with a secret instead
   * ({@link enrolTotpSecret}, or the user's own setup).
   */
  async enableMethod(userId: string, method: MfaMethod): Promise<void> {
    const factor = this.offered(method);
    if (factor === this.totp || factor.role === 'backup') {
      throw new AuthException('MFA_METHOD_UNAVAILABLE', { detail: `'${method}' is not enabled this way.` });
    }
    const user = await this.users.findById(userId);
    if (!user) return;
    if (!user.mfaMethods.includes(method)) await this.users.setMfaMethods(userId, [...user.mfaMethods, method]);
  }

  /**
   * Turns one method off (the caller has checked the password) and lets its factor forget the user's
   * state (TOTP: the secret); with no method left the recovery codes go too. Every trusted device of
   * the user is revoked. With `mfa.required` the last usable method cannot be turned off (409
   * `MFA_REQUIRED`).
   */
  async disable(user: AuthUser, method: MfaMethod): Promise<void> {
    if (!user.mfaMethods.includes(method)) throw unavailable('method', 'this method is not enabled');
    const remaining = user.mfaMethods.filter((m) => m !== method);
    if (this.options.mfa.required && (await this.mfa.usableMethods({ ...user, mfaMethods: remaining })).length === 0) {
      throw new AuthException('MFA_REQUIRED');
    }
    await this.users.setMfaMethods(user.id, remaining);
    // A TOTP secret is cleared even when TOTP is no longer offered.
    const factor = this.factors.get(method) ?? (method === this.totp.method ? this.totp : undefined);
    await factor?.disable?.(user.id);
    if (remaining.length === 0) await this.recovery.disable(user.id);
    await this.store.deleteCode(user.id);
    await this.trustedDevices.revokeAll(user.id);
  }

  private offered(method: MfaMethod): MfaFactor {
    const factor = this.factors.get(method);
    if (factor === undefined) throw new AuthException('MFA_METHOD_UNAVAILABLE', { detail: `The module does not offer '${method}'.` });
    return factor;
  }
}
