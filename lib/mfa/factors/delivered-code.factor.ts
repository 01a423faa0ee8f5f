import { Logger } from '@nestjs/common';
import { AuthException } from '../../errors/auth.exception.js';
import type { MfaChallengeStore } from '../../stores/mfa-challenge.store.js';
import type { AuthUser } from '../../stores/user.store.js';
import type { Clock } from '../../util/clock.js';
import type { DeliveredMfaMethod } from '../mfa-methods.js';
import { unavailable } from '../mfa-problems.js';
import type { MfaCodeMessage, MfaSender } from '../mfa-sender.js';
import type { OneTimeCodes } from '../verification-codes.js';
import type { MfaCodeSent, MfaFactor, MfaSendContext, MfaVerifyContext } from './mfa-factor.js';

/** What a {@link DeliveredCodeFactor} needs besides its channel and sender. */
export interface DeliveredCodeSettings {
  store: MfaChallengeStore;
  codes: OneTimeCodes;
  clock: Clock;
  /** Lifetime of a code, in milliseconds (`mfa.codeTtl`). */
  codeTtlMs: number;
  /** The issuer named in the message (`mfa.issuer`). */
  issuer: string;
}

/**
 * A one-time code delivered by message: e-mail and SMS are two instances of this class, differing by
 * channel (which also picks the user's address) and sender. Codes are single-use, bound to one
 * pending login, HMAC'd at rest, valid `mfa.codeTtl`; one live code per user (a new one replaces it).
 */
export class DeliveredCodeFactor implements MfaFactor {
  private readonly logger = new Logger('AuthModule');

  constructor(
    readonly method: DeliveredMfaMethod,
    private readonly sender: MfaSender,
    private readonly settings: DeliveredCodeSettings,
  ) {}

  /** The user has somewhere to send the code: an e-mail address, or a phone number for SMS. */
  isUsableFor(user: AuthUser): boolean {
    return this.destination(user) !== undefined;
  }

  codeFormatError(code: string): string | undefined {
    return this.settings.codes.isWellFormed(code) ? undefined : `a code has ${this.settings.codes.length} digits`;
  }

  async send({ user, pending }: MfaSendContext): Promise<MfaCodeSent> {
    const { store, codes, clock, codeTtlMs, issuer } = this.settings;
    const to = this.destination(user);
    if (to === undefined) throw unavailable('method');
    const code = codes.generate();
    const expiresInSeconds = Math.floor(codeTtlMs / 1000);
    await store.putCode(user.id, {
      pendingId: pending.pendingId,
      method: this.method,
      codeHash: codes.hash(user.id, pending.pendingId, this.method, code),
      expiresAt: clock.now() + codeTtlMs,
    });
    const minutes = Math.max(1, Math.round(expiresInSeconds / 60));
    const message: MfaCodeMessage = {
      channel: this.method,
      to,
      code,
      subject: `Your ${issuer} verification code`,
      text: `Your ${issuer} verification code is ${code}. It expires in ${minutes} minute${minutes === 1 ? '' : 's'}. If you did not try to sign in, change your password.`,
      expiresInSeconds,
      user: { id: user.id, username: user.username },
    };
    try {
      await this.sender.send(message);
    } catch (error) {
      await store.deleteCode(user.id);
      this.logger.warn(`Sending an ${this.method} code failed: ${error instanceof Error ? error.name : 'unknown error'}`);
      throw new AuthException('MFA_DELIVERY_FAILED');
    }
    return { message: `A verification code was sent to ${this.mask(to)}.`, expiresIn: expiresInSeconds };
  }

  /** Consumes the code under the hash of the first secret key, then (a code sent before a rotation) of each older one. */
  async verify({ user, pending, code }: MfaVerifyContext): Promise<boolean> {
    const { store, codes, clock } = this.settings;
    for (const hash of codes.hashes(user.id, pending.pendingId, this.method, code)) {
      if (await store.consumeCode(user.id, pending.pendingId, this.method, hash, clock.now())) return true;
    }
    return false;
  }

  private destination(user: AuthUser): string | undefined {
    const to = this.method === 'email' ? user.email : user.phone;
    return typeof to === 'string' && to !== '' ? to : undefined;
  }

  /** `e•••@example.com`, `•••4567`: enough for the user to recognise, not enough to harvest. */
  private mask(to: string): string {
    if (this.method === 'email') {
      const at = to.lastIndexOf('@');
      return at <= 0 ? '•••' : `${to[0]}•••${to.slice(at)}`;
    }
    return `•••${to.slice(-4)}`;
  }
}
