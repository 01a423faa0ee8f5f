import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { MfaMethod, MfaVerifyMethod } from '../mfa/mfa-methods.js';
import { BUILT_IN_MFA_FIELD_METHODS, IdentifierField, MfaMethodField, OptionalField } from './validation.decorators.js';

/** The hard cap on any password field, before the configured policy; keeps hashing cheap to refuse. */
export const PASSWORD_FIELD_MAX = 1024;

/*
 * Optional fields are `@OptionalField()`: absent is fine, `null` is a validation error. Usernames and
 * e-mails are `@IdentifierField(kind)`: normalised first, every limit checked on the normalised value.
 */

/** `POST /auth/register` */
export class RegisterDto {
  @ApiProperty({
    description: 'Letters, digits, dot, dash, underscore (after NFKC normalisation); stored lower-case.',
    example: 'jane.doe',
    minLength: 3,
    maxLength: 32,
  })
  @IdentifierField('username')
  username!: string;

  @ApiProperty({
    description: 'E-mail address (checked after NFKC normalisation); stored lower-case.',
    example: 'jane.doe@example.com',
    maxLength: 254,
  })
  @IdentifierField('email')
  email!: string;

  @ApiProperty({
    description: 'Password (policy: 8 to 128 characters by default).',
    example: 'correct-horse-battery',
    minLength: 8,
    maxLength: 128,
  })
  @IsString()
  @MaxLength(PASSWORD_FIELD_MAX)
  password!: string;
}

/** `POST /auth/login` — `username` or `email`, and `password`. */
export class LoginDto {
  @ApiPropertyOptional({ description: 'Username (or an e-mail address). Send this or `email`.', example: 'jane.doe', maxLength: 254 })
  @OptionalField()
  @IdentifierField('login')
  username?: string;

  @ApiPropertyOptional({ description: 'E-mail address. Send this or `username`.', example: 'jane.doe@example.com', maxLength: 254 })
  @OptionalField()
  @IdentifierField('login')
  email?: string;

  @ApiProperty({ description: 'The password.', example: 'correct-horse-battery', maxLength: 128 })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_FIELD_MAX)
  password!: string;

  @ApiPropertyOptional({ description: 'Access-token lifetime in minutes (at most `jwt.maxAccessTokenTtl`).', example: 30, minimum: 1 })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(525_600)
  expiresInMins?: number;

  @ApiPropertyOptional({
    description:
      'A trusted-device token from an earlier MFA verification (cookie modes also read the `trust_token` cookie). A valid one of the same user skips the second factor; it never replaces the password.',
    example: 'Zk3m1Qa9…',
    maxLength: 512,
  })
  @OptionalField()
  @IsString()
  @MaxLength(512)
  trustToken?: string;
}

/** `POST /auth/refresh` */
export class RefreshDto {
  @ApiPropertyOptional({ description: 'The refresh token (else the refresh cookie, in cookie modes).', example: 'q1b2…', maxLength: 512 })
  @OptionalField()
  @IsString()
  @MaxLength(512)
  refreshToken?: string;

  @ApiPropertyOptional({
    description: 'Another name for `refreshToken` (read when `refreshToken` is absent).',
    example: 'q1b2…',
    maxLength: 512,
  })
  @OptionalField()
  @IsString()
  @MaxLength(512)
  refresh?: string;

  @ApiPropertyOptional({
    description: 'Another name for `refreshToken` (read when `refreshToken` and `refresh` are absent).',
    example: 'q1b2…',
    maxLength: 512,
  })
  @OptionalField()
  @IsString()
  @MaxLength(512)
  refresh_token?: string;

  @ApiPropertyOptional({ description: 'Access-token lifetime in minutes (at most `jwt.maxAccessTokenTtl`).', example: 30, minimum: 1 })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(525_600)
  expiresInMins?: number;
}

