import { AuthConfigError } from '../errors/auth-config.error.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { HeaderTokenTransport } from './header.transport.js';
import type { TokenTransport } from './token-transport.js';

/** Picks the transport once, at start-up, from `accessTokenType`. */
export function createTokenTransport(options: ResolvedAuthOptions): TokenTransport {
  switch (options.accessTokenType) {
    case 'header':
      return new HeaderTokenTransport();
    case 'cookie':
    case 'both':
      throw new AuthConfigError([
        `accessTokenType: '${options.accessTokenType}' is not available in this version yet; use 'header'`,
      ]);
  }
}
