import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AuthModule, ProblemDetailsFilter } from 'nest-gatekeeper';

/**
 * Everything the sample app sets on its Nest application before it listens (shared by `main.ts`
 * and the browser tests): JSON bodies up to 1 MB, no `X-Powered-By`, no ETags, problem+json for
 * every error, Swagger UI at `/docs` (with the module's security schemes) and its JSON at `/docs-json`.
 */
export function setUpSampleApp(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: '1mb' });
  app.disable('x-powered-by');
  app.set('etag', false);
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();

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
