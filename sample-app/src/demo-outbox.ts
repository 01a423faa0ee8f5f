import { Logger } from '@nestjs/common';
import type { AuthMessage, MfaSender } from 'nest-gatekeeper';

/** A message the demo senders "sent", as `GET /dev/outbox` lists it (CONTRACT §7). */
export interface OutboxMessage {
  to: string;
  subject: string;
  text: string;
  /**
   * The token or code the message carries: an MFA code, a password reset token (link mode) or code,
   * an e-mail verification or change token, a sign-in code; `''` for a notice.
   */
  code: string;
}

/** Settings of a {@link DemoOutbox}. */
export interface DemoOutboxOptions {
  /** How many messages are kept; the oldest go first. @default 100 */
  capacity?: number;
  /** Where the messages can be read (logged as a hint), or `undefined` when nowhere. */
  readAt?: string;
  /** Where deliveries are logged (never with their code). @default a Nest `Logger` named 'DemoOutbox' */
  logger?: Pick<Logger, 'log'>;
}

/** What the log says a kept message is (never its code, token or link). */
function describeMessage(message: AuthMessage): string {
  if (message.channel === 'sms') return 'an SMS code';
  switch (message.purpose) {
    case undefined:
    case 'mfa-code':
      return 'an e-mail code';
    case 'password-reset':
      return 'a password reset e-mail';
    case 'email-verification':
      return 'a verification e-mail';
    case 'email-change':
      return 'an e-mail change confirmation';
    case 'login-code':
      return 'a sign-in code e-mail';
    default:
      return 'an e-mail notice';
  }
}

/**
 * The sample app's e-mail and SMS "gateway": keeps the last messages in memory instead of sending
 * them, for `GET /dev/outbox` (development only) and the tests. It is the `emailSender` (MFA codes and
 * the account e-mails) and `mfa.senders.sms`; a real app plugs its mailer and SMS provider in there
 * instead. Codes, tokens and links are never logged.
 */
export class DemoOutbox implements MfaSender {
  private readonly messages: OutboxMessage[] = [];
  private readonly capacity: number;
  private readonly readAt: string | undefined;
  private readonly logger: Pick<Logger, 'log'>;

  constructor(options: DemoOutboxOptions = {}) {
    this.capacity = options.capacity ?? 100;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new Error('DemoOutbox: capacity must be a positive integer');
    this.readAt = options.readAt;
    this.logger = options.logger ?? new Logger('DemoOutbox');
  }

  send(message: AuthMessage): Promise<void> {
    this.keep(message);
    return Promise.resolve();
  }

  /** The kept messages, newest first; only those to `to` (compared case-insensitively) when given. */
  list(to?: string): OutboxMessage[] {
    const wanted = to?.trim().toLowerCase();
    const newestFirst = [...this.messages].reverse();
    return (wanted === undefined ? newestFirst : newestFirst.filter((m) => m.to.toLowerCase() === wanted)).map((m) => ({ ...m }));
  }

  private keep(message: AuthMessage): void {
    this.messages.push({ to: message.to, subject: message.subject, text: message.text, code: message.code });
    if (this.messages.length > this.capacity) this.messages.splice(0, this.messages.length - this.capacity);
    const hint = this.readAt === undefined ? '' : `: read it at ${this.readAt}?to=${encodeURIComponent(message.to)}`;
    this.logger.log(`Kept ${describeMessage(message)} for '${message.user.username}' instead of sending it${hint}`);
  }
}
