/** The global guard and the decorators: the example of docs/guards.md. */
import { Controller, Get } from '@nestjs/common';
import { CurrentUser, Public, Roles, type AuthPrincipal } from 'nest-gatekeeper';

@Controller()
export class ReportsController {
  @Public() @Get('status') status() { return { ok: true }; }            // no token needed

  @Get('reports') list(@CurrentUser() user: AuthPrincipal) { return { owner: user.id }; } // any valid access token

  @Roles('admin', 'auditor')                                             // at least one of them
  @Get('audit') audit(@CurrentUser('id') userId: string) { return { auditor: userId }; }
}
