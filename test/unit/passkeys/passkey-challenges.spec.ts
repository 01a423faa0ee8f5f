import { createSecretKey, randomBytes } from 'node:crypto';
import { generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { PasskeyChallenges } from '../../../lib/passkeys/passkey-challenges.js';
import { SoftAuthenticator } from '../../fixtures/soft-authenticator.js';

const key = (): ReturnType<typeof createSecretKey> => createSecretKey(randomBytes(32));
const NOW = 1_750_000_000_000;

describe('PasskeyChallenges', () => {
  const secret = key();
  const challenges = new PasskeyChallenges([secret]);

  it('opens a challenge it issued for the same ceremony and binding, before it expires', () => {
    const challenge = challenges.issue('register', 'u-1\nsession-1', NOW + 300_000);
    const opened = challenges.open(challenge, 'register', 'u-1\nsession-1', NOW);
    expect(opened).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), expiresAt: NOW + 300_000 });
    // 16 random bytes: two challenges never share an id.
    expect(challenges.open(challenges.issue('register', 'u-1\nsession-1', NOW + 300_000), 'register', 'u-1\nsession-1', NOW)?.id).not.toBe(
      opened?.id,
    );
  });

  it('challenge transplant: refuses a challenge of another ceremony, user, session or pending login', () => {
    const challenge = challenges.issue('register', 'u-1\nsession-1', NOW + 300_000);
    expect(challenges.open(challenge, 'login', 'u-1\nsession-1', NOW)).toBeNull();
    expect(challenges.open(challenge, 'register', 'u-2\nsession-1', NOW)).toBeNull();
    expect(challenges.open(challenge, 'register', 'u-1\nsession-2', NOW)).toBeNull();
    const mfa = challenges.issue('mfa', 'pending-1', NOW + 300_000);
    expect(challenges.open(mfa, 'mfa', 'pending-2', NOW)).toBeNull();
  });

  it('expired challenge: refused from its expiry on', () => {
    const challenge = challenges.issue('login', '', NOW + 60_000);
    expect(challenges.open(challenge, 'login', '', NOW + 59_000)).not.toBeNull();
    expect(challenges.open(challenge, 'login', '', NOW + 60_000)).toBeNull();
  });

  it('forged challenge: refuses one made under another key, altered bytes, or any junk, without throwing', () => {
    const foreign = new PasskeyChallenges([key()]).issue('login', '', NOW + 60_000);
    expect(challenges.open(foreign, 'login', '', NOW)).toBeNull();
    const genuine = Buffer.from(challenges.issue('login', '', NOW + 60_000), 'base64url');
    for (const index of [0, 1, 3, 10, genuine.length - 1]) {
      const altered = Buffer.from(genuine);
      altered[index] = (altered[index] ?? 0) ^ 1;
      expect(challenges.open(altered.toString('base64url'), 'login', '', NOW)).toBeNull();
    }
    // A later expiry written over the real one fails the MAC.
    const extended = Buffer.from(genuine);
    extended.writeUIntBE(Math.ceil((NOW + 10 * 86_400_000) / 1000), 2, 6);
    expect(challenges.open(extended.toString('base64url'), 'login', '', NOW + 120_000)).toBeNull();
    for (const junk of ['', 'x', 'a'.repeat(75), 'a'.repeat(10_000), '$$$', '\u0000', genuine.toString('base64')]) {
      expect(challenges.open(junk, 'login', '', NOW)).toBeNull();
    }
    expect(challenges.open(null as unknown as string, 'login', '', NOW)).toBeNull();
  });

  it('key rotation: a challenge issued under an older key still opens while that key is configured', () => {
    const older = new PasskeyChallenges([secret]).issue('login', '', NOW + 60_000);
    const rotated = new PasskeyChallenges([key(), secret]);
    expect(rotated.open(older, 'login', '', NOW)).not.toBeNull();
  });
});

describe('SoftAuthenticator (the tests’ WebAuthn authenticator) against @simplewebauthn/server', () => {
  it('registers and signs in as a browser would', async () => {
    const origin = 'http://localhost:3000';
    const authenticator = new SoftAuthenticator(origin);
    const options = await generateRegistrationOptions({ rpName: 'Test', rpID: 'localhost', userName: 'emily', attestationType: 'none' });
    const registration = await verifyRegistrationResponse({
      response: authenticator.create(options),
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: 'localhost',
    });
    expect(registration.verified).toBe(true);
    const info = registration.registrationInfo;
    if (info === undefined) throw new Error('no registration info');
    const challenge = randomBytes(32).toString('base64url');
    const assertion = authenticator.get({ challenge, rpId: 'localhost' });
    const authentication = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: 'localhost',
      credential: info.credential,
    });
    expect(authentication).toMatchObject({ verified: true, authenticationInfo: { newCounter: 1, userVerified: true } });
  });
});
