import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A user as clients see it (store profile fields may be added). */
export class PublicUserDto {
  @ApiProperty({ example: '6f1c2a6e-6a5e-4a4e-9a55-7d3c7f1f2b10' })
  id!: string;
  @ApiProperty({ example: 'emilys' })
  username!: string;
  @ApiProperty({ example: 'emily.johnson@example.com' })
  email!: string;
  @ApiProperty({ type: [String], example: ['user'] })
  roles!: string[];
  @ApiProperty({ example: false })
  mfaEnabled!: boolean;
  @ApiProperty({ enum: ['totp', 'email', 'sms'], isArray: true, example: [] })
  mfaMethods!: string[];
}

/** `201` of `POST /auth/register`. */
export class RegisterResponseDto {
  @ApiProperty({ type: PublicUserDto })
  user!: PublicUserDto;
}

/** The token response (CONTRACT §4). In cookie mode the tokens travel as cookies instead. */
export class TokenResponseDto {
  @ApiPropertyOptional({ description: 'JWT access token (header and dual modes).', example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9…' })
  accessToken?: string;
  @ApiPropertyOptional({ description: 'Opaque refresh token (header and dual modes).', example: 'b3Jx…' })
  refreshToken?: string;
  @ApiProperty({ example: 'Bearer' })
  tokenType!: string;
  @ApiProperty({ description: 'Access-token lifetime in seconds.', example: 900 })
  expiresIn!: number;
  @ApiProperty({ description: 'Whether a second factor is needed before tokens are issued.', example: false })
  isRequiresMfa!: boolean;
  @ApiProperty({ example: 'Login successful.' })
  message!: string;
  @ApiProperty({ type: PublicUserDto })
  user!: PublicUserDto;
}

/** A plain message. */
export class MessageResponseDto {
  @ApiProperty({ example: 'Logged out.' })
  message!: string;
}

/** One entry of `GET /auth/sessions`. */
export class SessionDto {
  @ApiProperty({ example: 'kq3P0l1n2b3v4c5x6z7a8s' })
  id!: string;
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
  @ApiProperty({ format: 'date-time' })
  lastUsedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When the session ends unless refreshed.' })
  expiresAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Mozilla/5.0 …' })
  userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  ip!: string | null;
  @ApiProperty({ description: 'Whether this is the session of the calling access token.' })
  current!: boolean;
}

/** One field error of a validation problem. */
export class FieldErrorDto {
  @ApiProperty({ example: 'password' })
  field!: string;
  @ApiProperty({ example: 'password must be a string' })
  message!: string;
}

/** An RFC 9457 problem (`application/problem+json`). */
export class ProblemDto {
  @ApiProperty({ example: 'about:blank' })
  type!: string;
  @ApiProperty({ example: 'Unauthorized' })
  title!: string;
  @ApiProperty({ example: 401 })
  status!: number;
  @ApiProperty({ example: 'Invalid credentials.' })
  detail!: string;
  @ApiProperty({ description: 'Machine-readable error code.', example: 'INVALID_CREDENTIALS' })
  code!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
}
