import { isIP } from 'node:net';
import { AuthConfigError } from '../errors/auth-config.error.js';
import { bool, deepFreeze, duration, integer, isDict, keysOf, Problems, section, text } from '../options/option-checks.js';
import type { ResourceServerAlgorithm, ResourceServerJwksOptions, ResourceServerOptions } from './resource-server-options.interface.js';

/** The algorithms a resource server knows, in the order of the default allow-list. */
export const RESOURCE_SERVER_ALGORITHMS: readonly ResourceServerAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

/** {@link ResourceServerOptions} checked and defaulted once at start-up (durations in milliseconds). */
export interface ResolvedResourceServerOptions {
  readonly jwksUri: URL;
  readonly issuer: string;
  readonly audience: string;
  readonly algorithms: readonly ResourceServerAlgorithm[];
  readonly clockToleranceSeconds: number;
  readonly verifiedTokenCacheSize: number;
  readonly jwks: {
    readonly timeoutMs: number;
    readonly maxResponseBytes: number;
    readonly maxKeys: number;
    readonly defaultCacheAgeMs: number;
    readonly minCacheAgeMs: number;
    readonly maxCacheAgeMs: number;
    readonly unknownKidCooldownMs: number;
    readonly maxStaleMs: number;
  };
}

/** The defaults of {@link ResourceServerOptions} (the JSDoc `@default`s say the same). */
export const RESOURCE_SERVER_DEFAULTS = {
  clockToleranceSeconds: 0,
  verifiedTokenCacheSize: 10_000,
  jwks: {
    timeout: '5s',
    maxResponseBytes: 262_144,
    maxKeys: 50,
    defaultCacheAge: '5m',
    minCacheAge: '30s',
    maxCacheAge: '1d',
    unknownKidCooldown: '30s',
    maxStale: '1d',
    allowInsecureHttp: false,
  },
} as const;

const ROOT_KEYS = keysOf<ResourceServerOptions>({
  jwksUri: 1,
  issuer: 1,
  audience: 1,
  algorithms: 1,
  clockToleranceSeconds: 1,
  verifiedTokenCacheSize: 1,
  jwks: 1,
});
const JWKS_KEYS = keysOf<ResourceServerJwksOptions>({
  timeout: 1,
  maxResponseBytes: 1,
  maxKeys: 1,
  defaultCacheAge: 1,
  minCacheAge: 1,
  maxCacheAge: 1,
  unknownKidCooldown: 1,
  maxStale: 1,
  allowInsecureHttp: 1,
});

/** Whether a URL's host is this machine (a token fetched from it never crossed a network). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host.toLowerCase() === '::ffff:127.0.0.1' || /^::ffff:7f/i.test(host);
  return false;
}

/**
 * Checks the raw options and returns them resolved and frozen, or throws one {@link AuthConfigError}
 * listing every problem (each with its option path), so `forRoot` and `forRootAsync` fail alike.
 */
