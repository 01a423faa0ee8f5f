import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiProblemResponses, AuthException, Public } from 'nest-gatekeeper';
import { DemoOutbox, type OutboxMessage } from './demo-outbox.js';

/**
 * `GET /dev/outbox`: the e-mails and SMS the demo senders "sent" (MFA codes, account e-mails), newest first. Development only:
 * the app module mounts this controller only when NODE_ENV is not `production` (CONTRACT §7).
 */
@ApiTags('demo')
@Public()
@Controller('dev')
export class DevOutboxController {
  constructor(@Inject(DemoOutbox) private readonly outbox: DemoOutbox) {}

  @Get('outbox')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Development only: the e-mails and SMS the demo senders kept instead of sending them',
    description:
      'Newest first; only the messages to `to` when given (e-mail addresses compare case-insensitively). `code` is the token or code ' +
      'of the message: an MFA code, a password reset token or code, a verification or e-mail change token, a sign-in code (empty for a notice). ' +
      'Not served in production.',
  })
  @ApiQuery({ name: 'to', required: false, description: 'An e-mail address or phone number', example: 'email@example.com' })
  @ApiOkResponse({
    schema: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          to: { type: 'string', example: 'email@example.com' },
          subject: { type: 'string', example: 'Your nest-gatekeeper demo verification code' },
          text: { type: 'string' },
          code: { type: 'string', example: '123456', description: 'The token or code the message carries (empty for a notice)' },
        },
      },
    },
  })
  @ApiProblemResponses('VALIDATION_FAILED')
  list(@Query('to') to: unknown): OutboxMessage[] {
    if (to === undefined) return this.outbox.list();
    if (typeof to !== 'string' || to.trim() === '') {
      throw new AuthException('VALIDATION_FAILED', {
        errors: [{ field: 'to', message: 'to must be one non-empty e-mail address or phone number' }],
      });
    }
    return this.outbox.list(to);
  }
}
