import type { ApplicationConfig } from '@nestjs/core';
import type { ResolvedAuthOptions, ResolvedAuthRoutes } from '../options/resolved-auth-options.js';
import { CookieTokenTransport } from './cookie.transport.js';
import { CsrfTokens } from './csrf.js';
import { HeaderTokenTransport } from './header.transport.js';
import type { HttpPlatformRef } from './http-platform.js';
import type { TokenTransport } from './token-transport.js';

/** `/<global prefix>/<auth prefix>` without empty or doubled slashes. */
export function joinPath(...parts: string[]): string {
  const path = parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment !== '')
    .join('/');
  return `/${path}`;
}

/**
 * Picks the transport once, at start-up, from `accessTokenType`. The refresh cookie's default path is
 * the auth routes' prefix after the app's global prefix, read at the first write (the app sets its
 * global prefix after the module is built). Cookies are written through `http`, the platform picked at start-up.
 */
export function createTokenTransport(
  options: ResolvedAuthOptions,
  routes: ResolvedAuthRoutes,
  appConfig: ApplicationConfig | undefined,
  http: HttpPlatformRef,
): TokenTransport {
  if (options.accessTokenType === 'header') return new HeaderTokenTransport();
  const csrf = new CsrfTokens(options.secretKeys);
  const refreshPath = (): string => joinPath(appConfig?.getGlobalPrefix() ?? '', routes.prefix);
  return new CookieTokenTransport(options, csrf, options.accessTokenType === 'both', refreshPath, http);
}
