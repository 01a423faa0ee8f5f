import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { AuthException } from '../errors/auth.exception.js';
import { HttpPlatformRef } from '../transport/http-platform.js';
import { headerValue, type AuthRequest } from '../transport/http.types.js';
import { isWellFormed } from '../util/text.js';

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;
/** The largest form the token endpoint reads itself (when no body parser ran): credentials are small. */
const MAX_FORM_BYTES = 16 * 1024;

/** A form body: each field's value (a field sent twice is refused, as RFC 6749 §3.2 requires). */
export type FormFields = Readonly<Record<string, string>>;

/** The request itself, for {@link FormBodyPipe}. */
const HttpRequest = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthRequest =>
  ctx.switchToHttp().getRequest<AuthRequest>(),
);

/** Reads the form of {@link FormBody} (the body stream through the HTTP platform picked at start-up). */
@Injectable()
export class FormBodyPipe implements PipeTransform<AuthRequest, Promise<FormFields>> {
  constructor(private readonly http: HttpPlatformRef) {}

  async transform(req: AuthRequest): Promise<FormFields> {
    if (!FORM_TYPE.test(headerValue(req, 'content-type') ?? '')) {
      throw new AuthException('MALFORMED_REQUEST', { detail: 'Expected a form body (Content-Type: application/x-www-form-urlencoded).' });
    }
    const parsed = req.body;
    if (typeof parsed === 'object' && parsed !== null && !Buffer.isBuffer(parsed)) return fields(Object.entries(parsed));
    if (typeof parsed === 'string' || Buffer.isBuffer(parsed)) return fields(new URLSearchParams(parsed.toString()).entries());
    const stream = this.http.platform.bodyStream(req);
    if (stream.readableEnded) return {};
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) throw new AuthException('PAYLOAD_TOO_LARGE');
      chunks.push(chunk);
    }
    return fields(new URLSearchParams(Buffer.concat(chunks).toString('utf8')).entries());
  }
}

/**
 * The request's `application/x-www-form-urlencoded` body as string fields. Works whether or not the
 * host app parsed it already (Express's urlencoded parser, Nest's Fastify parser, `@fastify/formbody`,
 * or none: the body is then read here with a 16 KiB limit and parsed by `URLSearchParams`). Another
 * content type is `MALFORMED_REQUEST`; a field sent twice, a nested value (`a[b]=c` under the
 * `extended` parser) or text that is not well-formed UTF-16 (a lone surrogate, which a host app's
 * parser may let through) is `VALIDATION_FAILED`.
 */
export const FormBody = (): ParameterDecorator => HttpRequest(undefined, FormBodyPipe);

function fields(entries: Iterable<[string, unknown]>): FormFields {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || key in out) {
      throw new AuthException('VALIDATION_FAILED', { errors: [{ field: key, message: 'must be sent once, as text' }] });
    }
    if (!isWellFormed(key) || !isWellFormed(value)) {
      throw new AuthException('VALIDATION_FAILED', { errors: [{ field: key, message: 'must be well-formed Unicode text' }] });
    }
    out[key] = value;
  }
  return out;
}
