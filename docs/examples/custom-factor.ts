/**
 * A second factor of your own (`mfa.factors`): a PIN checked by the app's own service. The example of
 * the JSDoc of `MfaFactor` and of `mfa.factors`, and of docs/mfa.md.
 */
import { Injectable } from '@nestjs/common';
import { AuthModule, MemoryUserStore, type AuthUser, type MfaFactor, type MfaVerifyContext } from 'nest-gatekeeper';

/** Stands for the app's own PIN storage. */
@Injectable()
export class PinService {
  hasPin(_userId: string): Promise<boolean> {
    return Promise.resolve(false);
  }
  checkAndConsume(_userId: string, _code: string): Promise<boolean> {
    return Promise.resolve(false);
  }
}

@Injectable()
class PinFactor implements MfaFactor {
  readonly method = 'pin';
  constructor(private readonly pins: PinService) {}
  isUsableFor(user: AuthUser) { return this.pins.hasPin(user.id); }
  codeFormatError(code: string) { return /^\d{6}$/.test(code) ? undefined : 'a PIN has 6 digits'; }
  verify({ user, code }: MfaVerifyContext) { return this.pins.checkAndConsume(user.id, code); }
}
// AuthModule.forRoot({ …, mfa: { factors: [PinFactor] } }); then, per user:
// moduleRef.get(MfaEnrolmentService).enableMethod(userId, 'pin')

/** A factor next to TOTP. */
const PushFactor = PinFactor;
const encryptionKey = process.env.MFA_ENCRYPTION_KEY;

export const authWithPin = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET },
  userStore: MemoryUserStore,
  mfa: { methods: ['totp'], encryptionKey, factors: [PushFactor] },
});
