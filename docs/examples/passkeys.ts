/**
 * Passkeys (docs/passkeys.md): the options, the SQL store, and reading the caller's passkeys in a
 * route of your own.
 */
import { Controller, Get } from '@nestjs/common';
import { AuthModule, CurrentUser, MemoryUserStore, PasskeyService, type AuthPrincipal, type PasskeyView } from 'nest-gatekeeper';
import { TypeOrmPasskeyStore } from 'nest-gatekeeper/typeorm';
import { DataSource } from 'typeorm';

export const authWithPasskeys = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET },
  userStore: MemoryUserStore,
  passkeys: {
    enabled: true,
    rpId: 'example.com', // the site's host name: passkeys work on it and its subdomains
    origins: ['https://app.example.com'], // where the browser runs the ceremonies
    rpName: 'Example', // shown by the authenticator
  },
  // auth_passkeys (migration NestGatekeeperPasskeys): durable and shared by every instance.
  passkeyStore: { useFactory: (dataSource: DataSource) => new TypeOrmPasskeyStore(dataSource), inject: [DataSource] },
  // Passkeys as a second factor need nothing more: a user turns them on (POST /auth/passkeys/mfa/enable).
});

@Controller('security')
export class SecurityPageController {
  constructor(private readonly passkeys: PasskeyService) {}

  /** The caller's passkeys for your own account page (the same as GET /auth/passkeys). */
  @Get('passkeys')
  list(@CurrentUser() user: AuthPrincipal): Promise<PasskeyView[]> {
    return this.passkeys.list(user);
  }
}
