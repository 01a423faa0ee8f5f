import { describe, expect, it } from '@jest/globals';
import { DEVELOPMENT_MFA_ENCRYPTION_KEY, loadConfig, startupWarnings } from '../../sample-app/src/config.js';

describe('sample app settings: MFA_ENCRYPTION_KEY and NODE_ENV', () => {
  it('without MFA_ENCRYPTION_KEY uses the development key (at least 32 bytes) and warns at start-up', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(40) });
    expect(config.mfaEncryptionKey).toBe(DEVELOPMENT_MFA_ENCRYPTION_KEY);
    expect(Buffer.byteLength(DEVELOPMENT_MFA_ENCRYPTION_KEY)).toBeGreaterThanOrEqual(32);
    expect(config.usingDevelopmentMfaKey).toBe(true);
    const warnings = startupWarnings(config);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^MFA_ENCRYPTION_KEY is not set/);
  });

  it('MFA_ENCRYPTION_KEY replaces it, without a warning', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(40), MFA_ENCRYPTION_KEY: 'k'.repeat(32) });
    expect(config.mfaEncryptionKey).toBe('k'.repeat(32));
    expect(config.usingDevelopmentMfaKey).toBe(false);
    expect(startupWarnings(config)).toEqual([]);
  });

  it('warns about both development secrets when neither is set', () => {
    expect(startupWarnings(loadConfig({})).map((w) => w.split(' ')[0])).toEqual(['JWT_SECRET', 'MFA_ENCRYPTION_KEY']);
  });

  it('NODE_ENV=production marks the config as production (no /dev/outbox) and says so at start-up', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), MFA_ENCRYPTION_KEY: 'k'.repeat(32) });
    expect(config.production).toBe(true);
    expect(startupWarnings(config)).toEqual([expect.stringMatching(/^NODE_ENV=production: the demo outbox/)]);
    expect(loadConfig({}).production).toBe(false);
  });
});
