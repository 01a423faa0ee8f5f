import { parseDurationMs } from '../../../lib/options/duration.js';

describe('parseDurationMs', () => {
  it.each([
    [1, 1_000],
    [900, 900_000],
    [0.5, 500],
    [1.5, 1_500],
  ])('reads the number %p as seconds (%p ms)', (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms);
  });

  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['30', 30_000],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
    ['15 m', 900_000],
    ['  15m  ', 900_000],
  ])('reads %p as %p ms', (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms);
  });

  it('treats a unit-less string as seconds, like a number', () => {
    expect(parseDurationMs('45')).toBe(parseDurationMs(45));
  });

  it('rounds to whole milliseconds', () => {
    expect(parseDurationMs('1.0004s')).toBe(1_000);
    expect(parseDurationMs(1.0006)).toBe(1_001);
  });

  it.each([
    ['zero', 0],
    ['string zero', '0'],
    ['zero with a unit', '0m'],
    ['a negative number', -5],
    ['a negative string', '-5m'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['words', '15 minutes'],
    ['an unknown unit', '15y'],
    ['a doubled unit', '15mm'],
    ['two values', '1h30m'],
    ['an upper-case unit', '15M'],
    ['an empty string', ''],
    ['blanks', '   '],
    ['exponent notation', '1e3'],
    ['a leading dot', '.5s'],
    ['a unit alone', 'm'],
    ['a number with a sign', '+15m'],
    ['a string rounding to 0 ms', '0.0004s'],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an object', { minutes: 15 }],
    ['an array', ['15m']],
    ['a bigint', 15n],
  ])('rejects %s', (_label, input) => {
    expect(parseDurationMs(input)).toBeUndefined();
  });

  it('rejects a string whose milliseconds overflow to Infinity', () => {
    expect(parseDurationMs(`${'9'.repeat(400)}w`)).toBeUndefined();
  });

  // BUG (lib/options/duration.ts): the number path returns Math.round(value * 1000) without checking
  // that the result is still > 0, so a tiny positive number of seconds gives a zero duration, while the
  // same value as a string ('0.0004') is rejected. The doc promises `undefined` for zero.
  // Remove `.failing` once fixed.
  it('rejects a number of seconds that rounds to 0 ms (like the string form)', () => {
    expect(parseDurationMs('0.0004')).toBeUndefined();
    expect(parseDurationMs(0.0004)).toBeUndefined(); // currently 0
  });
});
