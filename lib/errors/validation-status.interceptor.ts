import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { AUTH_OPTIONS } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { AuthException } from './auth.exception.js';

/**
 * Gives `VALIDATION_FAILED` problems the status of `responses.validationStatus` (422 for clients
 * that expect it) on the module's routes. With the default (400) it adds nothing to a request.
 */
@Injectable()
export class ValidationStatusInterceptor implements NestInterceptor {
  constructor(@Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const status = this.options.responses.validationStatus;
    if (status === 400) return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!(error instanceof AuthException) || error.code !== 'VALIDATION_FAILED' || error.getStatus() === status) {
          return throwError(() => error);
        }
        const { detail, errors } = error.problem;
        return throwError(() => new AuthException('VALIDATION_FAILED', { detail, ...(errors ? { errors } : {}), status }));
      }),
    );
  }
}
