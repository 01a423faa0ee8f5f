import { Inject } from '@nestjs/common';
import { assertImplements, type MethodList } from '../stores/assert-implements.js';
import type { AccountMessage } from '../account/account-messages.js';
import type { DeliveredMfaMethod } from './mfa-methods.js';

/** What a sender is asked to deliver: one verification code, ready-made text included. */
export interface MfaCodeMessage {
  /** Set on the module's own MFA codes (account messages carry their own purpose). */
  purpose?: 'mfa-code';
  /** How the code travels: `'email'` or `'sms'` (one sender may serve both channels). */
  channel: DeliveredMfaMethod;
  /** The e-mail address or phone number (E.164). */
  to: string;
  /** The code itself (deliver it as it is; never log it). */
  code: string;
  /** A subject line (e-mail). */
  subject: string;
  /** A ready-made plain-text body containing the code. */
  text: string;
  /** How long the code stays valid, in seconds. */
  expiresInSeconds: number;
  /** Whom the code is for. */
  user: { id: string; username: string };
}

/** Everything a sender may be handed: an MFA code, or an account lifecycle e-mail (`purpose` tells them apart). */
export type AuthMessage = MfaCodeMessage | AccountMessage;

/**
 * Delivers the module's messages: your mailer behind `emailSender` (or `mfa.senders.email`), your SMS
 * gateway behind `mfa.senders.sms` (or one object for both, reading `message.channel`). The module
 * never sends by itself. Reject when the message could not be handed over: an MFA code then answers
 * 503 `MFA_DELIVERY_FAILED`; an account message is sent after the response (which must not depend
 * on whether the account exists), and its failure is logged without the token.
 */
export interface MfaSender {
  send(message: AuthMessage): Promise<void>;
}

/** The e-mail sender's contract: an {@link MfaSender}. */
export type EmailSender = MfaSender;

/** Injection token of the e-mail {@link MfaSender} (when `emailSender` or `mfa.senders.email` is configured). */
export const EMAIL_SENDER = Symbol('nest-gatekeeper:EmailSender');
/** Injection token of the SMS {@link MfaSender} (when `mfa.senders.sms` is configured). */
export const SMS_SENDER = Symbol('nest-gatekeeper:SmsSender');

/** Injects the e-mail {@link MfaSender} (`undefined` when neither `emailSender` nor `mfa.senders.email` is configured). */
export const InjectEmailSender = (): PropertyDecorator & ParameterDecorator => Inject(EMAIL_SENDER);
/** Injects the SMS {@link MfaSender} (`undefined` when `mfa.senders.sms` is not configured). */
export const InjectSmsSender = (): PropertyDecorator & ParameterDecorator => Inject(SMS_SENDER);

/** Checks at start-up that a configured sender has `send()` (e.g. not the former `sendEmail`/`sendSms`). */
export function assertMfaSender(option: string): (sender: unknown) => MfaSender {
  return (sender) => assertImplements<MfaSender>(option, 'MfaSender', sender, { send: 1 } satisfies MethodList<MfaSender>);
}
