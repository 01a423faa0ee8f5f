import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ProblemDetailsFilter } from 'nest-gatekeeper';

/**
 * Everything the sample app sets on its Nest application before it listens (shared by `main.ts`
 * and the browser tests): JSON bodies up to 1 MB, no `X-Powered-By`, no ETags, problem+json for
 * every error, Swagger UI at `/docs` and its JSON at `/docs-json`.
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
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
