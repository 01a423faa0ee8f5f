import { open, seal } from '../../../lib/crypto/sealed-box.js';

const SECRET = 'kQ3v9xN2pL7sR4tY8wZ1bC5dF6gH0jKm';
const OTHER = 'kQ3v9xN2pL7sR4tY8wZ1bC5dF6gH0jKn';

/** Flips one bit of the decoded box at `index` (negative: from the end). */
function flip(box: string, index: number): string {
  const raw = Buffer.from(box, 'base64url');
  const i = index < 0 ? raw.length + index : index;
  raw[i] ^= 0x01;
  return raw.toString('base64url');
}

describe('sealed box', () => {
  it.each([
    ['ASCII text', 'successor: abc.def'],
    ['JSON', JSON.stringify({ accessToken: 'a.b.c', refreshToken: 'x'.repeat(66) })],
    ['Unicode text', 'Zürich — 東京 — 🔐'],
    ['an empty string', ''],
    ['a long text', 'z'.repeat(100_000)],
  ])('round-trips %s', (_label, text) => {
    expect(open(SECRET, seal(SECRET, text))).toBe(text);
  });

  it('produces base64url text that does not contain the plaintext', () => {
    const box = seal(SECRET, 'very-secret-refresh-token');
    expect(box).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(box).not.toContain('very-secret');
    expect(Buffer.from(box, 'base64url').toString('latin1')).not.toContain('very-secret');
    // 12-byte IV + 16-byte tag + ciphertext as long as the plaintext (GCM is a stream mode).
    expect(Buffer.from(box, 'base64url').length).toBe(12 + 16 + 'very-secret-refresh-token'.length);
  });

  it('two seals of the same text differ (random IV), and both open', () => {
    const a = seal(SECRET, 'same text');
    const b = seal(SECRET, 'same text');
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url').subarray(0, 12)).not.toEqual(Buffer.from(b, 'base64url').subarray(0, 12));
    expect(open(SECRET, a)).toBe('same text');
    expect(open(SECRET, b)).toBe('same text');
  });

  it('uses a fresh IV for each of 1000 seals', () => {
    const ivs = new Set(Array.from({ length: 1000 }, () => Buffer.from(seal(SECRET, 'x'), 'base64url').subarray(0, 12).toString('hex')));
    expect(ivs.size).toBe(1000);
  });

  it('a wrong secret → undefined', () => {
    const box = seal(SECRET, 'hello');
    expect(open(OTHER, box)).toBeUndefined();
    expect(open('', box)).toBeUndefined();
    expect(open(`${SECRET} `, box)).toBeUndefined();
  });

  it.each([
    ['the IV', 0],
    ['the last IV byte', 11],
    ['the tag', 12],
    ['the last tag byte', 27],
    ['the ciphertext', 28],
    ['the last ciphertext byte', -1],
  ])('a tampered box (bit flipped in %s) → undefined', (_label, index) => {
    const box = seal(SECRET, 'hello, world');
    expect(open(SECRET, box)).toBe('hello, world'); // control
    expect(open(SECRET, flip(box, index))).toBeUndefined();
  });

  it('a truncated or extended box → undefined', () => {
    const box = seal(SECRET, 'hello, world');
    const raw = Buffer.from(box, 'base64url');
    expect(open(SECRET, raw.subarray(0, raw.length - 1).toString('base64url'))).toBeUndefined();
    expect(open(SECRET, Buffer.concat([raw, Buffer.from([0])]).toString('base64url'))).toBeUndefined();
    expect(open(SECRET, raw.subarray(0, 28).toString('base64url'))).toBeUndefined();
  });

  it('swapping the ciphertexts of two boxes → undefined', () => {
    const a = Buffer.from(seal(SECRET, 'aaaaaaaa'), 'base64url');
    const b = Buffer.from(seal(SECRET, 'bbbbbbbb'), 'base64url');
    const spliced = Buffer.concat([a.subarray(0, 28), b.subarray(28)]);
    expect(open(SECRET, spliced.toString('base64url'))).toBeUndefined();
  });

  it.each([
    ['an empty box', ''],
    ['a too-short box', 'AAAA'],
    ['27 bytes', Buffer.alloc(27).toString('base64url')],
    ['28 zero bytes', Buffer.alloc(28).toString('base64url')],
    ['not base64url', '!!!!'.repeat(20)],
  ])('malformed input (%s) → undefined, never a throw', (_label, box) => {
    expect(() => open(SECRET, box)).not.toThrow();
    expect(open(SECRET, box)).toBeUndefined();
  });
});
