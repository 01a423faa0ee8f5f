import { Catch, HttpException, Inject, Logger, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { STATUS_CODES } from 'node:http';
import { AuthException } from './auth.exception.js';
import { AuthErrorCodes, type AuthErrorCode } from './error-codes.js';
import type { ProblemDetails } from './problem-details.js';
import { StoreUnavailableError } from './store.errors.js';
import { PasswordHashingBusyError } from '../crypto/password-hashing-busy.error.js';
import { detectingPlatform, HttpPlatformRef, type HttpPlatform } from '../transport/http-platform.js';

const BY_STATUS: Partial<Record<number, AuthErrorCode>> = {
  400: 'MALFORMED_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'STORE_UNAVAILABLE',
};

/** A problem document with the headers that belong to it. */
export interface RenderedProblem {
  problem: ProblemDetails;
  headers: Record<string, string>;
}

const logger = new Logger('nest-gatekeeper');

/**
 * Turns any exception into an RFC 9457 problem. Nothing of the exception's own text reaches the
 * client unless it is an {@link AuthException}: no stack, no driver message, no library error name.
 */
export function renderProblem(exception: unknown): RenderedProblem {
  if (exception instanceof AuthException) {
    const problem = exception.problem;
    const headers: Record<string, string> = {};
    if (problem.status === 401) {
      headers['WWW-Authenticate'] = exception.tokenPresented ? 'Bearer error="invalid_token"' : 'Bearer';
    }
    if (exception.retryAfterSeconds !== undefined) headers['Retry-After'] = String(exception.retryAfterSeconds);
    return { problem, headers };
  }
  if (exception instanceof StoreUnavailableError) {
    return renderProblem(new AuthException('STORE_UNAVAILABLE'));
  }
  if (exception instanceof PasswordHashingBusyError) {
    return renderProblem(new AuthException('AUTH_BUSY', { retryAfterSeconds: exception.retryAfterSeconds }));
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = BY_STATUS[status];
    if (code) return renderProblem(new AuthException(code));
    if (status < 500) {
      const title = STATUS_CODES[status] ?? 'Error';
      return {
        problem: {
          type: 'about:blank',
          title,
          status,
          detail: `${title}.`,
          code: title.toUpperCase().replace(/[^A-Z0-9]+/g, '_'),
        },
        headers: {},
      };
    }
  }
  const error = exception instanceof Error ? exception : new Error(String(exception));
  logger.error(`Unhandled ${error.name}`, error.stack);
  return renderProblem(new AuthException('INTERNAL_ERROR'));
}

/**
 * The exception with the configured status of `VALIDATION_FAILED` (`responses.validationStatus`):
 * decided where problems are rendered, so the setting costs nothing on requests that succeed.
 */
export function withValidationStatus(exception: unknown, options: ResolvedAuthOptions | undefined): unknown {
  const status = options?.responses.validationStatus ?? 400;
  if (
    status === 400 ||
    !(exception instanceof AuthException) ||
    exception.code !== 'VALIDATION_FAILED' ||
    exception.getStatus() === status
  ) {
    return exception;
  }
  const { detail, errors } = exception.problem;
  return new AuthException('VALIDATION_FAILED', { detail, ...(errors ? { errors } : {}), status });
}

/**
 * Writes a rendered problem with `Cache-Control: no-store` and `X-Content-Type-Options: nosniff` (no
 * browser may read a problem as HTML or script), through the platform picked at start-up (the
 * module's filters), or one told from the response's methods (a filter built with `new`).
 */
export function writeProblem(response: unknown, { problem, headers }: RenderedProblem, platform: HttpPlatform = detectingPlatform): void {
  const all = {
    ...headers,
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  platform.send(response, problem.status, all, JSON.stringify(problem));
}

/**
 * Writes every exception as `application/problem+json`. The module applies it to its own routes;
 * install it app-wide with `app.useGlobalFilters(new ProblemDetailsFilter())` to get the same format
 * on the host app's routes (including body-parser errors such as malformed JSON or 413).
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  /**
   * @param options the module's options (injected on the module's routes; absent with `new`).
   * @param http the HTTP platform picked at start-up (injected; absent with `new`).
   */
  constructor(
    @Optional() @Inject(AUTH_OPTIONS) private readonly options?: ResolvedAuthOptions,
    @Optional() private readonly http?: HttpPlatformRef,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    writeProblem(host.switchToHttp().getResponse(), renderProblem(withValidationStatus(exception, this.options)), this.http?.platform);
  }
}

/** Re-exported catalogue entry type for docs. */
export type { AuthErrorCode };
export { AuthErrorCodes };
