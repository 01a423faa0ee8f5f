import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { AuthErrorCodes, type AuthErrorCode } from './error-codes.js';
import type { FieldError, ProblemDetails } from './problem-details.js';

/** Options for an {@link AuthException}. */
export interface AuthExceptionOptions {
  /** Replaces the catalogue's default detail. */
  detail?: string;
  /** Field errors (validation). */
  errors?: FieldError[];
  /** Seconds the client should wait (429); written as `Retry-After`. */
  retryAfterSeconds?: number;
  /** Whether the request carried a token (401): adds `error="invalid_token"` to `WWW-Authenticate`. */
  tokenPresented?: boolean;
  /** Extra problem members. */
  extensions?: Record<string, unknown>;
  /** Replaces the catalogue's status (and its title), e.g. 422 for `VALIDATION_FAILED` (`responses.validationStatus`). */
  status?: number;
}

/**
 * The one exception the module throws for every client-facing failure. It is an `HttpException`
 * whose response body is already the RFC 9457 problem document, so it renders sensibly even in an
 * app that does not install the {@link ProblemDetailsFilter}.
 */
export class AuthException extends HttpException {
  readonly code: AuthErrorCode;
  readonly retryAfterSeconds?: number;
  readonly tokenPresented: boolean;

  constructor(code: AuthErrorCode, options: AuthExceptionOptions = {}) {
    const entry = AuthErrorCodes[code];
    const status = options.status ?? entry.status;
    const problem: ProblemDetails = {
      type: 'about:blank',
      title: status === entry.status ? entry.title : (STATUS_CODES[status] ?? entry.title),
      status,
      detail: options.detail ?? entry.detail,
      code,
      ...(options.errors ? { errors: options.errors } : {}),
      ...options.extensions,
    };
    super(problem, status);
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.tokenPresented = options.tokenPresented ?? false;
  }

  /** The problem document this exception renders as. */
  get problem(): ProblemDetails {
    return this.getResponse() as ProblemDetails;
  }
}
