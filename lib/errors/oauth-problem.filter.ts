import { Catch, Inject, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { HttpPlatformRef } from '../transport/http-platform.js';
import { oauthErrorOf } from './oauth-errors.js';
import { renderProblem, withValidationStatus, writeProblem } from './problem-details.filter.js';

/**
 * Problem responses of the token endpoint: the module's problem document plus the OAuth 2.0 members
 * `error` and `error_description`, so OAuth clients (Swagger UI's password flow among them) read them.
 */
@Catch()
export class OAuthProblemFilter implements ExceptionFilter {
  /**
   * @param options the module's options (injected on the module's routes).
   * @param http the HTTP platform picked at start-up (injected on the module's routes).
   */
  constructor(
    @Optional() @Inject(AUTH_OPTIONS) private readonly options?: ResolvedAuthOptions,
    @Optional() private readonly http?: HttpPlatformRef,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const rendered = renderProblem(withValidationStatus(exception, this.options));
    const error = oauthErrorOf(rendered.problem.code, rendered.problem.status);
    writeProblem(
      host.switchToHttp().getResponse(),
      {
        ...rendered,
        problem: { ...rendered.problem, error, error_description: rendered.problem.detail },
      },
      this.http?.platform,
    );
  }
}
