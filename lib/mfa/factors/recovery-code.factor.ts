import { Inject, Injectable } from '@nestjs/common';
import { MFA_ENROLMENT_STORE, type MfaEnrolmentStore } from '../../stores/mfa-enrolment.store.js';
import type { AuthUser } from '../../stores/user.store.js';
import { RECOVERY_METHOD } from '../mfa-methods.js';
import { RecoveryCodes } from '../verification-codes.js';
import type { MfaFactor, MfaVerifyContext } from './mfa-factor.js';

const RECOVERY_CODE_COUNT = 10;

/**
 * Recovery codes (`method: 'recovery'`), a backup factor: 10 single-use codes issued when TOTP is
 * enabled, offered at login while some are left, stored as SHA-256 over the user id and the code.
 */
@Injectable()
export class RecoveryCodeFactor implements MfaFactor {
  readonly method = RECOVERY_METHOD;
  readonly role = 'backup';

  constructor(@Inject(MFA_ENROLMENT_STORE) private readonly store: MfaEnrolmentStore) {}

  async isUsableFor(user: AuthUser): Promise<boolean> {
    return (await this.store.getState(user.id)).recoveryCodesLeft > 0;
  }

  codeFormatError(code: string): string | undefined {
    return RecoveryCodes.normalise(code) === undefined ? 'a recovery code looks like xxxx-xxxx-xxxx' : undefined;
  }

  verify({ user, code }: MfaVerifyContext): Promise<boolean> {
    const normalised = RecoveryCodes.normalise(code);
    if (normalised === undefined) return Promise.resolve(false);
    return this.store.consumeRecoveryCode(user.id, RecoveryCodes.hash(user.id, normalised));
  }

  /** Issues a new set of codes (replacing the old ones); returns them, to be shown this once. */
  async issue(userId: string): Promise<string[]> {
    const codes = RecoveryCodes.generate(RECOVERY_CODE_COUNT);
    await this.store.replaceRecoveryCodes(
      userId,
      codes.map((c) => RecoveryCodes.hash(userId, RecoveryCodes.normalise(c) as string)),
    );
    return codes;
  }

  /** Deletes the user's codes (their last primary factor was turned off). */
  async disable(userId: string): Promise<void> {
    await this.store.deleteRecoveryCodes(userId);
  }
}