export function resolveResourceServerOptions(raw: unknown): ResolvedResourceServerOptions {
  const problems = new Problems();
  if (!isDict(raw)) throw new AuthConfigError(['options: must be an object'], 'ResourceServerModule');
  const root = section(problems, raw, 'options', ROOT_KEYS);
  const jwks = section(problems, root.jwks, 'jwks', JWKS_KEYS);
  const allowInsecureHttp = bool(
    problems,
    'jwks.allowInsecureHttp',
    jwks.allowInsecureHttp,
    RESOURCE_SERVER_DEFAULTS.jwks.allowInsecureHttp,
  );
  const jwksUri = resolveJwksUri(problems, root.jwksUri, allowInsecureHttp);
  const issuer = text(problems, 'issuer', root.issuer ?? '', '');
  const audience = text(problems, 'audience', root.audience ?? '', '');
  const algorithms = resolveAlgorithms(problems, root.algorithms);
  const ms = (key: keyof typeof RESOURCE_SERVER_DEFAULTS.jwks & keyof ResourceServerJwksOptions): number =>
    duration(problems, `jwks.${key}`, jwks[key], RESOURCE_SERVER_DEFAULTS.jwks[key] as string);
  const resolved: ResolvedResourceServerOptions = {
    jwksUri,
    issuer,
    audience,
    algorithms,
    clockToleranceSeconds: integer(
      problems,
      'clockToleranceSeconds',
      root.clockToleranceSeconds,
      RESOURCE_SERVER_DEFAULTS.clockToleranceSeconds,
      0,
    ),
    verifiedTokenCacheSize: integer(
      problems,
      'verifiedTokenCacheSize',
      root.verifiedTokenCacheSize,
      RESOURCE_SERVER_DEFAULTS.verifiedTokenCacheSize,
      0,
    ),
    jwks: {
      timeoutMs: ms('timeout'),
      maxResponseBytes: integer(
        problems,
        'jwks.maxResponseBytes',
        jwks.maxResponseBytes,
        RESOURCE_SERVER_DEFAULTS.jwks.maxResponseBytes,
        64,
      ),
      maxKeys: integer(problems, 'jwks.maxKeys', jwks.maxKeys, RESOURCE_SERVER_DEFAULTS.jwks.maxKeys, 1),
      defaultCacheAgeMs: ms('defaultCacheAge'),
      minCacheAgeMs: ms('minCacheAge'),
      maxCacheAgeMs: ms('maxCacheAge'),
      unknownKidCooldownMs: ms('unknownKidCooldown'),
      maxStaleMs: jwks.maxStale === 0 ? 0 : ms('maxStale'),
    },
  };
  const { minCacheAgeMs, maxCacheAgeMs, defaultCacheAgeMs } = resolved.jwks;
  if (minCacheAgeMs > maxCacheAgeMs) problems.add('jwks.minCacheAge', 'must not be longer than jwks.maxCacheAge');
  if (defaultCacheAgeMs < minCacheAgeMs || defaultCacheAgeMs > maxCacheAgeMs) {
    problems.add('jwks.defaultCacheAge', 'must lie between jwks.minCacheAge and jwks.maxCacheAge');
  }
  if (problems.list.length > 0) throw new AuthConfigError(problems.list, 'ResourceServerModule');
  return deepFreeze(resolved);
}

function resolveJwksUri(problems: Problems, value: unknown, allowInsecureHttp: boolean): URL {
  const fallback = new URL('https://invalid.invalid/');
  if (typeof value !== 'string' && !(value instanceof URL)) {
    problems.add('jwksUri', 'is required: the URL of the issuer’s JWK Set (https://…/.well-known/jwks.json)');
    return fallback;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.add('jwksUri', `must be an absolute URL (got ${JSON.stringify(String(value))})`);
    return fallback;
  }
  if (url.username !== '' || url.password !== '') {
    problems.add('jwksUri', 'must not carry credentials');
  } else if (url.protocol === 'http:') {
    if (!allowInsecureHttp && !isLoopbackHost(url.hostname)) {
      problems.add('jwksUri', `must be https (http only on a loopback host, or with jwks.allowInsecureHttp: true); got ${url.origin}`);
    }
  } else if (url.protocol !== 'https:') {
    problems.add('jwksUri', `must be an https URL (got ${url.protocol})`);
  }
  url.hash = '';
  return url;
}

function resolveAlgorithms(problems: Problems, value: unknown): readonly ResourceServerAlgorithm[] {
  if (value === undefined) return RESOURCE_SERVER_ALGORITHMS;
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((a) => typeof a === 'string' && (RESOURCE_SERVER_ALGORITHMS as readonly string[]).includes(a));
  if (!valid) {
    problems.add(
      'algorithms',
      `must be a non-empty list of ${RESOURCE_SERVER_ALGORITHMS.map((a) => `'${a}'`).join(', ')} (a resource server never accepts HS256 or none; got ${JSON.stringify(value)})`,
    );
    return RESOURCE_SERVER_ALGORITHMS;
  }
  return [...new Set(value as ResourceServerAlgorithm[])];
}
