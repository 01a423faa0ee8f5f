import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { EMAIL_SENDER, type MfaSender } from '../mfa/mfa-sender.js';
import type { AccountMessage, AccountMessagePurpose } from './account-messages.js';

/** Account messages handed over and not settled yet, at most (beyond: dropped, with a warning). */
const MAX_IN_FLIGHT = 256;

/**
 * Hands account messages to the e-mail sender after the response: `POST /password/forgot` and its
 * kin answer the same, at the same speed, whether or not an account exists, so neither rendering the
 * message (an app's template) nor the sender (its latency, its synchronous work, its failure) may be
 * on the request's path. Each message is built and sent in a task of its own (`setImmediate`, after
 * the handler's promise and the response write). Bounded: at most {@link MAX_IN_FLIGHT} messages in
 * flight; a failure is logged with the purpose and the error's class only (never the token, code,
 * link or address).
 */
@Injectable()
export class AccountMailer implements OnApplicationShutdown {
  private readonly logger = new Logger('AuthModule');
  private readonly inFlight = new Set<Promise<void>>();

  constructor(@Optional() @Inject(EMAIL_SENDER) private readonly sender: MfaSender | undefined) {}

  /** Builds and sends the message in the background (never throws, never waits for the sender). */
  dispatch(purpose: AccountMessagePurpose, build: () => AccountMessage): void {
    const sender = this.sender;
    if (sender === undefined) return;
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.logger.warn(`Account message dropped (${purpose}): ${MAX_IN_FLIGHT} messages are already being sent`);
      return;
    }
    const sending: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => sender.send(build()))
      .catch((error: unknown) => {
        const name = error instanceof Error ? error.name : typeof error;
        this.logger.warn(`Account message (${purpose}) could not be sent: ${name}`);
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** Resolves once every message handed over so far is settled (used at shutdown, and by tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Lets the messages in flight finish before the application stops. */
  async onApplicationShutdown(): Promise<void> {
    await this.idle();
  }
}
