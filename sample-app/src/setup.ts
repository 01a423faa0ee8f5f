import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AuthModule, ProblemDetailsFilter } from 'nest-gatekeeper';
import type { SampleConfig, ServerTimeouts } from './config.js';
import { applyPlatformDefaults } from './http-adapter.js';

/**
 * Everything the sample app sets on its Nest application before it listens (shared by `main.ts`
 * and the tests), on Express and on Fastify alike: JSON bodies up to 1 MiB, the server timeouts, no
 * `X-Powered-By`, no ETags, problem+json for every error, and, when `config.swagger` is on, Swagger
 * UI at `/docs` (with the module's security schemes) and its JSON at `/docs-json`.
 */
export function setUpSampleApp(app: INestApplication, config: Pick<SampleConfig, 'swagger' | 'server'>): void {
  applyPlatformDefaults(app);
  applyServerTimeouts(app.getHttpServer() as Server, config.server);
  app.useGlobalFilters(new ProblemDetailsFilter());

  if (!config.swagger) return;
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('nest-gatekeeper sample app')
      .setDescription('Authentication endpoints of nest-gatekeeper plus three demo routes.')
      .setVersion('0.1.0')
      .build(),
  );
  // Bearer, the OAuth 2.0 password flow on /auth/token (the Authorize button logs in) and, in cookie
  // mode, the access cookie: the module's security schemes in one call.
  SwaggerModule.setup('docs', app, AuthModule.setupSwagger(app, document), {
    jsonDocumentUrl: 'docs-json',
  });
}

/**
 * Sets Node's HTTP server timeouts (call it before the server listens). Node's defaults let a client
 * that never finishes its request body hold a socket for 300 s plus a 30 s check interval; here a
 * request has `requestTimeoutMs` in all (then 408 and the socket is closed), its headers
 * `headersTimeoutMs`, and an idle keep-alive connection lives `keepAliveTimeoutMs`. Node checks the
 * first two periodically (`connectionsCheckingInterval`, read when the server starts listening), so
 * that interval is shortened to a quarter of the shorter timeout, between 100 ms and 1 s.
 */
export function applyServerTimeouts(server: Server, timeouts: ServerTimeouts): void {
  const { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs } = timeouts;
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = headersTimeoutMs;
  server.keepAliveTimeout = keepAliveTimeoutMs;
  const shortest = Math.min(...[requestTimeoutMs, headersTimeoutMs].filter((ms) => ms > 0));
  if (!Number.isFinite(shortest)) return;
  // A constructor option in @types/node, but a plain property that `listen` reads.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    1000,
    Math.max(100, Math.floor(shortest / 4)),
  );
}
