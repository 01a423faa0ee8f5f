import { describe, expect, it } from '@jest/globals';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { CsrfTokens } from '../../../lib/transport/csrf.js';

const oldKey = createSecretKey(Buffer.alloc(32, 1));
const newKey = generateKeyPairSync('ed25519').privateKey;
const SESSION = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('CsrfTokens', () => {
  it('binds a token to its session: a token of another session never matches', () => {
    const csrf = new CsrfTokens([oldKey]);
    const token = csrf.forSession(SESSION);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf.matches(SESSION, token)).toBe(true);
    expect(csrf.matches('BBBBBBBBBBBBBBBBBBBBBB', token)).toBe(false);
    expect(csrf.matches(SESSION, undefined)).toBe(false);
    expect(csrf.matches(SESSION, `${token}x`)).toBe(false);
  });

  it('after a rotation, makes tokens under the new key and still accepts a live session’s token under the old one', () => {
    const before = new CsrfTokens([oldKey]).forSession(SESSION);
    const rotated = new CsrfTokens([newKey, oldKey]);
    expect(rotated.forSession(SESSION)).not.toBe(before);
    expect(rotated.matches(SESSION, before)).toBe(true);
    expect(rotated.matches(SESSION, rotated.forSession(SESSION))).toBe(true);
    // Once the old key is removed, its tokens are refused.
    expect(new CsrfTokens([newKey]).matches(SESSION, before)).toBe(false);
  });

  it('refuses to be built without a key', () => {
    expect(() => new CsrfTokens([])).toThrow();
  });
});
