import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsObject, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PASSWORD_FIELD_MAX } from './auth-requests.dto.js';
import { IdentifierField, OptionalField } from './validation.decorators.js';

/*
 * The bodies of the passkey routes. `credential` is the JSON the browser's WebAuthn call returns
 * (`PublicKeyCredential.toJSON()`, or @simplewebauthn/browser's result): its inner fields are the
 * WebAuthn library's to check, the body limit bounds its size.
 */

const CREDENTIAL_DOC = {
  description:
    'The WebAuthn response as JSON: `{ id, rawId, type: "public-key", response: { clientDataJSON, … }, clientExtensionResults }` (what `PublicKeyCredential.toJSON()` returns).',
  type: 'object',
  additionalProperties: true,
  example: {
    id: 'hX3u…',
    rawId: 'hX3u…',
    type: 'public-key',
    response: {
      clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0Ii…',
      authenticatorData: 'SZYN5YgO…',
      signature: 'MEUCIQ…',
      userHandle: 'q1Zc…',
    },
    clientExtensionResults: {},
  },
} as const;

const PASSWORD_DOC = { description: 'The current password (adding a way in needs it).', example: 'correct-horse-battery' } as const;

/** `POST /auth/passkeys/mfa/enable` */
export class PasskeyPasswordDto {
  @ApiProperty(PASSWORD_DOC)
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_FIELD_MAX)
  password!: string;
}

/** `POST /auth/passkeys/register/options`: the password, or a code of the account's authenticator app. */
export class PasskeyReauthDto {
  @ApiPropertyOptional({ ...PASSWORD_DOC, description: 'The current password. Send this or `mfaCode`.' })
  @OptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_FIELD_MAX)
  password?: string;

  @ApiPropertyOptional({
    description: 'Or, for an account with an authenticator app, its current code (or a recovery code).',
    example: '123456',
    maxLength: 64,
  })
  @OptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  mfaCode?: string;
}

/** `POST /auth/passkeys/register` */
export class PasskeyRegisterDto {
  @ApiProperty(CREDENTIAL_DOC)
  @IsObject()
  credential!: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'A name for the passkey (1 to 64 characters).', example: 'Work laptop', maxLength: 64 })
  @OptionalField()
  @IsString()
  @MaxLength(256)
  name?: string;
}

/** `PATCH /auth/passkeys/:id` */
export class PasskeyRenameDto {
  @ApiProperty({ description: 'The new name (1 to 64 characters).', example: 'Phone', maxLength: 64 })
  @IsString()
  @MaxLength(256)
  name!: string;
}

/** `POST /auth/passkeys/login/options` */
export class PasskeyLoginOptionsDto {
  @ApiPropertyOptional({
    description:
      'Username-first sign-in: the account the passkey must belong to (send it again with the sign-in). Leave both out for any passkey of this site. The options are the same whatever the account.',
    example: 'jane.doe',
    maxLength: 254,
  })
  @OptionalField()
  @IdentifierField('username')
  username?: string;

  @ApiPropertyOptional({ description: 'Or the account by e-mail address.', example: 'jane.doe@example.com', maxLength: 254 })
  @OptionalField()
  @IdentifierField('email')
  email?: string;
}

/** `POST /auth/passkeys/login` */
export class PasskeyLoginDto {
  @ApiProperty(CREDENTIAL_DOC)
  @IsObject()
  credential!: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Username-first: the identifier the options were asked for (the passkey must be that account’s).',
    example: 'jane.doe',
    maxLength: 254,
  })
  @OptionalField()
  @IdentifierField('username')
  username?: string;

  @ApiPropertyOptional({
    description: 'Or the e-mail address the options were asked for.',
    example: 'jane.doe@example.com',
    maxLength: 254,
  })
  @OptionalField()
  @IdentifierField('email')
  email?: string;

  @ApiPropertyOptional({ description: 'Access-token lifetime in minutes (at most `jwt.maxAccessTokenTtl`).', example: 30, minimum: 1 })
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(525_600)
  expiresInMins?: number;

  @ApiPropertyOptional({
    description: 'A trusted-device token: skips the second factor for this user.',
    example: 'Zk3m1Qa9…',
    maxLength: 512,
  })
  @OptionalField()
  @IsString()
  @MaxLength(512)
  trustToken?: string;
}

const MFA_TOKEN_DOC = {
  description: 'The `mfaToken` of the login response (valid 5 minutes).',
  example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6Im1mYStqd3QifQ…',
  maxLength: 4096,
} as const;

/** `POST /auth/passkeys/mfa/options` */
export class PasskeyMfaOptionsDto {
  @ApiProperty(MFA_TOKEN_DOC)
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  mfaToken!: string;
}

/** `POST /auth/passkeys/mfa/verify` */
export class PasskeyMfaVerifyDto {
  @ApiProperty(MFA_TOKEN_DOC)
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  mfaToken!: string;

  @ApiProperty(CREDENTIAL_DOC)
  @IsObject()
  credential!: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Remember this device (the response carries a `trustToken`).', example: false, default: false })
  @OptionalField()
  @IsBoolean()
  trustDevice?: boolean;
}
