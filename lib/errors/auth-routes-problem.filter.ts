import { Catch, Inject, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { AUTH_OPTIONS, AUTH_ROUTES } from '../auth.constants.js';
import type { ResolvedAuthOptions, ResolvedAuthRoutes } from '../options/resolved-auth-options.js';
import { HttpPlatformRef } from '../transport/http-platform.js';
import { AuthException } from './auth.exception.js';
import { renderProblem, withValidationStatus, writeProblem } from './problem-details.filter.js';

/**
 * The module's app-wide filter, registered for you. It writes problem+json for (a) every
 * {@link AuthException}, wherever it is thrown (e.g. the access guard on your own routes), and (b)
 * every error on the module's own routes (under its prefix, and the well-known routes), including
 * those raised before routing (malformed JSON, oversized bodies). Everything else goes to Nest's default handling, untouched.
 */
@Catch()
export class AuthRoutesProblemFilter extends BaseExceptionFilter {
  /** The module's routes: everything under the prefix, and the well-known routes at the app root (behind any global prefix). */
  private readonly ownRoutes: RegExp;

  constructor(
    @Inject(AUTH_ROUTES) routes: ResolvedAuthRoutes,
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly http: HttpPlatformRef,
  ) {
    super();
    const escape = (path: string): string => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const wellKnown = [routes.paths.jwks, routes.paths.authorizationServerMetadata].filter((path): path is string => path !== null);
    const exact = wellKnown.map((path) => `|/${escape(path)}(?:[?#]|$)`).join('');
    this.ownRoutes = new RegExp(`^(?:/[^?#]*)?(?:/${escape(routes.prefix)}(?:[/?#]|$)${exact})`);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return super.catch(exception, host);
    const http = host.switchToHttp();
    const req = http.getRequest<{ originalUrl?: string; url?: string }>();
    const url = req.originalUrl ?? req.url ?? '';
    if (exception instanceof AuthException || this.ownRoutes.test(url)) {
      writeProblem(http.getResponse(), renderProblem(withValidationStatus(exception, this.options)), this.http.platform);
      return;
    }
    super.catch(exception, host);
  }
}
