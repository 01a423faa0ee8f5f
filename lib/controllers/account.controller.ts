import { Controller, Header, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AccountService } from '../account/account.service.js';
import { AuthService } from '../auth.service.js';
import { ApiProblemResponses } from '../decorators/api-problem-responses.decorator.js';
import { ClientContext } from '../decorators/client-context.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { authValidationPipe, JsonBody } from '../decorators/json-body.decorator.js';
import { LiveSession } from '../decorators/live-session.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import {
  ChangeEmailDto,
  DeleteAccountDto,
  ForgotPasswordDto,
  LoginCodeDto,
  LoginCodeSendDto,
  ResetPasswordDto,
  VerifyEmailDto,
} from '../dto/auth-requests.dto.js';
import { MessageResponseDto, TokenResponseDto } from '../dto/auth-responses.dto.js';
import { ProblemDetailsFilter } from '../errors/problem-details.filter.js';
import type { PendingMfaBody } from '../mfa/mfa.service.js';
import type { JsonObject } from '../options/auth-module-options.interface.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import type { AuthRequest, AuthResponse } from '../transport/http.types.js';
import { shapeTokenBody } from '../transport/response-shaping.js';
import { TOKEN_TRANSPORT, type TokenResponseBody, type TokenTransport } from '../transport/token-transport.js';

/** The answer of every request whose outcome must not tell whether an account exists. */
export const ACCOUNT_MESSAGES = {
  forgot: 'If an account exists for this address, a message with the next step is on its way.',
  reset: 'Password changed. Every session was signed out; sign in with the new password.',
  verified: 'E-mail address verified.',
  changed: 'E-mail address changed.',
  resend: 'If the address is not verified yet, a new verification message is on its way.',
  change: 'A confirmation message is on its way to the new address; the change happens when it is confirmed.',
  deleted: 'Account deleted.',
  loginCode: 'If an account exists for this address, a sign-in code is on its way.',
} as const;

/**
 * The account lifecycle routes: forgot / reset password, verify e-mail (and resend), change e-mail,
 * delete account, sign-in by e-mail code. The e-mail routes exist only with an e-mail sender, the
 * sign-in code routes only with `loginCode.enabled` (see `account-routes.ts`); the authenticated ones
 * need a live session.
 */
@ApiTags('auth')
@LiveSession()
@Controller()
@UseFilters(ProblemDetailsFilter)
export class AccountController {
  constructor(
    protected readonly account: AccountService,
    protected readonly auth: AuthService,
    @Inject(TOKEN_TRANSPORT) protected readonly transport: TokenTransport,
    @Inject(AUTH_OPTIONS) protected readonly options: ResolvedAuthOptions,
  ) {}

