import { Controller, Header, HttpCode, Inject, Post, UseFilters } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthService } from '../auth.service.js';
import { ApiProblemResponses } from '../decorators/api-problem-responses.decorator.js';
import { ClientContext } from '../decorators/client-context.decorator.js';
import { FormBody, type FormFields } from '../decorators/form-body.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { TokenRequestDto } from '../dto/auth-requests.dto.js';
import { OAuthTokenResponseDto } from '../dto/auth-responses.dto.js';
import { AuthException } from '../errors/auth.exception.js';
import { OAuthProblemFilter } from '../errors/oauth-problem.filter.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import type { IssuedTokens } from '../transport/token-transport.js';

/** The OAuth 2.0 token response (RFC 6749 §5.1). */
export interface OAuthTokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
}

/** Longest username or e-mail read from the form. */
const MAX_IDENTIFIER = 320;
const MAX_REFRESH_TOKEN = 512;

function required(form: FormFields, field: string, max: number): string {
  const value = form[field];
  if (value === undefined || value === '') {
    throw new AuthException('VALIDATION_FAILED', { errors: [{ field, message: 'is required' }] });
  }
  if (value.length > max) {
    throw new AuthException('VALIDATION_FAILED', { errors: [{ field, message: `must be at most ${max} characters` }] });
  }
  return value;
}

/**
 * `POST /auth/token`: the OAuth 2.0 token endpoint for FIRST-PARTY clients (your own apps, Swagger
 * UI's "Authorize"): `grant_type=password` (RFC 6749 §4.3) and `grant_type=refresh_token` (§6). The
 * password grant hands the user's password to the client, so it must never be offered to third-party
 * clients; `client_id`, `client_secret` and `scope` are accepted and ignored. Tokens are always
 * returned in the body (an OAuth client has no cookies); switch the route off with
 * `routes.token: false`.
 */
@ApiTags('auth')
@Controller()
@UseFilters(OAuthProblemFilter)
export class TokenController {
  constructor(
    protected readonly auth: AuthService,
    @Inject(AUTH_OPTIONS) protected readonly options: ResolvedAuthOptions,
  ) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({
    summary: 'OAuth 2.0 token endpoint (password and refresh_token grants; first-party clients only)',
    description:
      'Form body. A user with a second factor gets 403 `error: "mfa_required"` with an `mfaToken`: complete the login at `/mfa/verify`. Errors carry the OAuth members `error` and `error_description`.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: TokenRequestDto })
  @ApiOkResponse({ type: OAuthTokenResponseDto })
  @ApiProblemResponses(
    'VALIDATION_FAILED',
    'MALFORMED_REQUEST',
    'UNSUPPORTED_GRANT_TYPE',
    'INVALID_CREDENTIALS',
    'REFRESH_TOKEN_INVALID',
    'REFRESH_TOKEN_REUSED',
    'MFA_VERIFICATION_REQUIRED',
    'MFA_ENROLLMENT_REQUIRED',
    'TOO_MANY_REQUESTS',
    'AUTH_BUSY',
  )
  async token(@FormBody() form: FormFields, @ClientContext() client: ClientContext): Promise<OAuthTokenResponse> {
    const grantType = required(form, 'grant_type', 64);
    if (grantType === 'password') {
      const username = required(form, 'username', MAX_IDENTIFIER);
      const password = required(form, 'password', 4096);
      const outcome = await this.auth.login({ identifier: username, password }, client);
      if (outcome.pending) {
        const { mfaToken, mfaMethods, defaultMfaMethod } = outcome.pending;
        throw new AuthException('MFA_VERIFICATION_REQUIRED', { extensions: { mfaToken, mfaMethods, defaultMfaMethod } });
      }
      return oauthBody(outcome.grant.tokens);
    }
    if (grantType === 'refresh_token') {
      const grant = await this.auth.refresh(required(form, 'refresh_token', MAX_REFRESH_TOKEN), undefined, client);
      return oauthBody(grant.tokens);
    }
    throw new AuthException('UNSUPPORTED_GRANT_TYPE');
  }
}

function oauthBody(tokens: IssuedTokens): OAuthTokenResponse {
  return { access_token: tokens.accessToken, refresh_token: tokens.refreshToken, token_type: 'bearer', expires_in: tokens.expiresIn };
}
