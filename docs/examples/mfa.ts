/**
 * Multi-factor authentication: TOTP and e-mail codes, delivered by your mailer. The example of
 * docs/mfa.md.
 */
import { Injectable } from '@nestjs/common';
import { AuthModule, type AuthMessage, type MfaSender } from 'nest-gatekeeper';
import { TypeOrmMfaStore } from 'nest-gatekeeper/typeorm';
import { dataSource } from './typeorm.js';
import { UsersAuthStore } from './users/users-auth.store.js';

/** Stands for your app's mail service (nodemailer, an SES client, …), provided by a global module. */
@Injectable()
export class MailerService {
  send(mail: { to: string; subject: string; text: string }): Promise<void> {
    return Promise.reject(new Error(`no mail transport configured for ${mail.to}`));
  }
}

@Injectable()
export class MailerEmailSender implements MfaSender {
  constructor(private readonly mailer: MailerService) {}
  send({ to, subject, text }: AuthMessage): Promise<void> {
    return this.mailer.send({ to, subject, text }); // reject on failure: an MFA code then answers 503 MFA_DELIVERY_FAILED
  }
}

export const authWithMfa = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET },
  userStore: UsersAuthStore,
  mfaStore: new TypeOrmMfaStore(dataSource),        // default: in memory
  mfa: {
    methods: ['totp', 'email'],
    encryptionKey: process.env.MFA_ENCRYPTION_KEY, // ≥ 32 bytes; encrypts TOTP secrets at rest
    issuer: 'Acme',                                // shown in authenticator apps
    senders: { email: MailerEmailSender },          // you deliver; the module never sends by itself
  },
});
