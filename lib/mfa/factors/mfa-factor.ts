import type { ClientContext } from '../../transport/client-address.js';
import type { AuthUser } from '../../stores/user.store.js';
import type { PendingMfaLogin } from '../../tokens/mfa-token.service.js';

/** What a factor gets to check a code: the user, their pending login and the code as sent. */
export interface MfaVerifyContext {
  user: AuthUser;
  /** The pending login (`pendingId` binds a delivered code to it). */
  pending: PendingMfaLogin;
  /** The code, already accepted by {@link MfaFactor.codeFormatError}. */
  code: string;
  /** Who is asking (address, user agent, request id), for the factor's own events; absent outside a request. */
  client?: ClientContext;
}

/** What a factor gets to deliver a code for a pending login. */
export interface MfaSendContext {
  user: AuthUser;
  pending: PendingMfaLogin;
}

/** What a factor answers after a send (the body of `POST /mfa/send`, `method` added by the module). */
export interface MfaCodeSent {
  /** Shown to the user, e.g. `A verification code was sent to e•••@example.com.` */
  message: string;
  /** Seconds the code stays valid. */
  expiresIn: number;
}

/**
 * One second factor (a strategy): TOTP, an e-mail or SMS code, recovery codes, or a factor of your
 * own added through `mfa.factors`. The module owns what every factor shares: the pending login and
 * its single use, the per-user attempt cap and lock-out (counted before `verify` runs), the send
 * limits (counted before `send` runs) and trusted devices. A factor only says who can use it,
 * delivers its code if it has one, and checks a code.
 *
 * A factor must never throw for a wrong code (resolve `false`: the module counts it), and should
 * consume what it accepts atomically (a code is accepted once, also by concurrent requests).
 *
 * ```ts
 * @Injectable()
 * class PinFactor implements MfaFactor {
 *   readonly method = 'pin';
 *   constructor(private readonly pins: PinService) {}
 *   isUsableFor(user: AuthUser) { return this.pins.hasPin(user.id); }
 *   codeFormatError(code: string) { return /^\d{6}$/.test(code) ? undefined : 'a PIN has 6 digits'; }
 *   verify({ user, code }: MfaVerifyContext) { return this.pins.checkAndConsume(user.id, code); }
 * }
 * // AuthModule.forRoot({ …, mfa: { factors: [PinFactor] } }); then, per user:
 * // moduleRef.get(MfaEnrolmentService).enableMethod(userId, 'pin')
 * ```
 */
export interface MfaFactor {
  /**
   * The method name: what clients send as `method` to `/mfa/verify` (and `/mfa/send`), and what
   * `AuthUser.mfaMethods` holds for a user who enabled it. Lower-case letters, digits, `-` and `_`
   * (at most 32), unique, and none of the built-in names or `'recovery'`.
   */
  readonly method: string;
  /**
   * `'primary'` (the default): offered to users whose `mfaMethods` lists {@link method} (their first
   * usable one is the default), enabled and disabled per user. `'backup'`: a way in beside them
   * (recovery codes): offered after the user's methods while {@link isUsableFor} holds, never the
   * default, never enabled on its own, and checked at `/mfa/verify` whether or not it is usable
   * (a spent backup code is simply a wrong code).
   */
  readonly role?: 'primary' | 'backup';
  /**
   * Whether this user can use the factor now, beyond having enabled it (e.g. SMS needs a phone
   * number). Called at login for the challenge and before every send and check.
   */
  isUsableFor(user: AuthUser): boolean | Promise<boolean>;
  /**
   * Why `code` cannot be a code of this factor (400 `VALIDATION_FAILED` on `code`, not counted as
   * an attempt), or `undefined` when its shape is fine. Omit it to accept any string.
   */
  codeFormatError?(code: string): string | undefined;
  /**
   * Delivers a new code for the pending login (at login when this is the default method, and at
   * `POST /mfa/send`). Throw an `AuthException` (e.g. `MFA_DELIVERY_FAILED`) when it cannot.
   * Omit it for a factor whose codes the user already has (an authenticator app).
   */
  send?(context: MfaSendContext): Promise<MfaCodeSent>;
  /** Checks (and consumes) a code; resolves `false` for a wrong one. */
  verify(context: MfaVerifyContext): Promise<boolean>;
  /** Forgets the user's state of this factor when they turn it off (e.g. the TOTP secret). */
  disable?(userId: string): Promise<void>;
}
