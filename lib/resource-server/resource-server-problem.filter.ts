import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AuthException } from '../errors/auth.exception.js';
import { renderProblem, writeProblem } from '../errors/problem-details.filter.js';

/**
 * The resource server's app-wide filter, registered for you: every {@link AuthException} (the
 * guard's 401s and 403s) is written as `application/problem+json` with `WWW-Authenticate: Bearer`
 * on 401s, as the issuer writes them. Every other error goes to Nest's default handling, untouched.
 */
@Catch(AuthException)
export class ResourceServerProblemFilter implements ExceptionFilter {
  catch(exception: AuthException, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    writeProblem(host.switchToHttp().getResponse(), renderProblem(exception));
  }
}
