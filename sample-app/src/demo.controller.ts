import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses, CurrentUser, Public, Roles } from 'nest-gatekeeper';

/** The host app's own routes: one public, one for any signed-in user, one for admins. */
@ApiTags('demo')
@Controller()
export class DemoController {
  /** Liveness; public. */
  @Public()
  @Get('health')
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } } })
  health(): { status: string } {
    return { status: 'ok' };
  }

  /** Any valid access token. Reads only the token's claims: no database access. */
  @Get('protected')
  @ApiBearerAuth()
  @ApiOkResponse({ schema: { type: 'object', properties: { userId: { type: 'string' } } } })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID')
  protectedRoute(@CurrentUser('id') userId: string): { userId: string } {
    return { userId };
  }

  /** Needs the `admin` role (403 otherwise). */
  @Roles('admin')
  @Get('admin')
  @ApiBearerAuth()
  @ApiOkResponse({
    schema: { type: 'object', properties: { userId: { type: 'string' }, admin: { type: 'boolean', example: true } } },
  })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID', 'FORBIDDEN')
  admin(@CurrentUser('id') userId: string): { userId: string; admin: true } {
    return { userId, admin: true };
  }
}
