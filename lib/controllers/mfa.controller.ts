import { Controller, Delete, Get, Header, HttpCode, Inject, Param, Post, Res, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthService } from '../auth.service.js';
import { ApiProblemResponses } from '../decorators/api-problem-responses.decorator.js';
import { ClientContext } from '../decorators/client-context.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { authValidationPipe, JsonBody } from '../decorators/json-body.decorator.js';
import { LiveSession } from '../decorators/live-session.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { MfaDisableDto, MfaSendDto, MfaVerifyDto, TotpEnableDto } from '../dto/auth-requests.dto.js';
import {
  MessageResponseDto,
  MfaSendResponseDto,
  RecoveryCodesResponseDto,
  TokenResponseDto,
  TotpSetupResponseDto,
  TrustedDeviceDto,
} from '../dto/auth-responses.dto.js';
import { AuthException } from '../errors/auth.exception.js';
import { ProblemDetailsFilter } from '../errors/problem-details.filter.js';
import { MfaRequestValidationPipe } from '../mfa/mfa-request-validation.pipe.js';
import { MfaService, type MfaSendResult } from '../mfa/mfa.service.js';
import type { TrustedDeviceView } from '../mfa/trusted-device.service.js';
import type { JsonObject } from '../options/auth-module-options.interface.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import type { AuthResponse } from '../transport/http.types.js';
import { writeMfaGrant } from '../transport/response-shaping.js';
import { TOKEN_TRANSPORT, type TokenResponseBody, type TokenTransport } from '../transport/token-transport.js';

const DEVICE_ID = /^[A-Za-z0-9_-]{16}$/;

/**
 * The MFA routes: the pending step of a login (`/mfa/send`, `/mfa/verify`, public: they take the
 * `mfaToken`), enrolment (`/mfa/totp/setup`, `/mfa/totp/enable`, `/mfa/disable`) and trusted devices.
 * Enrolment and device routes need a fully verified access token of a live session
 * (`@LiveSession()`): an `mfaToken` is refused there. Switch them off with `routes.mfa: false`.
 */
@ApiTags('auth')
@LiveSession()
@Controller()
@UseFilters(ProblemDetailsFilter)
export class MfaController {
  constructor(
    protected readonly auth: AuthService,
    protected readonly mfa: MfaService,
    @Inject(TOKEN_TRANSPORT) protected readonly transport: TokenTransport,
    @Inject(AUTH_OPTIONS) protected readonly options: ResolvedAuthOptions,
  ) {}

  @Public()
  @Post('mfa/send')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a new e-mail or SMS code for a pending login (the previous code stops working)' })
  @ApiBody({ type: MfaSendDto })
  @ApiOkResponse({ type: MfaSendResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'MFA_TOKEN_INVALID',
    'MFA_METHOD_UNAVAILABLE',
    'TOO_MANY_REQUESTS',
    'MFA_DELIVERY_FAILED',
  )
  send(@JsonBody(MfaRequestValidationPipe) dto: MfaSendDto, @ClientContext() client: ClientContext): Promise<MfaSendResult> {
    return this.mfa.resend(dto.mfaToken, dto.method, client);
  }

  @Public()
  @Post('mfa/verify')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Complete a pending login with its second factor; optionally trust this device' })
  @ApiBody({ type: MfaVerifyDto })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'MFA_TOKEN_INVALID',
    'MFA_CODE_INVALID',
    'MFA_METHOD_UNAVAILABLE',
    'TOO_MANY_REQUESTS',
  )
  async verify(
    @JsonBody(MfaRequestValidationPipe) dto: MfaVerifyDto,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<TokenResponseBody | JsonObject> {
    const result = await this.auth.verifyMfa(
      { mfaToken: dto.mfaToken, method: dto.method, code: dto.code, trustDevice: dto.trustDevice },
      client,
    );
    return writeMfaGrant(this.options, this.transport, res, result);
  }

  @Post('mfa/totp/setup')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Start a TOTP setup: a new secret and its otpauth:// URI (confirm with /mfa/totp/enable)' })
  @ApiOkResponse({ type: TotpSetupResponseDto })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID', 'CSRF_TOKEN_INVALID', 'MFA_METHOD_UNAVAILABLE', 'MFA_ALREADY_ENABLED')
  setupTotp(@CurrentUser() user: AuthPrincipal): Promise<{ secret: string; otpauthUrl: string }> {
    return this.auth.setupTotp(user);
  }

  @Post('mfa/totp/enable')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Confirm the TOTP setup with a code; returns 10 single-use recovery codes' })
  @ApiBody({ type: TotpEnableDto })
  @ApiOkResponse({ type: RecoveryCodesResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'MFA_METHOD_UNAVAILABLE',
    'MFA_CODE_INVALID',
    'TOO_MANY_REQUESTS',
  )
  enableTotp(
    @JsonBody(authValidationPipe) dto: TotpEnableDto,
    @CurrentUser() user: AuthPrincipal,
    @ClientContext() client: ClientContext,
  ): Promise<{ recoveryCodes: string[] }> {
    return this.auth.enableTotp(user, dto.code, client);
  }

  @Post('mfa/disable')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Turn a second factor off (needs the password); revokes every trusted device' })
  @ApiBody({ type: MfaDisableDto })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'INVALID_CREDENTIALS',
    'MFA_METHOD_UNAVAILABLE',
    'MFA_REQUIRED',
    'TOO_MANY_REQUESTS',
    'AUTH_BUSY',
  )
  async disable(
    @JsonBody(MfaRequestValidationPipe) dto: MfaDisableDto,
    @CurrentUser() user: AuthPrincipal,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<{ message: string }> {
    await this.auth.disableMfa(user, dto.method, dto.password, client);
    this.transport.clearTrustToken(res);
    return { message: `Multi-factor method '${dto.method}' disabled.` };
  }

  @Get('mfa/devices')
  @ApiBearerAuth()
  @ApiOperation({ summary: "The caller's trusted devices" })
  @ApiOkResponse({ type: [TrustedDeviceDto] })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID')
  devices(@CurrentUser() user: AuthPrincipal): Promise<TrustedDeviceView[]> {
    return this.auth.listTrustedDevices(user);
  }

  @Delete('mfa/devices/:id')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke one of the caller’s trusted devices' })
  @ApiParam({ name: 'id', description: 'Device id from GET /mfa/devices' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID', 'CSRF_TOKEN_INVALID', 'NOT_FOUND')
  async revokeDevice(@CurrentUser() user: AuthPrincipal, @Param('id') id: string, @ClientContext() client: ClientContext): Promise<void> {
    if (!DEVICE_ID.test(id)) throw new AuthException('NOT_FOUND', { detail: 'Device not found.' });
    await this.auth.revokeTrustedDevice(user, id, client);
  }
}
