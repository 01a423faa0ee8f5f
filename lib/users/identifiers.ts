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

/**
 * The longest input that is normalised at all. NFKC can make a string 18 times longer (U+FDFA), so a
 * 1 MB body would cost ~100 ms of CPU to normalise; longer input stays as sent and fails the length
 * check (every limit is far below this one).
 */
export const IDENTIFIER_INPUT_MAX = 1024;

/** Normalises a username or e-mail for storage and look-up: NFKC, trimmed, lower-case. */
export function normaliseIdentifier(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}

/**
 * {@link normaliseIdentifier} for untrusted input: a string longer than
 * {@link IDENTIFIER_INPUT_MAX} is returned as it is (too long whatever it normalises to).
 */
export function normaliseInput(value: string): string {
  return value.length > IDENTIFIER_INPUT_MAX ? value : normaliseIdentifier(value);
}

/**
 * Why a normalised identifier is not acceptable as `kind`, or `undefined` when it is. Every limit
 * applies to the normalised value, the one that is stored and looked up: NFKC can make a string
 * 18 times longer (U+FDFA) or turn a full-width `＠` into a second `@`.
 */
export function identifierProblem(normalised: string, kind: IdentifierKind): string | undefined {
  const { min, max } = IDENTIFIER_LIMITS[kind];
  if (normalised.length < min || normalised.length > max) return `must be ${min} to ${max} characters once normalised`;
  if (!isWellFormed(normalised)) return 'must be well-formed Unicode text';
  if (hasControlCharacter(normalised)) return 'must not contain control characters';
  if (kind === 'username' && !USERNAME.test(normalised)) return 'may contain letters, digits, dot, dash and underscore only';
  if (kind === 'email' && !isEmail(normalised)) return 'must be an e-mail address';
  return undefined;
}

/**
 * Normalises an identifier (see {@link normaliseInput}), then validates the normalised value
 * (see {@link identifierProblem}). Every entry point that stores or looks up a username or e-mail
 * goes through this function.
 *
 * @param field the request field named in the error
 * @throws AuthException `VALIDATION_FAILED` with `errors: [{ field, message }]`
 */
export function parseIdentifier(value: string, field: string, kind: IdentifierKind): string {
  const normalised = typeof value === 'string' ? normaliseInput(value) : value;
  const problem = typeof normalised === 'string' ? identifierProblem(normalised, kind) : 'must be a string';
  if (problem !== undefined) throw new AuthException('VALIDATION_FAILED', { errors: [{ field, message: problem }] });
  return normalised;
}
