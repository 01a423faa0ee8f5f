import { isEmail } from 'class-validator';
import { AuthException } from '../errors/auth.exception.js';
import { hasControlCharacter, isWellFormed } from '../util/text.js';

/**
 * What an identifier is for:
 * - `'username'`: a new account's username: 3 to 32 of `a-z 0-9 . _ -` once normalised;
 * - `'email'`: a new account's e-mail: a valid address of at most 254 characters once normalised;
 * - `'login'`: a username or e-mail to look up: 1 to 254 characters once normalised.
 */
export type IdentifierKind = 'username' | 'email' | 'login';

/** Length limits on the NORMALISED value (the user columns are `varchar(255)`). */
export const IDENTIFIER_LIMITS: Readonly<Record<IdentifierKind, { min: number; max: number }>> = {
  username: { min: 3, max: 32 },
  email: { min: 3, max: 254 },
  login: { min: 1, max: 254 },
};

const USERNAME = /^[a-z0-9._-]+$/;

/** Normalises a username or e-mail for storage and look-up: NFKC, trimmed, lower-case. */
export function normaliseIdentifier(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}

/**
 * Why a normalised identifier is not acceptable as `kind`, or `undefined` when it is. Every limit
 * applies to the normalised value, the one that is stored and looked up: NFKC can make a string
 * 18 times longer (U+FDFA) or turn a full-width `＠` into a second `@`.
 */
export function identifierProblem(normalised: string, kind: IdentifierKind): string | undefined {
  if (!isWellFormed(normalised)) return 'must be well-formed Unicode text';
  if (hasControlCharacter(normalised)) return 'must not contain control characters';
  const { min, max } = IDENTIFIER_LIMITS[kind];
  if (normalised.length < min || normalised.length > max) return `must be ${min} to ${max} characters once normalised`;
  if (kind === 'username' && !USERNAME.test(normalised)) return 'may contain letters, digits, dot, dash and underscore only';
  if (kind === 'email' && !isEmail(normalised)) return 'must be an e-mail address';
  return undefined;
}

/**
 * Normalises an identifier (see {@link normaliseIdentifier}), then validates the normalised value
 * (see {@link identifierProblem}). Every entry point that stores or looks up a username or e-mail
 * goes through this function.
 *
 * @param field the request field named in the error
 * @throws AuthException `VALIDATION_FAILED` with `errors: [{ field, message }]`
 */
export function parseIdentifier(value: string, field: string, kind: IdentifierKind): string {
  const normalised = typeof value === 'string' ? normaliseIdentifier(value) : value;
  const problem = typeof normalised === 'string' ? identifierProblem(normalised, kind) : 'must be a string';
  if (problem !== undefined) throw new AuthException('VALIDATION_FAILED', { errors: [{ field, message: problem }] });
  return normalised;
}
