import { Injectable } from '@nestjs/common';
import { PasskeyVerifier } from '../../passkeys/passkey-verifier.js';
import type { AuthUser } from '../../stores/user.store.js';
import type { MfaFactor, MfaVerifyContext } from './mfa-factor.js';

/** The longest assertion JSON accepted as the factor's `code` (credential ids up to 1,023 bytes, user handles, signatures). */
const MAX_ASSERTION_CHARS = 16_384;

/**
 * Passkeys as a second factor (`passkey`, offered when `passkeys.enabled`): after the password, the
 * user signs the pending login's challenge (`POST /passkeys/mfa/options`) with one of their
 * passkeys. The `code` is the assertion's JSON text (`POST /passkeys/mfa/verify` sends it for the
 * client). The module's attempt cap and lock-out apply as to any code; the challenge is bound to
 * the pending login and used once, the passkey must be the user's, its counter must move forward.
 */
@Injectable()
export class PasskeyFactor implements MfaFactor {
  readonly method = 'passkey';

  constructor(private readonly verifier: PasskeyVerifier) {}

  /** Usable while the user holds a passkey. */
  async isUsableFor(user: AuthUser): Promise<boolean> {
    return (await this.verifier.store.listByUser(user.id)).length > 0;
  }

  codeFormatError(code: string): string | undefined {
    if (code.length > MAX_ASSERTION_CHARS || !code.startsWith('{')) return 'must be the passkey assertion as JSON text';
    try {
      const parsed: unknown = JSON.parse(code);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? undefined
        : 'must be the passkey assertion as JSON text';
    } catch {
      return 'must be the passkey assertion as JSON text';
    }
  }

  async verify({ user, pending, code, client }: MfaVerifyContext): Promise<boolean> {
    const result = await this.verifier.verifyAssertion(JSON.parse(code), 'mfa', pending.pendingId, user.id, client);
    return result.ok;
  }
}
