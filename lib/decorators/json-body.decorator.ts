import { createParamDecorator, Injectable, type ArgumentMetadata, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import { AuthException } from '../errors/auth.exception.js';
import type { FieldError } from '../errors/problem-details.js';
import { headerValue, type AuthRequest } from '../transport/http.types.js';
import { isWellFormed } from '../util/text.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const POISONED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The deepest nesting a JSON body may have (the module's DTOs are flat: 1 level). */
export const JSON_BODY_MAX_DEPTH = 32;
/** The most values (objects, arrays, strings, numbers, …) a JSON body may hold. */
export const JSON_BODY_MAX_VALUES = 10_000;

const WELL_FORMED = 'must be well-formed Unicode text';

/**
 * One iterative walk over a parsed JSON body, before class-transformer and class-validator (both
 * recursive) see it:
 * - more than {@link JSON_BODY_MAX_DEPTH} levels or {@link JSON_BODY_MAX_VALUES} values →
 *   `MALFORMED_REQUEST` (a structural problem of the document, not of a field; it also keeps the
 *   work on a 1 MB body small and the stack flat);
 * - a key that could rewrite a prototype when the body is copied onto a DTO instance (`JSON.parse`
 *   keeps `"__proto__"` as an own key; class-transformer would assign it as a prototype, which
 *   whitelisting never sees) → `VALIDATION_FAILED` naming the key path;
 * - a key or string that is not well-formed UTF-16 (a lone surrogate: `\ud800` is valid JSON) →
 *   `VALIDATION_FAILED` naming the path.
 *
 * Paths are only built for nested containers and errors, so a flat login body costs a few checks.
 */
function checkJsonBody(body: object): void {
  const stack: { value: object; path: string; depth: number }[] = [{ value: body, path: '', depth: 1 }];
  let values = 1;
  let entry;
  while ((entry = stack.pop()) !== undefined) {
    const { value, path, depth } = entry;
    const isArray = Array.isArray(value);
    const keys = isArray ? undefined : Object.keys(value);
    const length = isArray ? value.length : (keys as string[]).length;
    values += length;
    if (values > JSON_BODY_MAX_VALUES) tooComplex();
    for (let i = 0; i < length; i++) {
      const key = isArray ? undefined : (keys as string[])[i];
      const child: unknown = isArray ? (value as unknown[])[i] : (value as Record<string, unknown>)[key as string];
      if (key !== undefined && (POISONED_KEYS.has(key) || !isWellFormed(key))) {
        fieldError(join(path, key), POISONED_KEYS.has(key) ? 'property is not allowed' : WELL_FORMED);
      }
      if (typeof child === 'string') {
        if (!isWellFormed(child)) fieldError(join(path, key ?? String(i)), WELL_FORMED);
      } else if (typeof child === 'object' && child !== null) {
        if (depth >= JSON_BODY_MAX_DEPTH) tooComplex();
        stack.push({ value: child, path: join(path, key ?? String(i)), depth: depth + 1 });
      }
    }
  }
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

function fieldError(field: string, message: string): never {
  throw new AuthException('VALIDATION_FAILED', { errors: [{ field, message }] });
}

function tooComplex(): never {
  throw new AuthException('MALFORMED_REQUEST', {
    detail: `The JSON body is too complex (at most ${JSON_BODY_MAX_DEPTH} levels deep and ${JSON_BODY_MAX_VALUES} values).`,
  });
}

/**
 * The request's JSON body as an object: `{}` when the request has no body, `MALFORMED_REQUEST` for
 * another content type, a body that is not a JSON object or one too deep or too large to walk
 * cheaply; `VALIDATION_FAILED` for prototype keys and strings that are not well-formed UTF-16 (see
 * {@link checkJsonBody}). Combine with {@link authValidationPipe}.
 */
export const JsonBody = createParamDecorator((_data: unknown, ctx: ExecutionContext): object => {
  const req = ctx.switchToHttp().getRequest<AuthRequest>();
  const length = headerValue(req, 'content-length');
  const chunked = headerValue(req, 'transfer-encoding') !== undefined;
  if (!chunked && (length === undefined || length === '0')) return {};
  if (!JSON_TYPE.test(headerValue(req, 'content-type') ?? '')) {
    throw new AuthException('MALFORMED_REQUEST', { detail: 'Expected a JSON body (Content-Type: application/json).' });
  }
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AuthException('MALFORMED_REQUEST', { detail: 'The JSON body must be an object.' });
  }
  checkJsonBody(body);
  return body;
});

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** How the module validates a DTO: whitelist, unknown fields refused, every error reported. */
const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: false,
};

/**
 * The module's validation pipe: the body becomes an instance of the parameter's DTO class
 * (class-transformer, no implicit conversion: a number where a string belongs is an error, and so is
 * `{"$ne": null}`), checked by class-validator with whitelisting and unknown fields refused; errors
 * become `VALIDATION_FAILED` with one entry per broken rule.
 *
 * It does what `new ValidationPipe({ whitelist, forbidNonWhitelisted, forbidUnknownValues, transform })`
 * does for these DTOs, synchronously (`validateSync`: the module's DTOs have no async rules) and at
 * half of its cost: it runs on every login and refresh. Prototype keys, lone surrogates and bodies
 * too deep or too large were already refused by {@link JsonBody}.
 */
@Injectable()
export class AuthValidationPipe implements PipeTransform<unknown, unknown> {
  transform(value: unknown, { metatype }: ArgumentMetadata): unknown {
    if (typeof metatype !== 'function' || typeof value !== 'object' || value === null) return value;
    const dto = plainToInstance(metatype as ClassConstructor<object>, value, { enableImplicitConversion: false });
    this.beforeValidate(dto);
    const errors = validateSync(dto, VALIDATOR_OPTIONS);
    if (errors.length > 0) throw new AuthException('VALIDATION_FAILED', { errors: flatten(errors) });
    return dto;
  }

  /** A hook for subclasses: runs on the DTO instance before it is validated. */
  protected beforeValidate(_dto: object): void {}
}

/** The one instance the module's controllers use with {@link JsonBody}. */
export const authValidationPipe = new AuthValidationPipe();
