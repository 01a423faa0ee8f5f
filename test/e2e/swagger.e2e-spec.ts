import { generateKeyPairSync } from 'node:crypto';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AuthModule } from '../../lib/index.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import { mfaOptions } from '../fixtures/mfa-app.js';
import { TestOutbox } from '../fixtures/outbox.js';

/** Passkeys on: their routes and DTOs are documented too. */
const PASSKEYS = { enabled: true, rpId: 'localhost', origins: ['http://localhost:3000'] };
/** A provider never contacted (documenting the routes needs none). */
const OAUTH = {
  baseUrl: 'http://localhost:3000',
  providers: { idp: { type: 'oidc' as const, issuer: 'https://idp.example.invalid', clientId: 'app' } },
};

type Operation = {
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string; type?: string; items?: { $ref?: string } } }> }>;
  security?: Record<string, string[]>[];
};

describe('Swagger document', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  beforeAll(async () => {
    t = await createTestApp({ options: { mfa: mfaOptions(new TestOutbox()), passkeys: PASSKEYS, oauth: OAUTH } });
    doc = SwaggerModule.createDocument(t.app, new DocumentBuilder().setTitle('test').addBearerAuth().build());
  });
  afterAll(() => t.close());
  const op = (path: string, method: string) => (doc.paths[path] as Record<string, Operation>)[method];

  it.each([
    ['/auth/register', 'post', 'RegisterDto', '201', 'RegisterResponseDto'],
    ['/auth/login', 'post', 'LoginDto', '200', 'TokenResponseDto'],
    ['/auth/refresh', 'post', 'RefreshDto', '200', 'TokenResponseDto'],
    ['/auth/logout', 'post', 'LogoutDto', '200', 'MessageResponseDto'],
    ['/auth/password/change', 'post', 'ChangePasswordDto', '200', 'MessageResponseDto'],
    ['/auth/mfa/send', 'post', 'MfaSendDto', '200', 'MfaSendResponseDto'],
    ['/auth/mfa/verify', 'post', 'MfaVerifyDto', '200', 'TokenResponseDto'],
    ['/auth/mfa/totp/enable', 'post', 'TotpEnableDto', '200', 'RecoveryCodesResponseDto'],
    ['/auth/mfa/disable', 'post', 'MfaDisableDto', '200', 'MessageResponseDto'],
    ['/auth/passkeys/register/options', 'post', 'PasskeyReauthDto', '200', 'WebAuthnOptionsDto'],
    ['/auth/passkeys/register', 'post', 'PasskeyRegisterDto', '201', 'PasskeyViewDto'],
    ['/auth/passkeys/{id}', 'patch', 'PasskeyRenameDto', '200', 'PasskeyViewDto'],
    ['/auth/passkeys/login/options', 'post', 'PasskeyLoginOptionsDto', '200', 'WebAuthnOptionsDto'],
    ['/auth/passkeys/login', 'post', 'PasskeyLoginDto', '200', 'TokenResponseDto'],
    ['/auth/passkeys/mfa/options', 'post', 'PasskeyMfaOptionsDto', '200', 'WebAuthnOptionsDto'],
    ['/auth/passkeys/mfa/verify', 'post', 'PasskeyMfaVerifyDto', '200', 'TokenResponseDto'],
    ['/auth/passkeys/mfa/enable', 'post', 'PasskeyPasswordDto', '200', 'MessageResponseDto'],
    ['/auth/oauth/exchange', 'post', 'OAuthExchangeDto', '200', 'TokenResponseDto'],
    ['/auth/oauth/{provider}/token', 'post', 'OAuthIdTokenDto', '200', 'TokenResponseDto'],
    ['/auth/identities/link', 'post', 'IdentityLinkDto', '200', 'OAuthRedirectDto'],
  ])('%s documents its request DTO, success DTO and problem responses', (path, method, request, status, response) => {
    const operation = op(path, method);
    expect(operation.requestBody?.content['application/json'].schema.$ref).toBe(`#/components/schemas/${request}`);
    expect(operation.responses[status].content?.['application/json'].schema.$ref).toBe(`#/components/schemas/${response}`);
    const problems = Object.entries(operation.responses).filter(([code]) => Number(code) >= 400);
    expect(problems.length).toBeGreaterThan(0);
    for (const [, res] of problems) {
      expect(res.content?.['application/problem+json'].schema.$ref).toBe('#/components/schemas/ProblemDto');
    }
  });

  it('GET routes document their responses, and protected routes the bearer scheme', () => {
    expect(op('/auth/me', 'get').responses['200'].content?.['application/json'].schema.$ref).toBe('#/components/schemas/PublicUserDto');
    expect(op('/auth/sessions', 'get').responses['200'].content?.['application/json'].schema.items?.$ref).toBe(
      '#/components/schemas/SessionDto',
    );
    expect(op('/auth/sessions/{id}', 'delete').responses['204']).toBeDefined();
    for (const [path, method] of [
      ['/auth/me', 'get'],
      ['/auth/logout', 'post'],
      ['/auth/sessions', 'get'],
      ['/auth/password/change', 'post'],
    ]) {
      expect(op(path, method).security).toEqual([{ bearer: [] }]);
    }
    expect(op('/auth/login', 'post').security).toBeUndefined();
    expect(doc.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('the DTO schemas describe their fields with examples', () => {
    const schemas = doc.components?.schemas as Record<
      string,
      { properties: Record<string, { example?: unknown; description?: string }>; required?: string[] }
    >;
    expect(Object.keys(schemas.LoginDto.properties).sort()).toEqual(['email', 'expiresInMins', 'password', 'trustToken', 'username']);
    expect(schemas.LoginDto.required).toEqual(['password']);
    expect(Object.keys(schemas.TokenResponseDto.properties)).toEqual(
      expect.arrayContaining(['accessToken', 'refreshToken', 'tokenType', 'expiresIn', 'isRequiresMfa', 'message', 'user']),
    );
    expect(schemas.ProblemDto.properties.code.example).toBe('INVALID_CREDENTIALS');
  });

  it('the MFA routes are documented, with their problems; the token response shows every MFA field', () => {
    const schemas = doc.components?.schemas as Record<
      string,
      { properties: Record<string, { example?: unknown; description?: string; enum?: unknown[] }> }
    >;
    const token = schemas.TokenResponseDto.properties;
    for (const field of ['isRequiresMfa', 'mfaMethods', 'defaultMfaMethod', 'mfaToken', 'trustToken']) {
      expect(token[field]).toBeDefined();
      expect(token[field].description ?? '').not.toBe('');
      expect(token[field].example).toBeDefined();
    }
    expect(schemas.MfaVerifyDto.properties.method.enum).toEqual(['totp', 'email', 'sms', 'recovery']);
    expect(op('/auth/mfa/totp/setup', 'post').responses['200'].content?.['application/json'].schema.$ref).toBe(
      '#/components/schemas/TotpSetupResponseDto',
    );
    expect(op('/auth/mfa/devices', 'get').responses['200'].content?.['application/json'].schema.items?.$ref).toBe(
      '#/components/schemas/TrustedDeviceDto',
    );
    expect(op('/auth/mfa/devices/{id}', 'delete').responses['204']).toBeDefined();
    expect(Object.keys(op('/auth/mfa/verify', 'post').responses)).toEqual(expect.arrayContaining(['401', '429']));
    expect(Object.keys(op('/auth/login', 'post').responses)).toEqual(expect.arrayContaining(['403']));
    // the pending-step routes are public; enrolment and devices need a verified access token
    expect(op('/auth/mfa/verify', 'post').security).toBeUndefined();
    expect(op('/auth/mfa/send', 'post').security).toBeUndefined();
    for (const [path, method] of [
      ['/auth/mfa/totp/setup', 'post'],
      ['/auth/mfa/totp/enable', 'post'],
      ['/auth/mfa/disable', 'post'],
      ['/auth/mfa/devices', 'get'],
    ]) {
      expect(op(path, method).security).toEqual([{ bearer: [] }]);
    }
  });
});

const MFA_PATHS = [
  '/auth/mfa/send',
  '/auth/mfa/verify',
  '/auth/mfa/totp/setup',
  '/auth/mfa/totp/enable',
  '/auth/mfa/disable',
  '/auth/mfa/devices',
  '/auth/mfa/devices/{id}',
];

describe('Swagger: the MFA routes are documented only when MFA is configured', () => {
  const documentOf = async (config: Parameters<typeof createTestApp>[0]): Promise<OpenAPIObject> => {
    const t = await createTestApp(config);
    try {
      return SwaggerModule.createDocument(t.app, new DocumentBuilder().setTitle('test').build());
    } finally {
      await t.close();
    }
  };

  it.each([false, true])('MFA off (forRootAsync: %s): none of the seven MFA routes is in the document', async (async) => {
    const doc = await documentOf({ async });
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/auth/mfa'))).toEqual([]);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/auth/login', '/auth/me']));
  });

  it.each([false, true])('MFA on (forRootAsync: %s): all seven are; routes.mfa: false still leaves them out', async (async) => {
    const on = await documentOf({ async, options: { mfa: mfaOptions(new TestOutbox()) } });
    expect(
      Object.keys(on.paths)
        .filter((path) => path.startsWith('/auth/mfa'))
        .sort(),
    ).toEqual([...MFA_PATHS].sort());
    const off = await documentOf({ async, options: { mfa: mfaOptions(new TestOutbox()) }, extras: { routes: { mfa: false } } });
    expect(Object.keys(off.paths).filter((path) => path.startsWith('/auth/mfa'))).toEqual([]);
  });
});

