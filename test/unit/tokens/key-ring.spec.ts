import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { type AuthConfigError } from '../../../lib/errors/auth-config.error.js';
import type { JwtKeyOptions } from '../../../lib/options/auth-module-options.interface.js';
import { resolveAuthOptions } from '../../../lib/options/resolve-options.js';
import { MemoryUserStore } from '../../../lib/stores/memory/memory-user.store.js';
import { AccessTokenService } from '../../../lib/tokens/access-token.service.js';
import { JwtKeyRing } from '../../../lib/tokens/jwt-key-ring.js';
import { TestClock } from '../../fixtures/test-clock.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ed = (): JwtKeyOptions['privateKey'] => generateKeyPairSync('ed25519').privateKey;

/** A schedule of three keys, activating at `start`, `start + 10 days` and `start + 20 days`. */
function schedule(start: number): JwtKeyOptions[] {
  return [
    { kid: 'k2', algorithm: 'EdDSA', privateKey: ed(), activateAt: new Date(start + 10 * DAY) },
    { kid: 'k1', algorithm: 'EdDSA', privateKey: ed(), activateAt: new Date(start).toISOString() },
    { kid: 'k3', algorithm: 'HS256', secret: 'the-third-key-secret-of-32-bytes-at-least', activateAt: start + 20 * DAY },
  ];
}

function ringOf(keys: JwtKeyOptions[], clock: TestClock): { ring: JwtKeyRing; tokens: AccessTokenService } {
  const options = resolveAuthOptions({ jwt: { keys }, userStore: new MemoryUserStore() });
  const ring = JwtKeyRing.fixed(options, clock);
  return { ring, tokens: new AccessTokenService(options, clock, ring) };
}

const statuses = (ring: JwtKeyRing): Record<string, string> => Object.fromEntries(ring.describe().map((key) => [key.kid, key.status]));
const kidOf = (token: string): unknown =>
  (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { kid: unknown }).kid;

describe('JwtKeyRing: a scheduled rotation (activateAt on every key)', () => {
  it('signs with the latest key whose time has come; later keys are standby; a retired key verifies until maxAccessTokenTtl after its successor took over', () => {
    const clock = new TestClock();
    const start = clock.now() - DAY;
    const { ring, tokens } = ringOf(schedule(start), clock);
    expect(statuses(ring)).toEqual({ k1: 'active', k2: 'standby', k3: 'standby' });
    const subject = { userId: 'u1', sessionId: 's'.repeat(22), roles: ['user'] };
    const first = tokens.sign(subject).token;
    expect(kidOf(first)).toBe('k1');

    // A token k1 signs a second before k2's time comes.
    clock.advance(9 * DAY - 1000);
    const lastOfK1 = tokens.sign(subject, 3600).token;
    expect(kidOf(lastOfK1)).toBe('k1');
    // k2's time comes: every instance switches at the same instant, with no deployment.
    clock.advance(1000);
    expect(ring.activeKid()).toBe('k2');
    expect(statuses(ring)).toEqual({ k1: 'retired', k2: 'active', k3: 'standby' });
    expect(kidOf(tokens.sign(subject).token)).toBe('k2');
    // k1's last token still verifies while k1 is retired.
    clock.advance(30 * 60_000);
    expect(tokens.verify(lastOfK1).id).toBe('u1');
    expect(kidOf(first)).toBe('k1');

    // maxAccessTokenTtl (1 h) after k2 took over, k1 drops out: nothing it signed can still be valid.
    clock.advance(HOUR - 30 * 60_000);
    expect(statuses(ring)).toEqual({ k2: 'active', k3: 'standby' });
    expect(ring.describe().find((key) => key.kid === 'k2')?.activateAt).toEqual(new Date(start + 10 * DAY));

    clock.advance(10 * DAY - HOUR); // start + 20 days
    expect(statuses(ring)).toEqual({ k2: 'retired', k3: 'active' });
    expect(kidOf(tokens.sign(subject).token)).toBe('k3');
  });

  it('the generation changes at each transition only (token services rebuild then, and otherwise pay one comparison)', () => {
    const clock = new TestClock();
    const { ring } = ringOf(schedule(clock.now() - DAY), clock);
    const generation = ring.current().generation;
    clock.advance(DAY);
    expect(ring.current().generation).toBe(generation);
    clock.advance(8 * DAY);
    expect(ring.current().generation).toBe(generation + 1);
  });

  it('refuses a schedule whose first key is still ahead (no key would sign)', () => {
    const clock = new TestClock();
    expect(() => ringOf(schedule(clock.now() + DAY), clock)).toThrow(/no key signs yet: the earliest activateAt is/);
  });

  it('refuses a mixed set, activateAt with status, a malformed date and a scheduled key without its private key, each with its path', () => {
    const problems = (keys: unknown[]): readonly string[] => {
      try {
        resolveAuthOptions({ jwt: { keys: keys as JwtKeyOptions[] }, userStore: new MemoryUserStore() });
      } catch (error) {
        return (error as AuthConfigError).problems;
      }
      throw new Error('expected an AuthConfigError');
    };
    const pair = generateKeyPairSync('ed25519');
    expect(
      problems([
        { kid: 'a', algorithm: 'EdDSA', privateKey: pair.privateKey, activateAt: 0 },
        { kid: 'b', algorithm: 'EdDSA', privateKey: ed() },
      ]),
    ).toEqual(['jwt.keys: either every key has activateAt (a schedule) or none does (1 of 2 have one)']);
    expect(problems([{ kid: 'a', algorithm: 'EdDSA', privateKey: pair.privateKey, activateAt: 0, status: 'active' }])).toEqual([
      'jwt.keys[0].status: cannot be combined with activateAt (the schedule decides the status)',
    ]);
    for (const bad of ['yesterday', '2026-13-01', '2026-01-01', -5, 1.5, {}]) {
      expect(problems([{ kid: 'a', algorithm: 'EdDSA', privateKey: pair.privateKey, activateAt: bad }])).toEqual([
        'jwt.keys[0].activateAt: must be a Date, an ISO 8601 date-time string or epoch milliseconds',
      ]);
    }
    expect(problems([{ kid: 'a', algorithm: 'EdDSA', publicKey: pair.publicKey, activateAt: 0 }])).toEqual([
      expect.stringMatching(/^jwt\.keys\[0\]\.privateKey: /),
    ]);
  });
});
