import { describe, expect, it } from '@jest/globals';
import { loadResourceServerConfig } from '../../sample-app/src/resource-server-role.js';

describe('SAMPLE_ROLE=resource-server settings', () => {
  it('needs AUTH_JWKS_URL; takes the issuer, audience and JWKS cache settings', () => {
    expect(() => loadResourceServerConfig({})).toThrow(/AUTH_JWKS_URL: required with SAMPLE_ROLE=resource-server/);
    const config = loadResourceServerConfig({
      AUTH_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
      AUTH_ISSUER: 'https://auth.example.com',
      JWKS_MIN_CACHE_AGE: '10s',
      PORT: '4000',
    });
    expect(config).toMatchObject({
      port: 4000,
      httpAdapter: 'express',
      jwksUri: 'https://auth.example.com/.well-known/jwks.json',
      issuer: 'https://auth.example.com',
      audience: 'nest-gatekeeper',
      minCacheAge: '10s',
      unknownKidCooldown: undefined,
    });
  });

  it('lists every malformed setting at once', () => {
    expect(() =>
      loadResourceServerConfig({ AUTH_JWKS_URL: 'ftp://x', PORT: 'x', HTTP_ADAPTER: 'koa', JWKS_MIN_CACHE_AGE: 'soon', LOG_LEVEL: 'loud' }),
    ).toThrow(
      /PORT: not a port number[\s\S]*HTTP_ADAPTER: expected 'express', 'fastify', got 'koa'[\s\S]*AUTH_JWKS_URL[\s\S]*JWKS_MIN_CACHE_AGE: expected a duration[\s\S]*LOG_LEVEL/,
    );
  });

  it('HTTP_ADAPTER=fastify runs it on Fastify', () => {
    expect(
      loadResourceServerConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:3000/.well-known/jwks.json', HTTP_ADAPTER: 'fastify' }).httpAdapter,
    ).toBe('fastify');
  });
});