  @Public()
  @Post('password/forgot')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Ask for a password reset message',
    description: 'Always 202 with the same body, for existing and unknown accounts alike; the message is sent after the response.',
  })
  @ApiBody({ type: ForgotPasswordDto })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiProblemResponses('VALIDATION_FAILED', 'MALFORMED_REQUEST', 'TOO_MANY_REQUESTS')
  async forgot(@JsonBody(authValidationPipe) dto: ForgotPasswordDto, @ClientContext() client: ClientContext): Promise<{ message: string }> {
    await this.account.forgotPassword(dto, client);
    return { message: ACCOUNT_MESSAGES.forgot };
  }

  @Public()
  @Post('password/reset')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set a new password with a reset token',
    description:
      'The new password is checked before the token is used (a refused one leaves the link valid). Accounts with an authenticator app must also give `mfaCode`. Every session and trusted device is revoked.',
  })
  @ApiBody({ type: ResetPasswordDto })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'RESET_TOKEN_INVALID',
    'MFA_CODE_INVALID',
    'TOO_MANY_REQUESTS',
    'AUTH_BUSY',
  )
  async reset(
    @JsonBody(authValidationPipe) dto: ResetPasswordDto,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<{ message: string }> {
    await this.account.resetPassword(dto, client);
    this.transport.clearTokens(res);
    return { message: ACCOUNT_MESSAGES.reset };
  }

  @Public()
  @Post('email/verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Verify the e-mail address (or confirm an e-mail change) with the token of the link' })
  @ApiBody({ type: VerifyEmailDto })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiProblemResponses('VALIDATION_FAILED', 'MALFORMED_REQUEST', 'VERIFICATION_TOKEN_INVALID')
  async verifyEmail(
    @JsonBody(authValidationPipe) dto: VerifyEmailDto,
    @ClientContext() client: ClientContext,
  ): Promise<{ message: string }> {
    return { message: ACCOUNT_MESSAGES[await this.account.verifyEmail(dto.token, client)] };
  }

  @Post('email/verify/resend')
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Send a new verification message to my address' })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID', 'CSRF_TOKEN_INVALID', 'TOKEN_USER_INVALID', 'TOO_MANY_REQUESTS')
  async resendVerification(@CurrentUser() user: AuthPrincipal, @ClientContext() client: ClientContext): Promise<{ message: string }> {
    await this.account.resendVerification(user, client);
    return { message: ACCOUNT_MESSAGES.resend };
  }

  @Post('email/change')
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Change my e-mail address',
    description: 'A confirmation goes to the new address, a notice to the current one. The same answer when the new address is taken.',
  })
  @ApiBody({ type: ChangeEmailDto })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'INVALID_CREDENTIALS',
    'TOO_MANY_REQUESTS',
    'AUTH_BUSY',
    'NOT_IMPLEMENTED',
  )
  async changeEmail(
    @JsonBody(authValidationPipe) dto: ChangeEmailDto,
    @CurrentUser() user: AuthPrincipal,
    @ClientContext() client: ClientContext,
  ): Promise<{ message: string }> {
    await this.account.changeEmail(user, dto.newEmail, dto.password, client);
    return { message: ACCOUNT_MESSAGES.change };
  }

  @Post('account/delete')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Delete my account',
    description: 'Needs the password (and `mfaCode` with an authenticator app). Every session is revoked.',
  })
  @ApiBody({ type: DeleteAccountDto })
  @ApiOkResponse({ type: MessageResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'INVALID_CREDENTIALS',
    'MFA_CODE_INVALID',
    'TOO_MANY_REQUESTS',
    'AUTH_BUSY',
    'NOT_IMPLEMENTED',
  )
  async deleteAccount(
    @JsonBody(authValidationPipe) dto: DeleteAccountDto,
    @CurrentUser() user: AuthPrincipal,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<{ message: string }> {
    await this.account.deleteAccount(user, dto.password, dto.mfaCode, client);
    this.transport.clearTokens(res);
    this.transport.clearTrustToken(res);
    return { message: ACCOUNT_MESSAGES.deleted };
  }

  @Public()
  @Post('login/code/send')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a sign-in code by e-mail',
    description: 'Always 202 with the same body, for existing and unknown accounts alike.',
  })
  @ApiBody({ type: LoginCodeSendDto })
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiProblemResponses('VALIDATION_FAILED', 'MALFORMED_REQUEST', 'TOO_MANY_REQUESTS')
  async sendLoginCode(
    @JsonBody(authValidationPipe) dto: LoginCodeSendDto,
    @ClientContext() client: ClientContext,
  ): Promise<{ message: string }> {
    await this.account.sendLoginCode(dto.email, client);
    return { message: ACCOUNT_MESSAGES.loginCode };
  }

  @Public()
  @Post('login/code')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Sign in with an e-mail code',
    description: 'The token response of `/login`: tokens, or `isRequiresMfa: true` for an account with an authenticator app.',
  })
  @ApiBody({ type: LoginCodeDto })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblemResponses('VALIDATION_FAILED', 'MALFORMED_REQUEST', 'INVALID_CREDENTIALS', 'MFA_ENROLLMENT_REQUIRED', 'TOO_MANY_REQUESTS')
  async loginWithCode(
    @JsonBody(authValidationPipe) dto: LoginCodeDto,
    @Req() req: AuthRequest,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<TokenResponseBody | PendingMfaBody | JsonObject> {
    const outcome = await this.auth.loginWithCode({ ...dto, trustToken: dto.trustToken ?? this.transport.readTrustToken(req) }, client);
    return outcome.pending ?? shapeTokenBody(this.options, this.transport.writeTokens(res, outcome.grant), 'login');
  }
}
