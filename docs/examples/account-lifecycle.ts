/**
 * The account lifecycle: password reset, e-mail verification and change, account deletion and
 * sign-in by e-mail code, with your mailer. The example of docs/account-lifecycle.md.
 */
import { Injectable } from '@nestjs/common';
import { AuthModule, type AuthMessage, type EmailSender } from 'nest-gatekeeper';
import { TypeOrmAccountTokenStore } from 'nest-gatekeeper/typeorm';
import { MailerService } from './mfa.js';
import { dataSource } from './typeorm.js';
import { UsersAuthStore } from './users/users-auth.store.js';

/** One sender for every e-mail of the module: MFA codes and account messages (`purpose` tells them apart). */
@Injectable()
export class AccountMailSender implements EmailSender {
  constructor(private readonly mailer: MailerService) {}
  send(message: AuthMessage): Promise<void> {
    // Account messages are sent after the response: a rejection is logged (without the token), never shown.
    return this.mailer.send({ to: message.to, subject: message.subject, text: message.text });
  }
}

export const authWithAccountLifecycle = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET },
  userStore: UsersAuthStore,
  accountTokenStore: new TypeOrmAccountTokenStore(dataSource), // default: in memory (one instance)
  emailSender: AccountMailSender,                               // turns the e-mail routes on
  passwordReset: { method: 'link', tokenTtl: '30m' },
  emailVerification: { required: true },                        // 403 EMAIL_NOT_VERIFIED after a correct password
  loginCode: { enabled: true },                                 // POST /auth/login/code/send, /auth/login/code
  links: {
    passwordReset: 'https://app.example.com/reset-password?token={token}',
    emailVerification: 'https://app.example.com/verify-email?token={token}',
  },
  accountEmails: {
    templates: { 'password-reset': { subject: 'Reset your Acme password' } },
  },
  accountDeletion: {
    beforeDelete: async (user) => {
      await Promise.resolve(user.id); // e.g. delete the user's own rows, or throw to refuse
    },
  },
});
