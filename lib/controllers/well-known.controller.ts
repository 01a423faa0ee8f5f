import { Controller, Get, Header, Inject, Optional, Req, Res } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { ApiNotModifiedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUTH_OPTIONS, AUTH_ROUTES } from '../auth.constants.js';
import { Public } from '../decorators/public.decorator.js';
import type { ResolvedAuthOptions, ResolvedAuthRoutes } from '../options/resolved-auth-options.js';
import { AuthException } from '../errors/auth.exception.js';
import { ifNoneMatch, publicJwks, strongEtag, type PublicJwk } from '../tokens/jwks.js';
import { JwtKeyRing } from '../tokens/jwt-key-ring.js';
import { HttpPlatformRef } from '../transport/http-platform.js';
import type { AuthRequest, AuthResponse } from '../transport/http.types.js';

/** RFC 8414 authorization server metadata, the minimal part gateways read. */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri: string;
  token_endpoint?: string;
  grant_types_supported?: string[];
}

/**
 * `GET /.well-known/jwks.json` and `GET /.well-known/oauth-authorization-server`, at the app root
 * (not under the module's prefix), public. Both exist only when an asymmetric key is configured (HS256
 * secrets are never published), the metadata also only with `jwt.publicUrl`; otherwise they answer 404
 * and are absent from Swagger (see `routeSwitchesProvider`). With a `jwt.keyProvider` both exist, and
 * answer 404 while the loaded set has no asymmetric key. The JWK Set is built once per key set (again
 * after a reload or a scheduled transition: a retired key that dropped out is no longer published).
 */
@ApiTags('keys')
@Controller()
export class WellKnownController {
  private jwksCache: { generation: number; body: { keys: PublicJwk[] }; etag: string } | undefined;
  private readonly jwksCacheControl: string;
  private metadataBody: AuthorizationServerMetadata | undefined;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(AUTH_ROUTES) private readonly routes: ResolvedAuthRoutes,
    @Inject(JwtKeyRing) private readonly ring: JwtKeyRing,
    private readonly http: HttpPlatformRef,
    @Optional() @Inject(ApplicationConfig) private readonly appConfig?: ApplicationConfig,
  ) {
    this.jwksCacheControl = `public, max-age=${options.jwt.jwksMaxAgeSeconds}`;
  }

  /**
   * The metadata document, built at its first request: the app's global prefix (`setGlobalPrefix`,
   * called after the module is created) is part of every URL in it.
   */
  private metadataDocument(): AuthorizationServerMetadata {
    if (this.metadataBody !== undefined) return this.metadataBody;
    const base = this.options.jwt.publicUrl as string;
    const { prefix, paths } = this.routes;
    const url = (...parts: string[]): string => [base, ...[this.appConfig?.getGlobalPrefix() ?? '', ...parts].flatMap(segments)].join('/');
    this.metadataBody = {
      issuer: this.options.jwt.issuer,
      jwks_uri: url(paths.jwks as string),
      ...(paths.token === null ? {} : { token_endpoint: url(prefix, paths.token), grant_types_supported: ['password', 'refresh_token'] }),
    };
    return this.metadataBody;
  }

  @Get('.well-known/jwks.json')
  @Public()
  @ApiOperation({
    summary: 'The public signing keys (JWK Set)',
    description:
      'The public keys of the configured RS256, ES256 and EdDSA keys (active, standby and retired), for verifiers of the access tokens. ' +
      'Cacheable (`Cache-Control: public, max-age`), with a strong `ETag` (304 on `If-None-Match`).',
  })
  @ApiOkResponse({ description: '`{ keys: [{ kty, kid, alg, use: "sig", crv?, x?, y?, n?, e? }] }`' })
  @ApiNotModifiedResponse({ description: 'The `If-None-Match` tag is current.' })
  jwks(@Req() req: AuthRequest, @Res({ passthrough: true }) res: AuthResponse): { keys: PublicJwk[] } | undefined {
    const { body, etag } = this.currentJwks();
    if (body.keys.length === 0) throw new AuthException('NOT_FOUND');
    const { platform } = this.http;
    platform.setHeader(res, 'Cache-Control', this.jwksCacheControl);
    platform.setHeader(res, 'ETag', etag);
    if (ifNoneMatch(req.headers['if-none-match'], etag)) {
      platform.setStatus(res, 304);
      return undefined;
    }
    return body;
  }

  @Get('.well-known/oauth-authorization-server')
  @Public()
  @Header('Cache-Control', 'public, max-age=3600')
  @ApiOperation({
    summary: 'Authorization server metadata (RFC 8414)',
    description: '`issuer`, `jwks_uri`, `token_endpoint` and `grant_types_supported`, built from `jwt.publicUrl`.',
  })
  @ApiOkResponse({ description: 'The metadata document.' })
  metadata(): AuthorizationServerMetadata {
    // The route exists only with jwt.publicUrl (see the route switch in auth.module.ts).
    if (this.currentJwks().body.keys.length === 0) throw new AuthException('NOT_FOUND');
    return this.metadataDocument();
  }

  /** The JWK Set of the keys in use, built once per key set. */
  private currentJwks(): { body: { keys: PublicJwk[] }; etag: string } {
    const state = this.ring.current();
    if (this.jwksCache?.generation !== state.generation) {
      const body = publicJwks(state.keys);
      this.jwksCache = { generation: state.generation, body, etag: strongEtag(JSON.stringify(body)) };
    }
    return this.jwksCache;
  }
}

/** The non-empty segments of a path (`'/api/'` → `['api']`). */
function segments(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}