/** `POST /auth/logout` */
export class LogoutDto {
  @ApiPropertyOptional({ description: 'Revoke every session of the user, not only this one.', example: false, default: false })
  @OptionalField()
  @IsBoolean()
  allSessions?: boolean;
}

/** `POST /auth/password/change` */
export class ChangePasswordDto {
  @ApiProperty({ description: 'The current password.', example: 'correct-horse-battery' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_FIELD_MAX)
  currentPassword!: string;

  @ApiProperty({ description: 'The new password (policy: 8 to 128 characters by default).', example: 'a-new-long-passphrase' })
  @IsString()
  @MaxLength(PASSWORD_FIELD_MAX)
  newPassword!: string;
}

const MFA_TOKEN_DOC = {
  description: 'The `mfaToken` of the login response (valid 5 minutes).',
  example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6Im1mYStqd3QifQ…',
  maxLength: 4096,
};

/** `POST /auth/mfa/send` */
export class MfaSendDto {
  @ApiProperty(MFA_TOKEN_DOC)
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  mfaToken!: string;

  @ApiProperty({ description: 'Where to send a new code.', enum: [...BUILT_IN_MFA_FIELD_METHODS.send], example: 'email' })
  @MfaMethodField('send')
  method!: MfaMethod;
}

/** `POST /auth/mfa/verify` */
export class MfaVerifyDto {
  @ApiProperty(MFA_TOKEN_DOC)
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  mfaToken!: string;

  @ApiProperty({ description: 'The second factor used.', enum: [...BUILT_IN_MFA_FIELD_METHODS.verify], example: 'totp' })
  @MfaMethodField('verify')
  method!: MfaVerifyMethod;

