import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, ValidateBy, ValidateIf, type ValidationArguments } from 'class-validator';
import { identifierProblem, normaliseInput, type IdentifierKind } from '../users/identifiers.js';

/**
 * An optional field: it may be ABSENT, never `null`. Used instead of class-validator's `@IsOptional()`,
 * which skips every rule for `null` too and lets `{"username": null}` reach the use case.
 */
export function OptionalField(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/**
 * A username or e-mail field: a string, normalised on the way in (NFKC, trimmed, lower-case; see
 * `normaliseInput`; other types pass through untouched so that `IsString` reports them), then validated as `kind` ON
 * THE NORMALISED VALUE (see `identifierProblem`). The DTO carries the normalised value.
 */
export function IdentifierField(kind: IdentifierKind): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normaliseInput(value) : value)),
    IsString(),
    ValidateBy({
      name: 'isIdentifier',
      constraints: [kind],
      validator: {
        // Non-strings are IsString's to report.
        validate: (value: unknown) => typeof value !== 'string' || identifierProblem(value, kind) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'identifier'} ${identifierProblem(String(args?.value), kind) ?? 'is invalid'}`,
      },
    }),
  );
}