describe('Swagger: the well-known routes are documented only when there are public keys to publish', () => {
  const WELL_KNOWN = ['/.well-known/jwks.json', '/.well-known/oauth-authorization-server'];
  const documentOf = async (config: Parameters<typeof createTestApp>[0]): Promise<OpenAPIObject> => {
    const t = await createTestApp(config);
    try {
      return SwaggerModule.createDocument(t.app, new DocumentBuilder().setTitle('test').build());
    } finally {
      await t.close();
    }
  };
  const wellKnownIn = (doc: OpenAPIObject): string[] => Object.keys(doc.paths).filter((path) => path.startsWith('/.well-known/'));

  it.each([false, true])('HS256 only (forRootAsync: %s): neither is in the document', async (async) => {
    expect(wellKnownIn(await documentOf({ async }))).toEqual([]);
  });

  it.each([false, true])('an EdDSA key and jwt.publicUrl (forRootAsync: %s): both are, at the root', async (async) => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const doc = await documentOf({ async, options: { jwt: { algorithm: 'EdDSA', privateKey, publicUrl: 'https://auth.example.com' } } });
    expect(wellKnownIn(doc).sort()).toEqual([...WELL_KNOWN].sort());
    const withoutUrl = await documentOf({ async, options: { jwt: { algorithm: 'EdDSA', privateKey } } });
    expect(wellKnownIn(withoutUrl)).toEqual(['/.well-known/jwks.json']);
  });
});