  @ApiProperty({
    description:
      'The code: 6 digits (authenticator), the digits of the e-mail/SMS code, or a recovery code `xxxx-xxxx-xxxx`. A JSON string, never a number.',
    example: '123456',
    maxLength: 64,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code!: string;

  @ApiPropertyOptional({
    description: 'Remember this device: the response carries a `trustToken` (and, in cookie modes, a `trust_token` cookie).',
    example: false,
    default: false,
  })
  @OptionalField()
  @IsBoolean()
  trustDevice?: boolean;
}

/** `POST /auth/mfa/totp/enable` */
export class TotpEnableDto {
  @ApiProperty({
    description: 'A current code from the authenticator app set up with `/mfa/totp/setup`.',
    example: '123456',
    maxLength: 64,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code!: string;
}

/** `POST /auth/mfa/disable` */
export class MfaDisableDto {
  @ApiProperty({ description: 'The second factor to turn off.', enum: [...BUILT_IN_MFA_FIELD_METHODS.disable], example: 'totp' })
  @MfaMethodField('disable')
  method!: MfaMethod;

  @ApiProperty({ description: 'The current password.', example: 'correct-horse-battery' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_FIELD_MAX)
  password!: string;
}

/**
 * `POST /auth/token` (OAuth 2.0 token endpoint, `application/x-www-form-urlencoded`). Documents the
 * form for Swagger; the controller reads the fields itself (RFC 6749: unknown fields are ignored).
 */
export class TokenRequestDto {
  @ApiProperty({
    description: '`password` (log in) or `refresh_token` (rotate).',
    enum: ['password', 'refresh_token'],
    example: 'password',
  })
  grant_type!: string;

  @ApiPropertyOptional({ description: 'Username or e-mail (grant `password`).', example: 'jane.doe', maxLength: 320 })
  username?: string;

  @ApiPropertyOptional({ description: 'Password (grant `password`).', example: 'correct-horse-battery', format: 'password' })
  password?: string;

  @ApiPropertyOptional({ description: 'The refresh token (grant `refresh_token`).', example: 'q1b2…', maxLength: 512 })
  refresh_token?: string;

  @ApiPropertyOptional({ description: 'Accepted and ignored (the access token carries the user’s roles).', example: '' })
  scope?: string;

  @ApiPropertyOptional({ description: 'Accepted and ignored: this endpoint serves first-party clients only.', example: 'web' })
  client_id?: string;

  @ApiPropertyOptional({ description: 'Accepted and ignored (first-party clients have no secret).', example: '' })
  client_secret?: string;
}

const EMAIL_DOC = { description: 'The e-mail address of the account.', example: 'jane.doe@example.com', maxLength: 254 };
const MFA_CODE_DOC = {
  description: 'For an account with an authenticator app: its current code, or a recovery code `xxxx-xxxx-xxxx`.',
  example: '123456',
  maxLength: 64,
};

/** `POST /auth/password/forgot` */
export class ForgotPasswordDto {
  @ApiPropertyOptional({ ...EMAIL_DOC, description: 'The e-mail address of the account. Send this or `username`.' })
  @OptionalField()
  @IdentifierField('email')
  email?: string;

  @ApiPropertyOptional({ description: 'The username (when usernames sign in). Send this or `email`.', example: 'jane.doe', maxLength: 64 })
  @OptionalField()
  @IdentifierField('username')
  username?: string;
}

/** `POST /auth/password/reset` */
export class ResetPasswordDto {
  @ApiProperty({
    description: 'The token of the reset link, or the code of the reset message (`passwordReset.method: code`, with `email`).',
    example: 'Jx1d3hQ0mN7y…',
    maxLength: 512,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  token!: string;

  @ApiProperty({ description: 'The new password (policy: 8 to 128 characters by default).', example: 'a-new-long-passphrase' })
  @IsString()
  @MaxLength(PASSWORD_FIELD_MAX)
  newPassword!: string;

  @ApiPropertyOptional(MFA_CODE_DOC)
  @OptionalField()
  @IsString()
  @MaxLength(64)
  mfaCode?: string;

  @ApiPropertyOptional({ ...EMAIL_DOC, description: 'With a reset code: the e-mail address of the account.' })
  @OptionalField()
  @IdentifierField('email')
  email?: string;
}

/** `POST /auth/email/verify` */
export class VerifyEmailDto {
  @ApiProperty({ description: 'The token of the verification (or e-mail change) link.', example: 'Jx1d3hQ0mN7y…', maxLength: 512 })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  token!: string;
}

/** `POST /auth/email/change` */
export class ChangeEmailDto {
  @ApiProperty({
    description: 'The new e-mail address; it is changed when this address confirms.',
    example: 'jane@new.example.com',
    maxLength: 254,
  })
  @IdentifierField('email')
  newEmail!: string;

  @ApiProperty({ description: 'The current password.', example: 'correct-horse-battery' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_FIELD_MAX)
  password!: string;
}

/** `POST /auth/account/delete` */
export class DeleteAccountDto {
  @ApiProperty({ description: 'The current password.', example: 'correct-horse-battery' })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_FIELD_MAX)
  password!: string;

  @ApiPropertyOptional(MFA_CODE_DOC)
  @OptionalField()
  @IsString()
  @MaxLength(64)
  mfaCode?: string;
}

/** `POST /auth/login/code/send` */
export class LoginCodeSendDto {
  @ApiProperty(EMAIL_DOC)
  @IdentifierField('email')
  email!: string;
}

/** `POST /auth/login/code` */
export class LoginCodeDto {
  @ApiProperty(EMAIL_DOC)
  @IdentifierField('email')
  email!: string;

  @ApiProperty({ description: 'The sign-in code of the message (digits; a JSON string).', example: '12345678', maxLength: 64 })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code!: string;

  @ApiPropertyOptional({ description: 'Access-token lifetime in minutes (at most `jwt.maxAccessTokenTtl`).', example: 30, minimum: 1 })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(525_600)
  expiresInMins?: number;

  @ApiPropertyOptional({ description: 'A trusted-device token: skips the second factor for this user.', maxLength: 512 })
  @OptionalField()
  @IsString()
  @MaxLength(512)
  trustToken?: string;
}
