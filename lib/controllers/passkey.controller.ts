import { Controller, Delete, Get, Header, HttpCode, Inject, Param, Patch, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
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
import { MessageResponseDto, TokenResponseDto } from '../dto/auth-responses.dto.js';
import {
  PasskeyLoginDto,
  PasskeyLoginOptionsDto,
  PasskeyMfaOptionsDto,
  PasskeyMfaVerifyDto,
  PasskeyPasswordDto,
  PasskeyReauthDto,
  PasskeyRegisterDto,
  PasskeyRenameDto,
} from '../dto/passkey-requests.dto.js';
import { PasskeyViewDto, WebAuthnOptionsDto } from '../dto/passkey-responses.dto.js';
import { AuthException } from '../errors/auth.exception.js';
import { ProblemDetailsFilter } from '../errors/problem-details.filter.js';
import type { PendingMfaBody } from '../mfa/mfa.service.js';
import type { JsonObject } from '../options/auth-module-options.interface.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { PASSKEY_METHOD, PasskeyService, type PasskeyView } from '../passkeys/passkey.service.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import type { AuthRequest, AuthResponse } from '../transport/http.types.js';
import { shapeTokenBody, writeMfaGrant } from '../transport/response-shaping.js';
import { TOKEN_TRANSPORT, type TokenResponseBody, type TokenTransport } from '../transport/token-transport.js';

/** The id of a passkey in a path: SHA-256 base64url (43 characters); anything else is no passkey. */
const PASSKEY_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The passkey routes (with `passkeys.enabled`): registration and the owner's list for a live
 * session; sign-in and the `passkey` second factor in public. Options routes answer the JSON for
 * `navigator.credentials.create()`/`.get()` (`PublicKeyCredential.parse…OptionsFromJSON`).
 */
@ApiTags('passkeys')
@LiveSession()
@Controller()
@UseFilters(ProblemDetailsFilter)
export class PasskeyController {
  constructor(
    protected readonly passkeys: PasskeyService,
    protected readonly auth: AuthService,
    @Inject(TOKEN_TRANSPORT) protected readonly transport: TokenTransport,
    @Inject(AUTH_OPTIONS) protected readonly options: ResolvedAuthOptions,
  ) {}

  @Post('passkeys/register/options')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Start adding a passkey',
    description:
      'Needs the password, or the current code of the account’s authenticator app. Answers the options for `navigator.credentials.create()` (a discoverable credential; the challenge is bound to this session and lives `passkeys.challengeTtl`).',
  })
  @ApiBody({ type: PasskeyReauthDto })
  @ApiOkResponse({ type: WebAuthnOptionsDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'INVALID_CREDENTIALS',
    'MFA_CODE_INVALID',
    'CONFLICT',
    'TOO_MANY_REQUESTS',
    'AUTH_BUSY',
  )
  registrationOptions(
    @JsonBody(authValidationPipe) dto: PasskeyReauthDto,
    @CurrentUser() user: AuthPrincipal,
    @ClientContext() client: ClientContext,
  ): Promise<object> {
    return this.passkeys.registrationOptions(user, dto, client);
  }

  @Post('passkeys/register')
  @HttpCode(201)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Finish adding a passkey', description: "The browser's answer to the registration options, and a name." })
  @ApiBody({ type: PasskeyRegisterDto })
  @ApiCreatedResponse({ type: PasskeyViewDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'PASSKEY_INVALID',
    'CONFLICT',
  )
  register(
    @JsonBody(authValidationPipe) dto: PasskeyRegisterDto,
    @CurrentUser() user: AuthPrincipal,
    @ClientContext() client: ClientContext,
  ): Promise<PasskeyView> {
    return this.passkeys.register(user, dto.credential, dto.name, client);
  }

  @Get('passkeys')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'My passkeys', description: 'Oldest first. Nothing here signs in: ids and public metadata only.' })
  @ApiOkResponse({ type: PasskeyViewDto, isArray: true })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID')
  list(@CurrentUser() user: AuthPrincipal): Promise<PasskeyView[]> {
    return this.passkeys.list(user);
  }

  @Patch('passkeys/:id')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Rename one of my passkeys' })
  @ApiParam({ name: 'id', description: 'Passkey id from GET /passkeys' })
  @ApiBody({ type: PasskeyRenameDto })
  @ApiOkResponse({ type: PasskeyViewDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'NOT_FOUND',
  )
  rename(
    @Param('id') id: string,
    @JsonBody(authValidationPipe) dto: PasskeyRenameDto,
    @CurrentUser() user: AuthPrincipal,
  ): Promise<PasskeyView> {
    return this.passkeys.rename(user, checkedId(id), dto.name);
  }

  @Delete('passkeys/:id')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Delete one of my passkeys',
    description: 'The last passkey stays while passkeys are one of my second factors (409 `PASSKEY_IN_USE`).',
  })
  @ApiParam({ name: 'id', description: 'Passkey id from GET /passkeys' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblemResponses(
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'NOT_FOUND',
    'PASSKEY_IN_USE',
    'LAST_SIGN_IN_METHOD',
  )
  async remove(@Param('id') id: string, @CurrentUser() user: AuthPrincipal, @ClientContext() client: ClientContext): Promise<void> {
    await this.passkeys.remove(user, checkedId(id), client);
  }

  @Public()
  @Post('passkeys/login/options')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Start signing in with a passkey',
    description:
      'Any passkey of this site (discoverable credentials). With `username` or `email` (username-first), the sign-in must name the same account and use one of its passkeys; the answer is the same whatever the account.',
  })
  @ApiBody({ type: PasskeyLoginOptionsDto, required: false })
  @ApiOkResponse({ type: WebAuthnOptionsDto })
  @ApiProblemResponses('VALIDATION_FAILED', 'MALFORMED_REQUEST', 'TOO_MANY_REQUESTS')
  loginOptions(@JsonBody(authValidationPipe) dto: PasskeyLoginOptionsDto, @ClientContext() client: ClientContext): Promise<object> {
    return this.passkeys.loginOptions(dto, client);
  }

  @Public()
  @Post('passkeys/login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Sign in with a passkey',
    description:
      'The token response of `/login`. A passkey that verified the user (PIN, biometrics) completes the sign-in; otherwise an account with a second factor gets `isRequiresMfa: true`.',
  })
  @ApiBody({ type: PasskeyLoginDto })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'INVALID_CREDENTIALS',
    'EMAIL_NOT_VERIFIED',
    'MFA_ENROLLMENT_REQUIRED',
    'TOO_MANY_REQUESTS',
  )
  async login(
    @JsonBody(authValidationPipe) dto: PasskeyLoginDto,
    @Req() req: AuthRequest,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<TokenResponseBody | PendingMfaBody | JsonObject> {
    const trustToken = dto.trustToken ?? this.transport.readTrustToken(req);
    const input = { username: dto.username, email: dto.email, expiresInMins: dto.expiresInMins, trustToken };
    const outcome = await this.passkeys.login(dto.credential, input, client);
    return outcome.pending ?? shapeTokenBody(this.options, this.transport.writeTokens(res, outcome.grant), 'login');
  }

  @Public()
  @Post('passkeys/mfa/options')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Options for the passkey second factor of a pending login',
    description: 'The challenge is bound to the pending login and dies with it.',
  })
  @ApiBody({ type: PasskeyMfaOptionsDto })
  @ApiOkResponse({ type: WebAuthnOptionsDto })
  @ApiProblemResponses('VALIDATION_FAILED', 'MALFORMED_REQUEST', 'MFA_TOKEN_INVALID', 'MFA_METHOD_UNAVAILABLE', 'TOO_MANY_REQUESTS')
  mfaOptions(@JsonBody(authValidationPipe) dto: PasskeyMfaOptionsDto): Promise<object> {
    return this.passkeys.secondFactorOptions(dto.mfaToken);
  }

  @Public()
  @Post('passkeys/mfa/verify')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Complete a pending login with a passkey',
    description: 'Counted like any second-factor attempt (`mfa.maxAttempts`).',
  })
  @ApiBody({ type: PasskeyMfaVerifyDto })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'MFA_TOKEN_INVALID',
    'MFA_CODE_INVALID',
    'MFA_METHOD_UNAVAILABLE',
    'TOO_MANY_REQUESTS',
  )
  async mfaVerify(
    @JsonBody(authValidationPipe) dto: PasskeyMfaVerifyDto,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<TokenResponseBody | JsonObject> {
    const result = await this.auth.verifyMfa(
      { mfaToken: dto.mfaToken, method: PASSKEY_METHOD, code: JSON.stringify(dto.credential), trustDevice: dto.trustDevice },
      client,
    );
    return writeMfaGrant(this.options, this.transport, res, result);
  }

  @Post('passkeys/mfa/enable')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Use my passkeys as a second factor',
    description: 'Needs the password and a registered passkey; turn it off with `POST /mfa/disable { method: "passkey" }`.',
  })
  @ApiBody({ type: PasskeyPasswordDto })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'INVALID_CREDENTIALS',
    'MFA_ALREADY_ENABLED',
    'MFA_METHOD_UNAVAILABLE',
    'TOO_MANY_REQUESTS',
    'AUTH_BUSY',
  )
  async enableSecondFactor(
    @JsonBody(authValidationPipe) dto: PasskeyPasswordDto,
    @CurrentUser() user: AuthPrincipal,
    @ClientContext() client: ClientContext,
  ): Promise<{ message: string }> {
    await this.passkeys.enableSecondFactor(user, dto.password, client);
    return { message: 'Passkeys are now a second factor of this account.' };
  }
}

/** A passkey id from the path, or 404 (never a look-up with junk). */
function checkedId(id: string): string {
  if (!PASSKEY_ID.test(id)) throw new AuthException('NOT_FOUND', { detail: 'No such passkey.' });
  return id;
}
