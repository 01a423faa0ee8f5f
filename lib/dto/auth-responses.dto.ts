import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DELIVERED_MFA_METHODS, MFA_METHODS, RECOVERY_METHOD } from '../mfa/mfa-methods.js';

/** A user as clients see it (store profile fields may be added). */
export class PublicUserDto {
  @ApiProperty({ description: 'The user id.', example: '6f1c2a6e-6a5e-4a4e-9a55-7d3c7f1f2b10' })
  id!: string;
  @ApiProperty({ description: 'Username (stored lower-case).', example: 'jane.doe' })
  username!: string;
  @ApiProperty({ description: 'E-mail address (stored lower-case).', example: 'jane.doe@example.com' })
  email!: string;
  @ApiProperty({ type: [String], description: 'Roles, as checked by `@Roles()`.', example: ['user'] })
  roles!: string[];
  @ApiProperty({ description: 'Whether login needs a second factor.', example: false })
  mfaEnabled!: boolean;
  @ApiProperty({ enum: [...MFA_METHODS], isArray: true, description: 'Enabled second factors, the default first.', example: [] })
  mfaMethods!: string[];
  @ApiProperty({
    description: 'Whether the user proved they own `email` (verification link, e-mail change, reset or sign-in code).',
    example: true,
  })
  emailVerified!: boolean;
}

/** `201` of `POST /auth/register`. */
export class RegisterResponseDto {
  @ApiProperty({ type: PublicUserDto, description: 'The new user.' })
  user!: PublicUserDto;
}

/**
 * The token response (CONTRACT §4), MFA-aware. Without a pending second factor: the tokens (header
 * and dual modes; cookie mode sets cookies instead), `tokenType`, `expiresIn`, `user`. With one
 * (`isRequiresMfa: true`): no token at all, but `mfaMethods`, `defaultMfaMethod` and `mfaToken`.
 */
export class TokenResponseDto {
  @ApiPropertyOptional({
    description: 'JWT access token (header and dual modes; absent while MFA is pending).',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9…',
  })
  accessToken?: string;
  @ApiPropertyOptional({
    description: 'Opaque refresh token (header and dual modes; absent while MFA is pending).',
    example: 'kq3P0l1n2b3v4c5x6z7a8s.b3Jx…',
  })
  refreshToken?: string;
  @ApiPropertyOptional({ description: 'Always `Bearer` (absent while MFA is pending).', example: 'Bearer' })
  tokenType?: string;
  @ApiPropertyOptional({ description: 'Access-token lifetime in seconds (absent while MFA is pending).', example: 900 })
  expiresIn?: number;
  @ApiProperty({ description: 'Whether a second factor is needed before tokens are issued.', example: false })
  isRequiresMfa!: boolean;
  @ApiPropertyOptional({
    description: 'While MFA is pending: the methods `/mfa/verify` accepts for this user (`recovery` when recovery codes are left).',
    enum: [...MFA_METHODS, RECOVERY_METHOD],
    isArray: true,
    example: ['totp', 'recovery'],
  })
  mfaMethods?: string[];
  @ApiPropertyOptional({
    description: 'While MFA is pending: the method to offer first (an e-mail/SMS code was already sent when it is `email` or `sms`).',
    enum: [...MFA_METHODS],
    example: 'totp',
  })
  defaultMfaMethod?: string;
  @ApiPropertyOptional({
    description: 'While MFA is pending: the token for `/mfa/send` and `/mfa/verify` (5 minutes; useless anywhere else).',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6Im1mYStqd3QifQ…',
  })
  mfaToken?: string;
  @ApiPropertyOptional({
    description:
      'After `/mfa/verify` with `trustDevice: true` (header and dual modes; cookie mode sets the HttpOnly `trust_token` cookie instead): the trusted-device token to send at the next login.',
    example: 'Zk3m1Qa9bC2dE4fG.x8…',
  })
  trustToken?: string;
  @ApiProperty({ description: 'A human-readable outcome (`responses.messages`).', example: 'Login successful.' })
  message!: string;
  @ApiPropertyOptional({ type: PublicUserDto, description: 'The user (absent while MFA is pending).' })
  user?: PublicUserDto;
}

/** `200` of `POST /auth/mfa/send`. */
export class MfaSendResponseDto {
  @ApiProperty({ description: 'Where the code went (the address masked).', example: 'A verification code was sent to e•••@example.com.' })
  message!: string;
  @ApiProperty({ enum: [...DELIVERED_MFA_METHODS], description: 'The delivery method used.', example: 'email' })
  method!: string;
  @ApiProperty({ description: 'Seconds the code stays valid.', example: 600 })
  expiresIn!: number;
}

