import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, ValidateBy, ValidateIf, type ValidationArguments } from 'class-validator';
import { DELIVERED_MFA_METHODS, MFA_METHODS, RECOVERY_METHOD } from '../mfa/mfa-methods.js';
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

/** Which request field an {@link MfaMethodField} is: the methods each one accepts differ. */
export type MfaMethodFieldKind = 'verify' | 'send' | 'disable';

/** The built-in methods each field accepts (today's `@IsIn` lists, derived from `MFA_METHODS`). */
export const BUILT_IN_MFA_FIELD_METHODS: Readonly<Record<MfaMethodFieldKind, readonly string[]>> = {
  verify: [...MFA_METHODS, RECOVERY_METHOD],
  send: DELIVERED_MFA_METHODS,
  disable: MFA_METHODS,
};

/** Custom factor names a validation pipe allowed for one DTO instance (see {@link allowMfaMethods}). */
const customMethods = new WeakMap<object, Readonly<Record<MfaMethodFieldKind, readonly string[]>>>();

/**
 * Lets the {@link MfaMethodField}s of `dto` (a DTO instance about to be validated) also accept these
 * custom factor names: the module's MFA validation pipe calls it with the configured factors.
 */
export function allowMfaMethods(dto: object, names: Readonly<Record<MfaMethodFieldKind, readonly string[]>>): void {
  customMethods.set(dto, names);
}

function acceptedMethods(kind: MfaMethodFieldKind, dto: object | undefined): readonly string[] {
  const custom = dto === undefined ? undefined : customMethods.get(dto)?.[kind];
  return custom === undefined || custom.length === 0 ? BUILT_IN_MFA_FIELD_METHODS[kind] : [...BUILT_IN_MFA_FIELD_METHODS[kind], ...custom];
}

/**
 * A `method` field of an MFA request: one of the built-in methods of {@link BUILT_IN_MFA_FIELD_METHODS}
 * (as `@IsIn` would check, with the same message), or a custom factor's name when the module's MFA
 * pipe allowed it for this request ({@link allowMfaMethods}).
 */
export function MfaMethodField(kind: MfaMethodFieldKind): PropertyDecorator {
  return ValidateBy({
    name: 'isIn',
    constraints: [BUILT_IN_MFA_FIELD_METHODS[kind]],
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        typeof value === 'string' && acceptedMethods(kind, args?.object).includes(value),
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'method'} must be one of the following values: ${acceptedMethods(kind, args?.object).join(', ')}`,
    },
  });
}
