import { describe, expect, it, jest } from '@jest/globals';
import { AuthException } from '../../../lib/errors/auth.exception.js';
import { IDENTIFIER_INPUT_MAX, normaliseIdentifier, parseIdentifier } from '../../../lib/users/identifiers.js';

function problem(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error instanceof AuthException ? { code: error.code, errors: error.problem.errors } : error;
  }
  return undefined;
}

describe('parseIdentifier: normalise first, then validate the normalised value', () => {
  it('returns the normalised value (NFKC, trimmed, lower-case)', () => {
    expect(parseIdentifier('  ＥｍｉｌｙＳ ', 'username', 'username')).toBe('emilys');
    expect(parseIdentifier('Emily.Johnson@Example.COM', 'email', 'email')).toBe('emily.johnson@example.com');
    expect(parseIdentifier('Someone@Example.com', 'username', 'login')).toBe('someone@example.com');
  });

  it('refuses NUL and other C0/C1 control characters', () => {
    for (const value of ['emi\u0000lys', 'emilys\u0007', 'emi\u007Flys', 'emi\u0085lys', 'emi\u009Flys']) {
      for (const kind of ['username', 'email', 'login'] as const) {
        expect(problem(() => parseIdentifier(value, 'f', kind))).toEqual({
          code: 'VALIDATION_FAILED',
          errors: [{ field: 'f', message: 'must not contain control characters' }],
        });
      }
    }
  });

  it('refuses lone surrogates (before IsEmail could throw URIError)', () => {
    expect(problem(() => parseIdentifier('\uD800@example.com', 'email', 'email'))).toEqual({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'email', message: 'must be well-formed Unicode text' }],
    });
    expect(parseIdentifier('\u{1F600}x', 'username', 'login')).toBe('\u{1F600}x');
  });

  it('checks lengths on the normalised value: 21 × U+FDFA is 378 characters', () => {
    const grows = '\uFDFA'.repeat(21);
    expect(grows.length).toBe(21);
    expect(problem(() => parseIdentifier(`${grows}@example.com`, 'email', 'email'))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(problem(() => parseIdentifier(grows, 'username', 'login'))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(parseIdentifier('\uFDFA'.repeat(14), 'username', 'login')).toHaveLength(252);
    // Whitespace that trims away leaves nothing.
    expect(problem(() => parseIdentifier(' \u00A0\u3000 ', 'username', 'login'))).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('does not normalise input longer than IDENTIFIER_INPUT_MAX (NFKC makes U+FDFA 18 times longer)', () => {
    const normalize = jest.spyOn(String.prototype, 'normalize');
    try {
      expect(problem(() => parseIdentifier('\uFDFA'.repeat(IDENTIFIER_INPUT_MAX + 1), 'username', 'login'))).toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect(normalize).not.toHaveBeenCalled();
    } finally {
      normalize.mockRestore();
    }
  });

  it('checks the e-mail syntax on the normalised value: a full-width @ becomes a second @', () => {
    expect(problem(() => parseIdentifier('x\uFF20evil.example@example.com', 'email', 'email'))).toEqual({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'email', message: 'must be an e-mail address' }],
    });
  });

  it('usernames: 3 to 32 of a-z 0-9 . _ - once normalised', () => {
    expect(parseIdentifier('ＡＢＣ', 'username', 'username')).toBe('abc');
    for (const bad of ['ab', 'a'.repeat(33), 'émile', 'a b', 'a@b']) {
      expect(problem(() => parseIdentifier(bad, 'username', 'username'))).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });

  it('refuses a value that is not a string (callers of the public API in plain JavaScript)', () => {
    expect(problem(() => parseIdentifier(null as unknown as string, 'username', 'login'))).toEqual({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'username', message: 'must be a string' }],
    });
  });

  it('normalising twice changes nothing (the DTO and the service both normalise)', () => {
    let seed = 12345;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const value = String.fromCodePoint(
        ...Array.from({ length: 4 }, () => {
          const cp = Math.floor(random() * 0x30000);
          return cp >= 0xd800 && cp <= 0xdfff ? 0x41 : cp;
        }),
      );
      const once = normaliseIdentifier(value);
      expect(normaliseIdentifier(once)).toBe(once);
    }
  });
});
