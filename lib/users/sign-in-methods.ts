import { Inject, Injectable } from '@nestjs/common';
import { isPasswordUsable } from '../crypto/bounded-password-hasher.js';
import { IDENTITY_STORE, type IdentityStore } from '../stores/identity.store.js';
import { PASSKEY_STORE, type PasskeyStore } from '../stores/passkey.store.js';
import { USER_STORE, type UserStore } from '../stores/user.store.js';

/** What a removal takes away from the user's ways in. */
export interface SignInMethodRemoval {
  identities?: number;
  passkeys?: number;
}

/**
 * The ways a user signs in: a password (accounts made from a provider sign-in have none until they
 * set one), linked provider accounts, passkeys. Removing a way in is refused when it is the last one
 * (409 `LAST_SIGN_IN_METHOD`), checked before the removal and again after it (a concurrent removal).
 */
@Injectable()
export class SignInMethods {
  constructor(
    @Inject(USER_STORE) private readonly users: UserStore,
    @Inject(IDENTITY_STORE) private readonly identities: IdentityStore,
    @Inject(PASSKEY_STORE) private readonly passkeys: PasskeyStore,
  ) {}

  /** Whether the user keeps a way in after `removal` (counted from what the stores hold now). */
  async keepsOneAfter(userId: string, removal: SignInMethodRemoval): Promise<boolean> {
    const user = await this.users.findById(userId);
    if (user === null) return false;
    if (isPasswordUsable(user.passwordHash)) return true;
    const [identities, passkeys] = await Promise.all([this.identities.listByUser(userId), this.passkeys.listByUser(userId)]);
    return identities.length - (removal.identities ?? 0) + passkeys.length - (removal.passkeys ?? 0) > 0;
  }
}
