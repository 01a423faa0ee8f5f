import { Controller, Get, Header, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthService } from '../auth.service.js';
import { ApiProblemResponses } from '../decorators/api-problem-responses.decorator.js';
import { ClientContext } from '../decorators/client-context.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { authValidationPipe, JsonBody } from '../decorators/json-body.decorator.js';
import { LiveSession } from '../decorators/live-session.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { LoginDto, LogoutDto, RefreshDto, RegisterDto } from '../dto/auth-requests.dto.js';
import { MessageResponseDto, PublicUserDto, RegisterResponseDto, TokenResponseDto } from '../dto/auth-responses.dto.js';
import { AuthException } from '../errors/auth.exception.js';
import { ProblemDetailsFilter } from '../errors/problem-details.filter.js';
import type { JsonObject } from '../options/auth-module-options.interface.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import { clientContext } from '../transport/client-address.js';
import { HttpPlatformRef } from '../transport/http-platform.js';
import { headerValue, type AuthRequest, type AuthResponse } from '../transport/http.types.js';
import { shapeTokenBody, shapeUserBody } from '../transport/response-shaping.js';
import { TOKEN_TRANSPORT, type TokenResponseBody, type TokenTransport } from '../transport/token-transport.js';
import type { PublicUser } from '../users/public-user.js';
import type { PendingMfaBody } from '../mfa/mfa.service.js';

/** What an `Idempotency-Key` may be: 1 to 255 visible ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's `Idempotency-Key` header, validated (400 for a malformed one), or `undefined`. */
function idempotencyKey(req: AuthRequest): string | undefined {
  const value = headerValue(req, 'idempotency-key');
  if (value === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw new AuthException('VALIDATION_FAILED', {
      errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
    });
  }
  return value;
}

/** The answer of `POST /register` with `registration.revealConflicts: false`, taken or fresh alike. */
const REGISTRATION_ACCEPTED = 'Registration received. If the username and e-mail were available, the account is ready to sign in.';

/**
 * Register, login, refresh, me and logout. Paths are set by `routes` (this class is mounted under the
 * configured prefix by `AuthModule`); responses are written by the configured {@link TokenTransport}.
 * The authenticated routes (`me`, `logout`) need a live session (`@LiveSession()`); the others are
 * `@Public()`.
 */
@ApiTags('auth')
@LiveSession()
@Controller()
@UseFilters(ProblemDetailsFilter)
export class AuthController {
  constructor(
    protected readonly auth: AuthService,
    @Inject(TOKEN_TRANSPORT) protected readonly transport: TokenTransport,
    @Inject(AUTH_OPTIONS) protected readonly options: ResolvedAuthOptions,
    protected readonly http: HttpPlatformRef,
  ) {}

  @Public()
  @Post('register')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an account' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Retry-safe sign-up: a retry with the same key, username, e-mail and password whose first attempt created the account gets that account back (201), not 409.',
  })
  @ApiBody({ type: RegisterDto })
  @ApiCreatedResponse({ type: RegisterResponseDto, description: 'The new user (with `registration.revealConflicts: true`, the default).' })
  @ApiAcceptedResponse({
    type: MessageResponseDto,
    description:
      'With `registration.revealConflicts: false`: the same answer whether the username or e-mail was free (account created) or taken (nothing changed).',
  })
  @ApiProblemResponses('VALIDATION_FAILED', 'MALFORMED_REQUEST', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'TOO_MANY_REQUESTS', 'AUTH_BUSY')
  async register(
    @JsonBody(authValidationPipe) dto: RegisterDto,
    @Req() req: AuthRequest,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<{ user: PublicUser } | { message: string }> {
    const user = await this.auth.register({ ...dto, idempotencyKey: idempotencyKey(req) }, client);
    if (this.options.registration.revealConflicts && user !== null) return { user };
    // Taken or fresh: one answer, so registration tells nobody who has an account.
    this.http.platform.setStatus(res, 202);
    return { message: REGISTRATION_ACCEPTED };
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Log in with username or e-mail and password',
    description:
      'Returns tokens, or — for a user with a second factor and no valid trust token — `isRequiresMfa: true` with an `mfaToken` and no token at all (complete it at `/mfa/verify`).',
  })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'INVALID_CREDENTIALS',
    'MFA_ENROLLMENT_REQUIRED',
    'TOO_MANY_REQUESTS',
    'AUTH_BUSY',
  )
  async login(
    @JsonBody(authValidationPipe) dto: LoginDto,
    @Req() req: AuthRequest,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<TokenResponseBody | PendingMfaBody | JsonObject> {
    const accepted = this.options.loginIdentifiers;
    for (const field of ['username', 'email'] as const) {
      if (dto[field] !== undefined && !accepted.includes(field)) {
        throw new AuthException('VALIDATION_FAILED', { errors: [{ field, message: `log in with ${accepted.join(' or ')}` }] });
      }
    }
    if ((dto.username === undefined) === (dto.email === undefined)) {
      throw new AuthException('VALIDATION_FAILED', {
        errors: [{ field: accepted[0], message: accepted.length > 1 ? 'send either username or email' : 'is required' }],
      });
    }
    const outcome = await this.auth.login(
      {
        identifier: (dto.username ?? dto.email) as string,
        identifierType: dto.email === undefined ? 'username' : 'email',
        password: dto.password,
        expiresInMins: dto.expiresInMins,
        trustToken: dto.trustToken ?? this.transport.readTrustToken(req),
      },
      client,
    );
    return outcome.pending ?? shapeTokenBody(this.options, this.transport.writeTokens(res, outcome.grant), 'login');
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Rotate the refresh token and get a new access token' })
  @ApiBody({ type: RefreshDto, required: false })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'REFRESH_TOKEN_MISSING',
    'REFRESH_TOKEN_INVALID',
    'REFRESH_TOKEN_REUSED',
    'TOKEN_USER_INVALID',
    'CSRF_TOKEN_INVALID',
  )
  async refresh(
    @JsonBody(authValidationPipe) dto: RefreshDto,
    @Req() req: AuthRequest,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<TokenResponseBody | JsonObject> {
    // A refresh cookie is a cookie credential: the transport checks its CSRF header as it reads it.
    const presented = this.transport.readRefreshToken(req, dto.refreshToken ?? dto.refresh ?? dto.refresh_token);
    const grant = await this.auth.refresh(presented?.token ?? null, dto.expiresInMins, clientContext(req, this.options.trustProxyHeaders));
    return shapeTokenBody(this.options, this.transport.writeTokens(res, grant), 'refresh');
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The current user' })
  @ApiOkResponse({ type: PublicUserDto })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID', 'TOKEN_USER_INVALID')
  async me(@CurrentUser() user: AuthPrincipal): Promise<PublicUser | JsonObject> {
    return shapeUserBody(this.options, await this.auth.me(user));
  }

  @Post('logout')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke this session (or all of them)' })
  @ApiBody({ type: LogoutDto, required: false })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiProblemResponses('VALIDATION_FAILED', 'MALFORMED_REQUEST', 'UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID', 'CSRF_TOKEN_INVALID')
  async logout(
    @JsonBody(authValidationPipe) dto: LogoutDto,
    @CurrentUser() user: AuthPrincipal,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<{ message: string }> {
    await this.auth.logout(user, dto.allSessions === true, client);
    this.transport.clearTokens(res);
    // Logging out everywhere also revokes the trusted devices: their cookie is useless now.
    if (dto.allSessions === true) this.transport.clearTrustToken(res);
    const { messages } = this.options.responses;
    return { message: dto.allSessions ? messages.logoutAll : messages.logout };
  }
}
