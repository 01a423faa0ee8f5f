import { Controller, Delete, Get, Header, HttpCode, Inject, Param, Post, Query, Redirect, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiFoundResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { AUTH_OPTIONS } from '../auth.constants.js';
import type { LoginOutcome } from '../auth.service.js';
import { ApiProblemResponses } from '../decorators/api-problem-responses.decorator.js';
import { ClientContext } from '../decorators/client-context.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { FormBody, type FormFields } from '../decorators/form-body.decorator.js';
import { authValidationPipe, JsonBody } from '../decorators/json-body.decorator.js';
import { LiveSession } from '../decorators/live-session.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { TokenResponseDto } from '../dto/auth-responses.dto.js';
import { IdentityLinkDto, IdentityViewDto, OAuthExchangeDto, OAuthIdTokenDto, OAuthRedirectDto } from '../dto/oauth.dto.js';
import { AuthException } from '../errors/auth.exception.js';
import type { AuthErrorCode } from '../errors/error-codes.js';
import { ProblemDetailsFilter } from '../errors/problem-details.filter.js';
import type { PendingMfaBody } from '../mfa/mfa.service.js';
import type { CallbackParameters } from '../oauth/oauth-client.js';
import { OAuthService, type IdentityView, type OAuthCallbackOutcome, type OAuthCookie } from '../oauth/oauth.service.js';
import type { JsonObject } from '../options/auth-module-options.interface.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';
import { readCookie, setCookieLine } from '../transport/cookies.js';
import { HttpPlatformRef } from '../transport/http-platform.js';
import type { AuthRequest, AuthResponse } from '../transport/http.types.js';
import { shapeTokenBody } from '../transport/response-shaping.js';
import { TOKEN_TRANSPORT, type TokenResponseBody, type TokenTransport } from '../transport/token-transport.js';

/** What a sign-in with a provider can end in (the callback and the ID-token route), beside each route's own input problems. */
const SIGN_IN_PROBLEMS = [
  'OAUTH_FAILED',
  'OAUTH_EMAIL_UNVERIFIED',
  'OAUTH_EMAIL_IN_USE',
  'OAUTH_SIGN_UP_CLOSED',
  'INVALID_CREDENTIALS',
  'EMAIL_NOT_VERIFIED',
  'MFA_ENROLLMENT_REQUIRED',
  'TOO_MANY_REQUESTS',
  'OAUTH_PROVIDER_UNAVAILABLE',
] as const satisfies readonly AuthErrorCode[];

/** The most callback parameters read, and the longest value. */
const MAX_PARAMETERS = 16;
const MAX_PARAMETER_LENGTH = 4096;

/**
 * The social sign-in routes (with a provider in `oauth.providers`): the browser flow (start and
 * callback, ending in a redirect to `returnTo`), the code exchange and the ID tokens of native apps
 * (the token response of `/login`), and the signed-in user's linked provider accounts.
 */
@ApiTags('oauth')
@LiveSession()
@Controller()
@UseFilters(ProblemDetailsFilter)
export class OAuthController {
  constructor(
    protected readonly oauth: OAuthService,
    @Inject(TOKEN_TRANSPORT) protected readonly transport: TokenTransport,
    @Inject(AUTH_OPTIONS) protected readonly options: ResolvedAuthOptions,
    protected readonly http: HttpPlatformRef,
  ) {}

  @Public()
  @Get('oauth/:provider')
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Sign in with a provider',
    description:
      'Redirects to the provider with `state`, PKCE (S256) and `nonce`, kept in a signed, HttpOnly, host-only cookie `gk_oauth_<provider>` (`__Host-` on https; valid `oauth.stateTtl`).',
  })
  @ApiParam({ name: 'provider', description: 'A key of `oauth.providers`', example: 'google' })
  @ApiQuery({ name: 'returnTo', required: false, description: 'Where to go afterwards: a path here, or a URL on an allowed origin.' })
  @ApiFoundResponse({ description: 'To the provider.' })
  @ApiProblemResponses('NOT_FOUND', 'RETURN_TO_INVALID', 'OAUTH_PROVIDER_UNAVAILABLE')
  async start(
    @Param('provider') provider: string,
    @Query('returnTo') returnTo: unknown,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<{ url: string; statusCode: number }> {
    if (returnTo !== undefined && typeof returnTo !== 'string') throw new AuthException('RETURN_TO_INVALID');
    const started = await this.oauth.start(provider, returnTo, this.options.accessTokenType !== 'header');
    this.setCookie(res, started.cookie);
    return { url: started.url, statusCode: 302 };
  }

  @Public()
  @Get('oauth/:provider/callback')
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Where the provider sends the browser back',
    description:
      'Checks the state cookie, redeems the code, applies the linking rules, then redirects to `returnTo`: signed in (cookie and dual mode), or with `#oauth_code=…` in the fragment to exchange at `POST /oauth/exchange` (header mode, and sign-ins that need a second factor), or `#oauth_linked=<provider>` after linking.',
  })
  @ApiParam({ name: 'provider', description: 'A key of `oauth.providers`', example: 'google' })
  @ApiFoundResponse({ description: 'To `returnTo`.' })
  @ApiProblemResponses('NOT_FOUND', 'OAUTH_STATE_INVALID', 'IDENTITY_IN_USE', ...SIGN_IN_PROBLEMS)
  callback(
    @Param('provider') provider: string,
    @Query() query: unknown,
    @Req() req: AuthRequest,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<{ url: string; statusCode: number }> {
    return this.finish(provider, query, req, client, res);
  }

  @Public()
  @Post('oauth/:provider/callback')
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'The callback of `form_post` providers (Apple)',
    description: 'As the GET callback, the parameters in a form body.',
  })
  @ApiParam({ name: 'provider', description: 'A key of `oauth.providers`', example: 'apple' })
  @ApiFoundResponse({ description: 'To `returnTo`.' })
  @ApiProblemResponses('NOT_FOUND', 'MALFORMED_REQUEST', 'OAUTH_STATE_INVALID', 'IDENTITY_IN_USE', ...SIGN_IN_PROBLEMS)
  formCallback(
    @Param('provider') provider: string,
    @FormBody() form: FormFields,
    @Req() req: AuthRequest,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<{ url: string; statusCode: number }> {
    return this.finish(provider, form, req, client, res);
  }

  @Public()
  @Post('oauth/exchange')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'The login outcome of a provider sign-in',
    description: 'For the one-time `oauth_code` of the callback (60 seconds): the token response of `/login`, or its second step.',
  })
  @ApiBody({ type: OAuthExchangeDto })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'OAUTH_STATE_INVALID',
    'INVALID_CREDENTIALS',
    'EMAIL_NOT_VERIFIED',
    'MFA_ENROLLMENT_REQUIRED',
    'TOO_MANY_REQUESTS',
  )
  async exchange(
    @JsonBody(authValidationPipe) dto: OAuthExchangeDto,
    @Req() req: AuthRequest,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<TokenResponseBody | PendingMfaBody | JsonObject> {
    const trustToken = dto.trustToken ?? this.transport.readTrustToken(req);
    const bindingCookie = this.oauth.bindingCookie();
    const binding = readCookie(req, bindingCookie.name);
    if (binding !== undefined) this.setCookie(res, bindingCookie); // good for one exchange
    const value = binding === undefined || binding.count > 1 ? undefined : binding.value;
    return this.answer(res, await this.oauth.exchange(dto.code, value, client, { expiresInMins: dto.expiresInMins, trustToken }));
  }

  @Public()
  @Post('oauth/:provider/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Sign in with a provider ID token (native apps)',
    description:
      'The ID token is checked against the provider’s keys, issuer, audiences (`clientId`, `audiences`) and the nonce; each signs in once. Answers like `/login`.',
  })
  @ApiParam({ name: 'provider', description: 'An OpenID Connect provider of `oauth.providers`', example: 'google' })
  @ApiBody({ type: OAuthIdTokenDto })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblemResponses('VALIDATION_FAILED', 'MALFORMED_REQUEST', 'NOT_FOUND', ...SIGN_IN_PROBLEMS)
  async idToken(
    @Param('provider') provider: string,
    @JsonBody(authValidationPipe) dto: OAuthIdTokenDto,
    @Req() req: AuthRequest,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<TokenResponseBody | PendingMfaBody | JsonObject> {
    const trustToken = dto.trustToken ?? this.transport.readTrustToken(req);
    const input = { idToken: dto.idToken, nonce: dto.nonce, expiresInMins: dto.expiresInMins, trustToken };
    return this.answer(res, await this.oauth.signInWithIdToken(provider, input, client));
  }

  @Get('identities')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'My linked provider accounts', description: 'Oldest first.' })
  @ApiOkResponse({ type: IdentityViewDto, isArray: true })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID')
  list(@CurrentUser() user: AuthPrincipal): Promise<IdentityView[]> {
    return this.oauth.list(user);
  }

  @Post('identities/link')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Link a provider account to mine',
    description:
      'Needs the password, or the current code of the account’s authenticator app. Answers the provider URL to navigate to (and sets the state cookie); the callback links the account it returns and redirects to `returnTo#oauth_linked=<provider>`.',
  })
  @ApiBody({ type: IdentityLinkDto })
  @ApiOkResponse({ type: OAuthRedirectDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNAUTHENTICATED',
    'ACCESS_TOKEN_INVALID',
    'CSRF_TOKEN_INVALID',
    'NOT_FOUND',
    'RETURN_TO_INVALID',
    'INVALID_CREDENTIALS',
    'MFA_CODE_INVALID',
    'MFA_METHOD_UNAVAILABLE',
    'TOO_MANY_REQUESTS',
    'AUTH_BUSY',
    'OAUTH_PROVIDER_UNAVAILABLE',
  )
  async link(
    @JsonBody(authValidationPipe) dto: IdentityLinkDto,
    @CurrentUser() user: AuthPrincipal,
    @ClientContext() client: ClientContext,
    @Res({ passthrough: true }) res: AuthResponse,
  ): Promise<{ url: string }> {
    const started = await this.oauth.startLink(user, dto.provider, { password: dto.password, mfaCode: dto.mfaCode }, dto.returnTo, client);
    this.setCookie(res, started.cookie);
    return { url: started.url };
  }

  @Delete('identities/:id')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Unlink one of my provider accounts',
    description: 'Refused (409 `LAST_SIGN_IN_METHOD`) when it is my last way to sign in (no password, passkey or other provider).',
  })
  @ApiParam({ name: 'id', description: 'The id from GET /identities' })
  @ApiNoContentResponse({ description: 'Unlinked.' })
  @ApiProblemResponses('UNAUTHENTICATED', 'ACCESS_TOKEN_INVALID', 'CSRF_TOKEN_INVALID', 'NOT_FOUND', 'LAST_SIGN_IN_METHOD')
  async unlink(@Param('id') id: string, @CurrentUser() user: AuthPrincipal, @ClientContext() client: ClientContext): Promise<void> {
    await this.oauth.unlink(user, id, client);
  }

  /** The callback, from the query or a form: the state cookie used up, then the outcome's redirect. */
  private async finish(
    provider: string,
    raw: unknown,
    req: AuthRequest,
    client: ClientContext,
    res: AuthResponse,
  ): Promise<{ url: string; statusCode: number }> {
    const cleared = this.oauth.stateCookie(provider);
    const cookie = readCookie(req, cleared.name);
    const trustToken = this.transport.readTrustToken(req);
    const value = cookie === undefined || cookie.count > 1 ? undefined : cookie.value;
    let done: OAuthCallbackOutcome;
    try {
      done = await this.oauth.callback(provider, callbackParameters(raw), value, client, trustToken);
    } catch (error) {
      // A request that did not match the flow in progress (a junk or cross-site callback) leaves it be.
      if (cookie !== undefined && !(error instanceof AuthException && error.code === 'OAUTH_STATE_INVALID')) this.setCookie(res, cleared);
      throw error;
    }
    // The state cookie is good for one callback.
    this.setCookie(res, cleared);
    const target = new URL(done.returnTo);
    if (done.kind === 'signed-in') this.transport.writeTokens(res, done.outcome.grant);
    else if (done.kind === 'code') {
      this.setCookie(res, done.binding);
      target.hash = new URLSearchParams({ oauth_code: done.code }).toString();
    } else target.hash = new URLSearchParams({ oauth_linked: provider }).toString();
    return { url: target.href, statusCode: 302 };
  }

  /** The login outcome as `/login` answers it. */
  private answer(res: AuthResponse, outcome: LoginOutcome): TokenResponseBody | PendingMfaBody | JsonObject {
    return outcome.pending ?? shapeTokenBody(this.options, this.transport.writeTokens(res, outcome.grant), 'login');
  }

  private setCookie(res: AuthResponse, cookie: OAuthCookie): void {
    this.http.platform.appendSetCookie(res, [setCookieLine(cookie.name, cookie.value, cookie.attributes)]);
  }
}

/** The callback's parameters: string values only, bounded (anything else is left out for the checks to refuse). */
function callbackParameters(raw: unknown): CallbackParameters {
  const parameters: CallbackParameters = {};
  if (typeof raw !== 'object' || raw === null) return parameters;
  for (const [key, value] of Object.entries(raw).slice(0, MAX_PARAMETERS)) {
    if (typeof value === 'string' && value.length <= MAX_PARAMETER_LENGTH && key.length <= 64) parameters[key] = value;
  }
  return parameters;
}
