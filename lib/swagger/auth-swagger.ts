import type { INestApplicationContext } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AUTH_OPTIONS, AUTH_ROUTES } from '../auth.constants.js';
import type { ResolvedAuthOptions, ResolvedAuthRoutes } from '../options/resolved-auth-options.js';

/** The security scheme names {@link setupAuthSwagger} adds. `bearer` is also `@ApiBearerAuth()`'s default. */
const AUTH_SECURITY_SCHEMES = { bearer: 'bearer', oauth2: 'oauth2', cookie: 'cookie', csrf: 'csrf' } as const;

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
const METHODS: readonly HttpMethod[] = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Adds the module's security schemes to a Swagger document built by `SwaggerModule.createDocument`,
 * so that Swagger UI's **Authorize** button logs in and "Try it out" sends the token:
 * - `bearer`: HTTP bearer, JWT (paste an access token);
 * - `oauth2`: the OAuth 2.0 password flow, `tokenUrl` = the module's `POST /token` route (log in with
 *   a username and password right in the dialog), unless `routes.token` is `false`;
 * - in cookie and dual modes, `cookie` (the access cookie, an API key in a cookie) and `csrf` (the
 *   `X-CSRF-Token` header the unsafe cookie-authenticated requests need).
 *
 * Every operation that requires `bearer` (the module's authenticated routes, and yours marked
 * `@ApiBearerAuth()`) then accepts any of them. Call it after the module has started (it reads the
 * resolved options from `app`); it returns the same, updated document.
 *
 * ```ts
 * const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('My API').build());
 * SwaggerModule.setup('docs', app, AuthModule.setupSwagger(app, document));
 * ```
 */
export function setupAuthSwagger(app: INestApplicationContext, document: OpenAPIObject): OpenAPIObject {
  const options = app.get<ResolvedAuthOptions>(AUTH_OPTIONS, { strict: false });
  const routes = app.get<ResolvedAuthRoutes>(AUTH_ROUTES, { strict: false });
  const schemes = ((document.components ??= {}).securitySchemes ??= {});
  const names = AUTH_SECURITY_SCHEMES;

  schemes[names.bearer] = {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token (the `accessToken` of a login or refresh response).',
  };
  const tokenUrl = routes.paths.token === null ? undefined : tokenPath(document, routes);
  if (tokenUrl !== undefined) {
    schemes[names.oauth2] = {
      type: 'oauth2',
      description: 'Log in with a username (or e-mail) and password; client id and secret are not needed.',
      flows: { password: { tokenUrl, refreshUrl: tokenUrl, scopes: {} } },
    };
  }
  const cookies = options.accessTokenType !== 'header';
  if (cookies) {
    schemes[names.cookie] = {
      type: 'apiKey',
      in: 'cookie',
      name: options.cookies.names.access,
      description: 'The HttpOnly access cookie set by a login in cookie mode (the browser sends it by itself).',
    };
    schemes[names.csrf] = {
      type: 'apiKey',
      in: 'header',
      name: 'X-CSRF-Token',
      description: 'Unsafe requests authenticated by cookie: the value of the `' + options.cookies.names.csrf + '` cookie.',
    };
  }

  const alternatives: Record<string, string[]>[] = [{ [names.bearer]: [] }];
  if (tokenUrl !== undefined) alternatives.push({ [names.oauth2]: [] });
  if (cookies) alternatives.push({ [names.cookie]: [], [names.csrf]: [] });
  for (const path of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = path[method];
      if (operation?.security?.some((requirement) => names.bearer in requirement)) operation.security = alternatives.map((a) => ({ ...a }));
    }
  }
  return document;
}

/** The token route's path as the document has it (with the app's global prefix, if any). */
function tokenPath(document: OpenAPIObject, routes: ResolvedAuthRoutes): string | undefined {
  const suffix = `/${[routes.prefix, routes.paths.token].filter((part) => part !== '' && part !== null).join('/')}`;
  const path = Object.keys(document.paths ?? {}).find((p) => p === suffix || p.endsWith(suffix));
  return path ?? suffix;
}