describe("Swagger examples: no demo credential of the sample app in a user's document", () => {
  it('no example (nor any text) holds a demo username, password, e-mail or the demo TOTP secret', async () => {
    const t = await createTestApp({ options: { mfa: mfaOptions(new TestOutbox()) } });
    try {
      const doc = AuthModule.setupSwagger(t.app, SwaggerModule.createDocument(t.app, new DocumentBuilder().setTitle('test').build()));
      const demo = [
        'emilys',
        'emilyspass',
        'emily.johnson@example.com',
        'adminpass123',
        'admin@example.com',
        'totp.user',
        'totppass123',
        'totp@example.com',
        'email.user',
        'emailpass123',
        'email@example.com',
        'JBSWY3DPEHPK3PXP',
      ];
      const text = JSON.stringify(doc);
      expect(demo.filter((value) => text.includes(value))).toEqual([]);
      // The demo admin's username is an ordinary word: no example may be exactly it.
      const examples: unknown[] = [];
      const collect = (node: unknown): void => {
        if (typeof node !== 'object' || node === null) return;
        for (const [key, value] of Object.entries(node)) {
          if (key === 'example') examples.push(value);
          collect(value);
        }
      };
      collect(doc);
      expect(examples.length).toBeGreaterThan(20);
      expect(examples.filter((value) => value === 'admin')).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('Swagger DTOs', () => {
  it('every field of every schema has a description, and an example unless it is another schema', async () => {
    const t = await createTestApp({ options: { mfa: mfaOptions(new TestOutbox()), passkeys: PASSKEYS } });
    try {
      const doc = SwaggerModule.createDocument(t.app, new DocumentBuilder().setTitle('test').build());
      const missing: string[] = [];
      const isReference = (def: Record<string, unknown>): boolean =>
        '$ref' in def ||
        Array.isArray(def['allOf']) ||
        (typeof def['items'] === 'object' && def['items'] !== null && '$ref' in def['items']);
      for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
        for (const [field, def] of Object.entries((schema as { properties?: Record<string, Record<string, unknown>> }).properties ?? {})) {
          if (!def['description']) missing.push(`${name}.${field}: description`);
          if (def['example'] === undefined && !isReference(def)) missing.push(`${name}.${field}: example`);
        }
      }
      expect(missing).toEqual([]);
      expect(Object.keys(doc.components?.schemas ?? {}).length).toBeGreaterThan(15);
      // Every route of the module lists its problem responses.
      const withoutProblems: string[] = [];
      for (const [path, item] of Object.entries(doc.paths)) {
        if (!path.startsWith('/auth/')) continue;
        for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
          const problems = Object.entries(operation.responses).filter(([code]) => Number(code) >= 400);
          if (problems.length === 0 || problems.some(([, r]) => !r.content?.['application/problem+json']))
            withoutProblems.push(`${method} ${path}`);
        }
      }
      expect(withoutProblems).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('AuthModule.setupSwagger: the security schemes behind the Authorize button', () => {
  const documentOf = async (config: Parameters<typeof createTestApp>[0], globalPrefix?: string) => {
    const t = await createTestApp({ ...config, beforeInit: globalPrefix ? (app) => app.setGlobalPrefix(globalPrefix) : undefined });
    try {
      const { AuthModule } = await import('../../lib/index.js');
      return AuthModule.setupSwagger(t.app, SwaggerModule.createDocument(t.app, new DocumentBuilder().setTitle('test').build()));
    } finally {
      await t.close();
    }
  };
  const security = (doc: OpenAPIObject, path: string, method: string) => (doc.paths[path] as Record<string, Operation>)[method].security;

  it('header mode: bearer JWT and the OAuth 2.0 password flow on /auth/token, on every authenticated operation', async () => {
    const doc = await documentOf({});
    expect(doc.components?.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      oauth2: expect.objectContaining({
        type: 'oauth2',
        flows: { password: { tokenUrl: '/auth/token', refreshUrl: '/auth/token', scopes: {} } },
      }),
    });
    expect(security(doc, '/auth/me', 'get')).toEqual([{ bearer: [] }, { oauth2: [] }]);
    expect(security(doc, '/auth/sessions', 'get')).toEqual([{ bearer: [] }, { oauth2: [] }]);
    expect(security(doc, '/auth/login', 'post')).toBeUndefined();
    // The token endpoint documents its form and its response.
    const token = (doc.paths['/auth/token'] as Record<string, Operation>)['post'];
    expect(token.requestBody?.content['application/x-www-form-urlencoded'].schema.$ref).toBe('#/components/schemas/TokenRequestDto');
    expect(token.responses['200'].content?.['application/json'].schema.$ref).toBe('#/components/schemas/OAuthTokenResponseDto');
  });

  it('cookie mode adds the access cookie and the CSRF header; the token URL follows a global prefix and routes', async () => {
    const doc = await documentOf({ options: { accessTokenType: 'cookie' }, extras: { routes: { token: 'oauth/token' } } }, 'api');
    expect(doc.components?.securitySchemes?.['cookie']).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'access_token' });
    expect(doc.components?.securitySchemes?.['csrf']).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' });
    expect(doc.components?.securitySchemes?.['oauth2']).toMatchObject({ flows: { password: { tokenUrl: '/api/auth/oauth/token' } } });
    expect(security(doc, '/api/auth/me', 'get')).toEqual([{ bearer: [] }, { oauth2: [] }, { cookie: [], csrf: [] }]);
  });

  it('without the token route there is no OAuth 2.0 scheme', async () => {
    const doc = await documentOf({ extras: { routes: { token: false } } });
    expect(Object.keys(doc.components?.securitySchemes ?? {})).toEqual(['bearer']);
    expect(security(doc, '/auth/me', 'get')).toEqual([{ bearer: [] }]);
  });
});
