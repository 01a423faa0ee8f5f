import { describe, expect, it } from '@jest/globals';
import { createSecretKey } from 'node:crypto';
import { SecretCipher } from '../../../lib/crypto/secret-cipher.js';

const key = (s: string) => createSecretKey(Buffer.from(s.padEnd(32, '#')));

describe('SecretCipher (TOTP secrets at rest)', () => {
  const cipher = new SecretCipher([key('current')]);

  it('round-trips, with a fresh IV every time', () => {
    const a = cipher.encrypt('JBSWY3DPEHPK3PXP', 'user-1');
    const b = cipher.encrypt('JBSWY3DPEHPK3PXP', 'user-1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(cipher.decrypt(a, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('is bound to its context: another user id does not decrypt it', () => {
    expect(cipher.decrypt(cipher.encrypt('secret', 'user-1'), 'user-2')).toBeUndefined();
  });

  it('refuses tampering and garbage without throwing', () => {
    const box = cipher.encrypt('secret', 'u');
    const parts = box.split('.');
    const flipped = Buffer.from(parts[2], 'base64url');
    flipped[0] ^= 1;
    expect(cipher.decrypt([parts[0], parts[1], flipped.toString('base64url'), parts[3]].join('.'), 'u')).toBeUndefined();
    for (const junk of ['', 'v1', 'v1...', 'v2.a.b.c', `v1.${parts[1]}.${parts[2]}.AAAA`, box.replace('v1', 'v0')]) {
      expect(cipher.decrypt(junk, 'u')).toBeUndefined();
    }
  });

  it('rotation: a box sealed under the old key opens while the old key is listed after the new one', () => {
    const old = new SecretCipher([key('old')]);
    const box = old.encrypt('secret', 'u');
    expect(new SecretCipher([key('new')]).decrypt(box, 'u')).toBeUndefined();
    const rotated = new SecretCipher([key('new'), key('old')]);
    expect(rotated.decrypt(box, 'u')).toBe('secret');
    expect(old.decrypt(rotated.encrypt('secret', 'u'), 'u')).toBeUndefined();
  });

  it('refuses to encrypt without a key', () => {
    expect(() => new SecretCipher([]).encrypt('x', 'u')).toThrow(/mfa\.encryptionKey/);
  });
});
