import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PasskeyReauthDto } from './passkey-requests.dto.js';
import { OptionalField } from './validation.decorators.js';

/* The bodies and answers of the social sign-in routes (`/oauth/…`, `/identities…`). */

const EXPIRES_DOC = {
  description: 'Access-token lifetime in minutes (at most `jwt.maxAccessTokenTtl`).',
  example: 30,
  minimum: 1,
} as const;
const TRUST_DOC = {
  description: 'A trusted-device token: skips the second factor for this user.',
  example: 'Zk3m1Qa9…',
  maxLength: 512,
} as const;

/** The fields every route that ends in the login outcome accepts. */
class LoginOutcomeOptions {
  @ApiPropertyOptional(EXPIRES_DOC)
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(525_600)
  expiresInMins?: number;

  @ApiPropertyOptional(TRUST_DOC)
  @OptionalField()
  @IsString()
  @MaxLength(512)
  trustToken?: string;
}

/** `POST /auth/oauth/:provider/token`: an ID token a native app got from the provider. */
export class OAuthIdTokenDto extends LoginOutcomeOptions {
  @ApiProperty({ description: 'The provider’s ID token (a JWT).', example: 'eyJhbGciOiJSUzI1NiIsImtpZCI6Ij…', maxLength: 8192 })
  @IsString()
  @MinLength(1)
  @MaxLength(8192)
  idToken!: string;

  @ApiProperty({
    description:
      'The nonce the app gave the provider’s SDK (raw; an ID token carrying its SHA-256 in hex is accepted too). Each ID token signs in once.',
    example: 'c3ab8ff13720e8ad9047dd39466b3c89',
    minLength: 16,
    maxLength: 256,
  })
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  nonce!: string;
}

/** `POST /auth/oauth/exchange`: the one-time code of a callback. */
export class OAuthExchangeDto extends LoginOutcomeOptions {
  @ApiProperty({
    description: 'The `oauth_code` the callback put in the fragment of the `returnTo` URL (valid 60 seconds, once).',
    example: 'eyJ1IjoidS0xMjMiLCJwIjoiZ29vZ2xlIiw…',
    maxLength: 3072,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(3072)
  code!: string;
}

/**
 * `POST /auth/identities/link`: start linking a provider account to me, after the fresh proof the
 * passkey registration asks for too (`password`, or `mfaCode`).
 */
export class IdentityLinkDto extends PasskeyReauthDto {
  @ApiProperty({ description: 'The provider’s name (a key of `oauth.providers`).', example: 'google', maxLength: 32 })
  @IsString()
  @Matches(/^[a-z0-9-]{1,32}$/, { message: 'must be a provider name' })
  provider!: string;

  @ApiPropertyOptional({
    description: 'Where the browser goes after the provider (a path here, or a URL on an allowed origin).',
    example: '/account',
  })
  @OptionalField()
  @IsString()
  @MaxLength(2048)
  returnTo?: string;
}

/** The provider URL to send the browser to. */
export class OAuthRedirectDto {
  @ApiProperty({
    description: 'Navigate the browser here (the state cookie was set on this response).',
    example: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=…',
  })
  url!: string;
}

/** One linked provider account (`GET /auth/identities`). */
export class IdentityViewDto {
  @ApiProperty({ description: 'The link’s id (for `DELETE /identities/:id`).', example: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg' })
  id!: string;
  @ApiProperty({ description: 'The provider’s name.', example: 'google' })
  provider!: string;
  @ApiProperty({ description: 'The provider’s label.', example: 'Google' })
  label!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The e-mail the provider gave at the last sign-in.',
    example: 'jane@example.com',
  })
  email!: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-12-01T10:15:00.000Z' })
  createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-02T08:40:00.000Z' })
  lastUsedAt!: string | null;
}
