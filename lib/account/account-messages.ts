import type { AccountMessageTemplate, AccountMessageVariables } from '../options/auth-module-options.interface.js';

/** Every message of the account lifecycle, by purpose. */
export const ACCOUNT_MESSAGE_PURPOSES = [
  'password-reset',
  'email-verification',
  'email-change',
  'email-change-notice',
  'email-change-taken',
  'login-code',
] as const;

/**
 * What an account message is for: `password-reset` (the reset link or code), `email-verification`
 * (the link sent at registration or on request), `email-change` (the confirmation link, to the new
 * address), `email-change-notice` (to the old address: a change was asked for), `email-change-taken`
 * (to a new address that already has an account: no link), `login-code` (a sign-in code).
 */
export type AccountMessagePurpose = (typeof ACCOUNT_MESSAGE_PURPOSES)[number];

/**
 * An e-mail of the account lifecycle, handed to the configured e-mail sender (`emailSender`, the same
 * {@link MfaSender} as MFA's e-mail codes: tell them apart by `purpose`). Ready-made `subject` and
 * `text` included; deliver them as they are and never log `code` or `link`.
 */
export interface AccountMessage {
  purpose: AccountMessagePurpose;
  channel: 'email';
  /** The recipient's address. */
  to: string;
  subject: string;
  text: string;
  /** The token or code the message carries (`''` for notices), for senders that render their own body. */
  code: string;
  /** The link built from the `links` option (`''` when none is configured or the message has none). */
  link: string;
  /** How long the token or code stays valid, in seconds (0 for notices). */
  expiresInSeconds: number;
  /** Whom the message is about. */
  user: { id: string; username: string };
}

type Template = Required<{ [K in keyof AccountMessageTemplate]: (vars: AccountMessageVariables) => string }>;

/** The built-in subject and text of every purpose. */
const DEFAULTS: Record<AccountMessagePurpose, Template> = {
  'password-reset': {
    subject: () => 'Reset your password',
    text: (v) =>
      `${v.link === '' ? `Your password reset code is ${v.code}.` : `Reset your password: ${v.link}`}\n` +
      `It is valid for ${v.expiresInMinutes} minutes and works once. If you did not ask for it, ignore this message: your password stays as it is.`,
  },
  'email-verification': {
    subject: () => 'Verify your e-mail address',
    text: (v) =>
      `${v.link === '' ? `Your verification token is ${v.code}.` : `Verify your e-mail address: ${v.link}`}\n` +
      `It is valid for ${v.expiresInMinutes} minutes.`,
  },
  'email-change': {
    subject: () => 'Confirm your new e-mail address',
    text: (v) =>
      `${v.link === '' ? `Your confirmation token is ${v.code}.` : `Confirm ${v.email} as your new e-mail address: ${v.link}`}\n` +
      `It is valid for ${v.expiresInMinutes} minutes. If you did not ask for this change, ignore this message.`,
  },
  'email-change-notice': {
    subject: () => 'Your e-mail address is being changed',
    text: () =>
      'Someone signed in to your account asked to change its e-mail address. The change happens only when the new address ' +
      'confirms it. If this was not you, change your password now.',
  },
  'email-change-taken': {
    subject: () => 'You already have an account',
    text: (v) =>
      `Someone asked to move another account to ${v.email}, but you already have an account with this address, so nothing ` +
      'was changed. If this was you, sign in with this address instead.',
  },
  'login-code': {
    subject: () => 'Your sign-in code',
    text: (v) => `Your sign-in code is ${v.code}. It is valid for ${v.expiresInMinutes} minutes and works once.`,
  },
};

const PLACEHOLDER = /\{(username|code|link|expiresInMinutes|email)\}/g;

/** Renders a template string: each `{name}` replaced by its variable. */
function fill(template: string, vars: AccountMessageVariables): string {
  return template.replace(PLACEHOLDER, (_, name: keyof AccountMessageVariables) => String(vars[name]));
}

/** The subject and text of one message, with the app's templates over the built-in ones. */
export function renderAccountMessage(
  purpose: AccountMessagePurpose,
  vars: AccountMessageVariables,
  templates: Readonly<Partial<Record<AccountMessagePurpose, AccountMessageTemplate>>>,
): { subject: string; text: string } {
  const custom = templates[purpose];
  const pick = (key: 'subject' | 'text'): string => {
    const given = custom?.[key];
    if (given === undefined) return DEFAULTS[purpose][key](vars);
    return typeof given === 'function' ? given(vars) : fill(given, vars);
  };
  return { subject: pick('subject'), text: pick('text') };
}

/** The link of a `{token}` template, with the token URL-encoded; `''` without a template. */
export function accountLink(template: string | null, token: string): string {
  return template === null ? '' : template.replaceAll('{token}', encodeURIComponent(token));
}
