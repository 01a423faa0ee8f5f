import {
  createParamDecorator,
  Injectable,
  type ArgumentMetadata,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import { AuthException } from '../errors/auth.exception.js';
import type { FieldError } from '../errors/problem-details.js';
import { headerValue, type AuthRequest } from '../transport/http.types.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const POISONED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first key path that could rewrite a prototype when the body is copied onto a DTO instance.
 * (`JSON.parse` keeps `"__proto__"` as an own key; class-transformer would assign it as a prototype,
 * which whitelisting never sees.) Depth is bounded by the body size limit.
 */
function poisonedKey(value: unknown, path = ''): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${key}` : key;
    if (POISONED_KEYS.has(key)) return field;
    const nested = poisonedKey((value as Record<string, unknown>)[key], field);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * The request's JSON body as an object: `{}` when the request has no body, `MALFORMED_REQUEST` for
 * another content type or a body that is not a JSON object. Combine with {@link authValidationPipe}.
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
  const poisoned = poisonedKey(body);
  if (poisoned) {
    throw new AuthException('VALIDATION_FAILED', { errors: [{ field: poisoned, message: 'property is not allowed' }] });
  }
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
 * half of its cost: it runs on every login and refresh. Prototype keys were already refused by
 * {@link JsonBody}.
 */
@Injectable()
export class AuthValidationPipe implements PipeTransform<unknown, unknown> {
  transform(value: unknown, { metatype }: ArgumentMetadata): unknown {
    if (typeof metatype !== 'function' || typeof value !== 'object' || value === null) return value;
    const dto = plainToInstance(metatype as ClassConstructor<object>, value, { enableImplicitConversion: false });
    const errors = validateSync(dto, VALIDATOR_OPTIONS);
    if (errors.length > 0) throw new AuthException('VALIDATION_FAILED', { errors: flatten(errors) });
    return dto;
  }
}

/** The one instance the module's controllers use with {@link JsonBody}. */
export const authValidationPipe = new AuthValidationPipe();
