import { Logger } from '@nestjs/common';
import type { MfaCodeMessage, MfaSender } from 'nest-gatekeeper';

/** A message the demo senders "sent", as `GET /dev/outbox` lists it (CONTRACT §7). */
export interface OutboxMessage {
  to: string;
  subject: string;
  text: string;
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

/**
 * The sample app's e-mail and SMS "gateway": keeps the last messages in memory instead of sending
 * them, for `GET /dev/outbox` (development only) and the tests. A real app plugs its mailer and
 * SMS provider into `mfa.senders` instead. Codes are never logged.
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

  send(message: MfaCodeMessage): Promise<void> {
    this.keep(message.channel === 'email' ? 'e-mail' : 'SMS', message);
    return Promise.resolve();
  }

  /** The kept messages, newest first; only those to `to` (compared case-insensitively) when given. */
  list(to?: string): OutboxMessage[] {
    const wanted = to?.trim().toLowerCase();
    const newestFirst = [...this.messages].reverse();
    return (wanted === undefined ? newestFirst : newestFirst.filter((m) => m.to.toLowerCase() === wanted)).map((m) => ({ ...m }));
  }

  private keep(channel: string, message: MfaCodeMessage): void {
    this.messages.push({ to: message.to, subject: message.subject, text: message.text, code: message.code });
    if (this.messages.length > this.capacity) this.messages.splice(0, this.messages.length - this.capacity);
    const hint = this.readAt === undefined ? '' : `: read it at ${this.readAt}?to=${encodeURIComponent(message.to)}`;
    this.logger.log(`Kept an ${channel} code for '${message.user.username}' instead of sending it${hint}`);
  }
}
