import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AddressInfo } from 'node:net';
import { ProblemDetailsFilter } from 'nest-gatekeeper';
import { AppModule } from './app.module.js';
import { loadConfig } from './config.js';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = new Logger('SampleApp');
  Logger.overrideLogger(config.logLevels);

  if (config.usingDevelopmentSecret) {
    logger.warn(
      'JWT_SECRET is not set: signing tokens with the PUBLIC DEVELOPMENT SECRET. ' +
        'Anyone can forge tokens for this server. Set JWT_SECRET (at least 32 bytes) outside development.',
    );
  }

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: config.logLevels,
  });
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

  await app.listen(config.port);
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log(`Listening on http://localhost:${port} (Swagger UI: http://localhost:${port}/docs)`);
  logger.log(`Sessions: ${config.sessionStore === 'memory' ? 'in memory' : 'in the database'}; tokens: ${config.accessTokenType}`);
}

bootstrap().catch((error: unknown) => {
  new Logger('SampleApp').fatal(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