/** `200` of `POST /auth/mfa/totp/setup`. */
export class TotpSetupResponseDto {
  @ApiProperty({
    description: 'The new TOTP secret (base32, 160 bits), shown this once; confirm it with `/mfa/totp/enable`.',
    example: 'RZANDAKC4GF5LPGVJOQZXBQSTVQ2BKQO',
  })
  secret!: string;
  @ApiProperty({
    description: 'The `otpauth://` URI for a QR code.',
    example: 'otpauth://totp/nest-gatekeeper:jane.doe?issuer=nest-gatekeeper&secret=…&algorithm=SHA1&digits=6&period=30',
  })
  otpauthUrl!: string;
}

/** `200` of `POST /auth/mfa/totp/enable`. */
export class RecoveryCodesResponseDto {
  @ApiProperty({
    description: 'Ten single-use recovery codes, shown this once (stored hashed).',
    type: [String],
    example: ['k7mq-2xhp-a9dr', 'pw3n-ve8t-c2jk'],
  })
  recoveryCodes!: string[];
}

/** One entry of `GET /auth/mfa/devices`. */
export class TrustedDeviceDto {
  @ApiProperty({ description: 'The device id (for `DELETE /mfa/devices/:id`).', example: 'Zk3m1Qa9bC2dE4fG' })
  id!: string;
  @ApiProperty({ type: String, nullable: true, description: 'From the User-Agent at creation.', example: 'Chrome on Linux' })
  label!: string | null;
  @ApiProperty({ format: 'date-time', description: 'When the device was trusted.', example: '2026-11-22T10:15:00.000Z' })
  createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When it last skipped the second factor.', example: '2026-11-22T18:40:00.000Z' })
  lastUsedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When the trust ends (`mfa.trustedDeviceTtl`).', example: '2026-12-22T10:15:00.000Z' })
  expiresAt!: string;
}

/** A plain message. */
export class MessageResponseDto {
  @ApiProperty({ description: 'A human-readable outcome.', example: 'Logged out.' })
  message!: string;
}

/** One entry of `GET /auth/sessions`. */
export class SessionDto {
  @ApiProperty({ description: 'The session id (for `DELETE /sessions/:id`).', example: 'kq3P0l1n2b3v4c5x6z7a8s' })
  id!: string;
  @ApiProperty({ format: 'date-time', description: 'When the session started (login).', example: '2026-11-22T10:15:00.000Z' })
  createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When it was last refreshed.', example: '2026-11-22T18:40:00.000Z' })
  lastUsedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When the session ends unless refreshed.', example: '2026-11-29T18:40:00.000Z' })
  expiresAt!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The User-Agent at login.', example: 'Mozilla/5.0 …' })
  userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The client address at login.', example: '203.0.113.7' })
  ip!: string | null;
  @ApiProperty({ description: 'Whether this is the session of the calling access token.', example: true })
  current!: boolean;
}

/** One entry of `GET /auth/activity` (CONTRACT §10). */
export class ActivityEntryDto {
  @ApiProperty({ description: 'What happened (docs/events.md).', example: 'login.succeeded' })
  type!: string;
  @ApiProperty({ format: 'date-time', description: 'When.', example: '2026-11-22T10:15:00.000Z' })
  at!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The client address.', example: '203.0.113.7' })
  ip!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The client’s User-Agent.', example: 'Mozilla/5.0 …' })
  userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The session it happened in or to.', example: 'kq3P0l1n2b3v4c5x6z7a8s' })
  sessionId!: string | null;
  @ApiProperty({ description: 'Whether that is the caller’s own session.', example: true })
  current!: boolean;
}

/** One field error of a validation problem. */
export class FieldErrorDto {
  @ApiProperty({ description: 'The field (a dotted path for nested ones).', example: 'password' })
  field!: string;
  @ApiProperty({ description: 'What is wrong with it.', example: 'password must be a string' })
  message!: string;
}

/** An RFC 9457 problem (`application/problem+json`). */
export class ProblemDto {
  @ApiProperty({ description: 'RFC 9457 problem type.', example: 'about:blank' })
  type!: string;
  @ApiProperty({ description: 'The HTTP status text.', example: 'Unauthorized' })
  title!: string;
  @ApiProperty({ description: 'The HTTP status.', example: 401 })
  status!: number;
  @ApiProperty({ description: 'A human-readable explanation.', example: 'Invalid credentials.' })
  detail!: string;
  @ApiProperty({ description: 'Machine-readable error code.', example: 'INVALID_CREDENTIALS' })
  code!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Field errors (`VALIDATION_FAILED` only).' })
  errors?: FieldErrorDto[];
}

/** The OAuth 2.0 token response of `POST /auth/token` (RFC 6749 §5.1). */
export class OAuthTokenResponseDto {
  @ApiProperty({
    description: 'JWT access token for the `Authorization: Bearer` header.',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9…',
  })
  access_token!: string;
  @ApiProperty({ description: 'Opaque refresh token (single use: every refresh rotates it).', example: 'q1b2…' })
  refresh_token!: string;
  @ApiProperty({ description: 'Always `bearer`.', example: 'bearer', enum: ['bearer'] })
  token_type!: 'bearer';
  @ApiProperty({ description: 'Seconds until the access token expires.', example: 900 })
  expires_in!: number;
}
