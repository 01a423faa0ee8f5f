import { describe, expect, it } from '@jest/globals';
import { createSecretKey } from 'node:crypto';
import { OneTimeCodes, RecoveryCodes } from '../../../lib/mfa/verification-codes.js';

describe('OneTimeCodes', () => {
  const codes = new OneTimeCodes([createSecretKey(Buffer.alloc(32, 7))], 6);

  it('makes codes of exactly the configured digits, spread over every digit', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = codes.generate();
      expect(code).toMatch(/^[0-9]{6}$/);
      for (const c of code) seen.add(c);
    }
    expect(seen.size).toBe(10);
    expect(new OneTimeCodes([createSecretKey(Buffer.alloc(32))], 8).generate()).toMatch(/^[0-9]{8}$/);
  });

  it('accepts only the exact shape', () => {
    expect(codes.isWellFormed('012345')).toBe(true);
    for (const bad of ['12345', '1234567', ' 12345', '12 345', '１２３４５６', '12345a', '']) expect(codes.isWellFormed(bad)).toBe(false);
  });

  it('hashes with a key, bound to user, pending login and method', () => {
    const h = codes.hash('u', 'p', 'email', '123456');
    expect(h).toMatch(/^[\w-]{43}$/);
    expect(codes.hash('u', 'p', 'email', '123456')).toBe(h);
    expect(codes.hash('v', 'p', 'email', '123456')).not.toBe(h);
    expect(codes.hash('u', 'q', 'email', '123456')).not.toBe(h);
    expect(codes.hash('u', 'p', 'sms', '123456')).not.toBe(h);
    expect(new OneTimeCodes([createSecretKey(Buffer.alloc(32, 8))], 6).hash('u', 'p', 'email', '123456')).not.toBe(h);
  });

  it('after a rotation, hashes new codes under the new key and still matches a code hashed under the old one', () => {
    const oldKey = createSecretKey(Buffer.alloc(32, 7));
    const newKey = createSecretKey(Buffer.alloc(32, 9));
    const stored = codes.hash('u', 'p', 'email', '123456');
    const rotated = new OneTimeCodes([newKey, oldKey], 6);
    expect(rotated.hash('u', 'p', 'email', '123456')).not.toBe(stored);
    expect(rotated.hashes('u', 'p', 'email', '123456')).toEqual([rotated.hash('u', 'p', 'email', '123456'), stored]);
    expect(new OneTimeCodes([newKey], 6).hashes('u', 'p', 'email', '123456')).not.toContain(stored);
  });
});

describe('RecoveryCodes', () => {
  it('makes distinct xxxx-xxxx-xxxx codes without look-alike characters', () => {
    const list = RecoveryCodes.generate(10);
    expect(new Set(list).size).toBe(10);
    for (const code of list) expect(code).toMatch(/^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$/);
  });

  it('normalises case, dashes and spaces; refuses anything else', () => {
    expect(RecoveryCodes.normalise('ABCD-EFGH-JKMN')).toBe('abcdefghjkmn');
    expect(RecoveryCodes.normalise(' abcd efgh jkmn ')).toBe('abcdefghjkmn');
    for (const bad of ['abcd-efgh-jkm', 'abcd-efgh-jkmno', 'abcd-efgh-jkm1', 'abcd-efgh-jkmO', 'x'.repeat(100)]) {
      expect(RecoveryCodes.normalise(bad)).toBeUndefined();
    }
  });

  it('hashes per user', () => {
    expect(RecoveryCodes.hash('u', 'abcdefghjkmn')).not.toBe(RecoveryCodes.hash('v', 'abcdefghjkmn'));
  });
});
