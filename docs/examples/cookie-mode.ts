/** Cookie mode for a browser app on the same site: the example of docs/cookie-mode.md. */
import { AuthModule } from 'nest-gatekeeper';
import { UsersAuthStore } from './users/users-auth.store.js';

export const cookieAuth = AuthModule.forRoot({
  accessTokenType: 'cookie',
  jwt: { secret: process.env.JWT_SECRET! },
  userStore: UsersAuthStore,
  cookies: { prefix: '__Host-', sameSite: 'strict' },
});
