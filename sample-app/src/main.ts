import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';
import { loadConfig } from './config.js';
import { setUpSampleApp } from './setup.js';

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
  setUpSampleApp(app);

  await app.listen(config.port);
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log(`Listening on http://localhost:${port} (Swagger UI: http://localhost:${port}/docs)`);
  logger.log(`Sessions: ${config.sessionStore === 'memory' ? 'in memory' : 'in the database'}; tokens: ${config.accessTokenType}`);
}

bootstrap().catch((error: unknown) => {
  new Logger('SampleApp').fatal(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
