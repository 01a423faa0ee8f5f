/**
 * A duration: a number of seconds, or a string such as `'90s'`, `'15m'`, `'24h'`, `'7d'`, `'2w'`.
 */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd' | 'w'}` | `${number}`;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/;

/**
 * Parses a duration (seconds as a number, or `'15m'`-style text; no unit means seconds) into
 * milliseconds. Returns `undefined` for anything else, including zero, negatives and non-finite values.
 */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') {
    const ms = Math.round(value * 1000);
    return Number.isFinite(ms) && ms > 0 ? ms : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 's') as keyof typeof UNIT_MS;
  const ms = Math.round(Number(match[1]) * UNIT_MS[unit]);
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}
