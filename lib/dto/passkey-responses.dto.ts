import { ApiProperty } from '@nestjs/swagger';

/** One passkey as its owner sees it (`GET /auth/passkeys`). */
export class PasskeyViewDto {
  @ApiProperty({
    description: 'The passkey id (for `PATCH`/`DELETE /passkeys/:id`).',
    example: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg',
  })
  id!: string;
  @ApiProperty({ description: 'The name the owner gave it.', example: 'Work laptop' })
  name!: string;
  @ApiProperty({ format: 'date-time', description: 'When it was registered.', example: '2026-12-01T10:15:00.000Z' })
  createdAt!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The last sign-in or second factor with it (`null` before the first).',
    example: '2026-12-02T08:40:00.000Z',
  })
  lastUsedAt!: string | null;
  @ApiProperty({ description: 'Synced across the owner’s devices and backed up.', example: true })
  backedUp!: boolean;
  @ApiProperty({
    enum: ['singleDevice', 'multiDevice'],
    description: '`multiDevice`: a synced passkey; `singleDevice`: bound to one authenticator (a security key).',
    example: 'multiDevice',
  })
  deviceType!: string;
}

/**
 * WebAuthn options, as JSON (`PublicKeyCredentialCreationOptionsJSON` or
 * `PublicKeyCredentialRequestOptionsJSON`): give them to `PublicKeyCredential.parseCreationOptionsFromJSON`
 * / `parseRequestOptionsFromJSON` (or @simplewebauthn/browser's `startRegistration` / `startAuthentication`).
 */
export class WebAuthnOptionsDto {
  @ApiProperty({ description: 'base64url; signed by the authenticator, checked once.', example: 'AQGd3vN0mZlE0aB8kqIh…' })
  challenge!: string;
  @ApiProperty({ description: 'Milliseconds the browser may wait.', example: 300000 })
  timeout!: number;
}
