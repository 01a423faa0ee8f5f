import { createParamDecorator, Inject, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { clientContext, type ClientContext as ClientContextValue } from '../transport/client-address.js';
import type { AuthRequest } from '../transport/http.types.js';

/** The request itself, for {@link ClientContextPipe}. */
const HttpRequest = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthRequest =>
  ctx.switchToHttp().getRequest<AuthRequest>(),
);

/** Turns the request into its {@link ClientContext}, honouring the module's `trustProxyHeaders`. */
@Injectable()
export class ClientContextPipe implements PipeTransform<AuthRequest, ClientContextValue> {
  constructor(@Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions) {}

  transform(req: AuthRequest): ClientContextValue {
    return clientContext(req, this.options.trustProxyHeaders);
  }
}

/** Who sent the request: `{ ip, userAgent }` (what {@link ClientContext} injects). */
export type ClientContext = ClientContextValue;

/**
 * Injects who sent the request: `{ ip, userAgent }`, the client address as the module reads it for
 * rate limits and session records (`req.ip`, or the first `X-Forwarded-For` entry with
 * `trustProxyHeaders: true`) and the `User-Agent` header.
 *
 * ```ts
 * @Post('login')
 * login(@Body() dto: LoginDto, @ClientContext() client: ClientContext) {
 *   return this.auth.login({ identifier: dto.username ?? '', password: dto.password }, client);
 * }
 * ```
 */
export const ClientContext = (): ParameterDecorator => HttpRequest(undefined, ClientContextPipe);
