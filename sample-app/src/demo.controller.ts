import { Controller, Get } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses, CurrentUser, Public, Roles } from 'nest-gatekeeper';
import { runningAdapter, type SampleHttpAdapter } from './http-adapter.js';

/** The host app's own routes: one public, one for any signed-in user, one for admins. */
@ApiTags('demo')
@Controller()
export class DemoController {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Liveness; public. Names the HTTP platform the app runs on (HTTP_ADAPTER). */
  @Public()
  @Get('health')
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { status: { type: 'string', example: 'ok' }, adapter: { type: 'string', enum: ['express', 'fastify'] } },
    },
  })
  health(): { status: string; adapter: SampleHttpAdapter } {
    return { status: 'ok', adapter: runningAdapter(this.adapterHost) };
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
