/**
 * Host routes that use the module's decorators: `@LiveSession()` (the session must still be live,
 * checked in the session store) and `@ClientContext()` (the client address and user agent as the
 * module reads them), `@VerifiedEmail()` (a verified e-mail address). The examples of their JSDoc.
 */
import { Body, Controller, Post } from '@nestjs/common';
import { IsOptional, IsString } from 'class-validator';
import { AuthService, ClientContext, CurrentUser, LiveSession, Public, VerifiedEmail } from 'nest-gatekeeper';

/** The app's own sign-in body (the module's DTOs are internal). */
export class LoginDto {
  @IsOptional() @IsString() username?: string;
  @IsString() password!: string;
}

@Controller('account')
export class AccountController {
  constructor(private readonly auth: AuthService) {}

  @LiveSession()
  @Post('delete')
  deleteAccount(@CurrentUser('id') userId: string) {
    return { deleted: userId }; // a revoked or expired session never gets here
  }

  @VerifiedEmail()
  @Post('orders')
  placeOrder(@CurrentUser('id') userId: string) {
    return { placedBy: userId }; // only users who proved their address get here
  }

  @Public()
  @Post('login')
  login(@Body() dto: LoginDto, @ClientContext() client: ClientContext) {
    return this.auth.login({ identifier: dto.username ?? '', password: dto.password }, client);
  }
}
