import { SetMetadata } from '@nestjs/common';
import { VERIFIED_EMAIL_KEY } from '../auth.constants.js';

/**
 * Requires a verified e-mail address: a caller whose access token lacks the `email_verified` claim
 * gets 403 `EMAIL_NOT_VERIFIED` from {@link AccessTokenGuard} before the handler runs. The claim is
 * set when the token is issued, so after verifying, a client refreshes (or signs in) to get a token
 * that carries it. Costs nothing per request for verified users (no store read).
 *
 * ```ts
 * @VerifiedEmail()
 * @Post('orders')
 * placeOrder(@CurrentUser('id') userId: string) {
 *   return { placedBy: userId }; // only users who proved their address get here
 * }
 * ```
 *
 * On a class it covers every route of the controller; `@Public()` routes are never checked.
 */
export const VerifiedEmail = (): MethodDecorator & ClassDecorator => SetMetadata(VERIFIED_EMAIL_KEY, true);
