import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { constantTimeEqual, randomBytesFromPool, randomToken, sha256 } from '../../../lib/crypto/secrets.js';

describe('randomBytesFromPool', () => {
  it('returns exactly the bytes asked for, also across pool refills and beyond the pool size', () => {
    for (const n of [1, 12, 16, 32, 4095, 4096, 4097, 10_000]) expect(randomBytesFromPool(n)).toHaveLength(n);
  });

  it('never hands out the same bytes twice (30,000 draws of 32 bytes, about 230 pool refills)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30_000; i++) seen.add(randomBytesFromPool(32).toString('hex'));
    expect(seen.size).toBe(30_000);
  });

  it('gives consecutive draws that do not overlap (bytes are consumed, not re-read)', () => {
    // A pool that re-read its buffer would return a shifted copy: the tail of one draw would start
    // the next. Compare every 8-byte window of a draw with the following draw.
    for (let i = 0; i < 2_000; i++) {
      const a = Buffer.from(randomBytesFromPool(24));
      const b = Buffer.from(randomBytesFromPool(24));
      for (let k = 0; k + 8 <= 24; k++) expect(b.includes(a.subarray(k, k + 8))).toBe(false);
    }
  });

  it('is roughly uniform (each byte value about 1/256 of 1 MiB)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 256; i++) for (const byte of randomBytesFromPool(4096)) counts[byte]++;
    const expected = (256 * 4096) / 256;
    for (const c of counts) expect(Math.abs(c - expected)).toBeLessThan(expected * 0.1);
  });
});

describe('randomToken / sha256 / constantTimeEqual', () => {
  it('randomToken is base64url of the asked number of bytes', () => {
    expect(randomToken(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('sha256 is the base64url SHA-256 of the UTF-8 text', () => {
    for (const value of ['', 'abc', 'tökén.ünïcode']) {
      expect(sha256(value)).toBe(createHash('sha256').update(value, 'utf8').digest('base64url'));
    }
  });

  it('constantTimeEqual compares content and length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
