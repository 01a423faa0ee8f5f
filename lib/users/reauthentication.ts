import { Inject, Injectable } from '@nestjs/common';
import { AuthException } from '../errors/auth.exception.js';
import { MfaService } from '../mfa/mfa.service.js';
import { USER_STORE, type AuthUser, type UserStore } from '../stores/user.store.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import type { ClientContext } from '../transport/client-address.js';
import { PasswordChecks } from './password-checks.js';

/** A fresh proof of the signed-in user: the password, or a current code of their authenticator app. */
export interface ReauthenticationProof {
  password?: string;
  mfaCode?: string;
}

/**
 * The fresh proof asked before a signed-in user adds a way in (a passkey, a provider account): a
 * stolen access token alone must not be enough. The password (rate-limited like every password
 * check), or a current code of the account's authenticator app or a recovery code (counted on a
 * counter of `scope`).
 */
@Injectable()
export class Reauthentication {
  constructor(
    @Inject(USER_STORE) private readonly users: UserStore,
    private readonly passwords: PasswordChecks,
    private readonly mfa: MfaService,
  ) {}

  /**
   * The caller after the proof: 400 `VALIDATION_FAILED` unless exactly one of `password` and
   * `mfaCode` is given; 400 `MFA_METHOD_UNAVAILABLE` for `mfaCode` on an account without an
   * authenticator app (a code of nothing proves nothing); 401 for a wrong one.
   */
  async prove(principal: AuthPrincipal, proof: ReauthenticationProof, client: ClientContext, scope: string): Promise<AuthUser> {
    if ((proof.password === undefined) === (proof.mfaCode === undefined)) {
      throw new AuthException('VALIDATION_FAILED', {
        errors: [{ field: 'password', message: 'send the password or mfaCode (one of them)' }],
      });
    }
    if (proof.mfaCode !== undefined) {
      const user = await this.requireUser(principal.id);
      if (!(await this.mfa.usableMethods(user)).includes('totp')) {
        throw new AuthException('MFA_METHOD_UNAVAILABLE', { detail: 'This account has no authenticator app: give the password.' });
      }
      await this.mfa.verifyStepUp(user, proof.mfaCode, client.ip, scope);
      return user;
    }
    const password = proof.password ?? '';
    this.passwords.assertLength(password);
    const permit = this.passwords.reserve();
    try {
      const user = await this.requireUser(principal.id);
      await this.passwords.checkPassword(user, password, client.ip, permit, 'The password is wrong.');
      return user;
    } finally {
      permit.release();
    }
  }

  private async requireUser(id: string): Promise<AuthUser> {
    const user = await this.users.findById(id);
    if (!user || user.disabled) throw new AuthException('TOKEN_USER_INVALID');
    return user;
  }
}
