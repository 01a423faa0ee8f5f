/** What a sender is asked to deliver: one verification code, ready-made text included. */
export interface MfaCodeMessage {
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

/**
 * Delivers e-mail codes. Implement it with your mailer; the module never sends by itself.
 * Reject when the message could not be handed over (the client gets 503 `MFA_DELIVERY_FAILED`).
 */
export interface EmailSender {
  sendEmail(message: MfaCodeMessage): Promise<void>;
}

/** Delivers SMS codes. Implement it with your SMS gateway. Reject when delivery failed. */
export interface SmsSender {
  sendSms(message: MfaCodeMessage): Promise<void>;
}

/** Injection token of the {@link EmailSender} (when `mfa.senders.email` is configured). */
export const EMAIL_SENDER = Symbol('nest-gatekeeper:EmailSender');
/** Injection token of the {@link SmsSender} (when `mfa.senders.sms` is configured). */
export const SMS_SENDER = Symbol('nest-gatekeeper:SmsSender');
