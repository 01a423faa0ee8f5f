import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { loadConfig, SampleConfigError, startupWarnings } from './config.js';
import { createHttpAdapter, listenOnPort } from './http-adapter.js';
import { bootstrapResourceServer } from './resource-server-role.js';
import { setUpSampleApp } from './setup.js';
import { enableGracefulShutdown } from './shutdown.js';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = new Logger('SampleApp');
  Logger.overrideLogger(config.logLevels);

  for (const warning of startupWarnings(config)) logger.warn(warning);

  const app = await NestFactory.create(AppModule.forRoot(config), createHttpAdapter(config.httpAdapter), {
    logger: config.logLevels,
  });
  setUpSampleApp(app, config);
  // SIGTERM / SIGINT: answer what is in flight, close keep-alive connections, then close the
  // DataSource and Redis (not Nest's enableShutdownHooks(), which also stops on SIGUSR2 and closes
  // nothing before the server has no connections left).
  enableGracefulShutdown(app, { timeoutMs: config.shutdownTimeoutMs, logger });

  const port = await listenOnPort(app, config.port);
  logger.log(
    `Listening on http://localhost:${port} (${config.httpAdapter})${config.swagger ? ` (Swagger UI: http://localhost:${port}/docs)` : ''}`,
  );
  const sessionsIn = { memory: 'in memory', database: 'in the database', redis: 'in Redis' }[config.sessionStore];
  logger.log(
    `Sessions: ${sessionsIn}; attempt counters: ${config.redisUrl ? 'in Redis' : 'in the database'}; tokens: ${config.accessTokenType}`,
  );
  const keysFrom = {
    secret: 'JWT_SECRET',
    'development-secret': 'the development secret',
    generated: 'a development key pair generated at start-up',
    file: `JWT_JWKS_FILE, ${config.jwt.keys.length} key(s)`,
  }[config.jwt.source];
  const published = config.jwt.keys.some((key) => key.algorithm !== 'HS256');
  logger.log(
    `Access tokens signed with ${config.jwt.algorithm} (${keysFrom})${published ? `; public keys at http://localhost:${port}/.well-known/jwks.json` : ''}`,
  );
  logger.log(
    `Account e-mails: verification ${config.emailVerification}, password reset by ${config.passwordResetMethod}, ` +
      `sign-in codes ${config.loginCode ? 'on' : 'off'}; their links open ${config.publicUrl}/`,
  );
  if (!config.production) {
    logger.log(`Demo outbox (e-mail and SMS codes, account e-mails): http://localhost:${port}/dev/outbox?to=email@example.com`);
  }
}

/** SAMPLE_ROLE: `issuer` (the default: the auth module, its stores and the demo) or `resource-server` (verify-only, through AUTH_JWKS_URL). */
function start(): Promise<void> {
  const role = process.env.SAMPLE_ROLE || 'issuer';
  if (role === 'resource-server') return bootstrapResourceServer();
  if (role !== 'issuer') return Promise.reject(new SampleConfigError(`SAMPLE_ROLE: expected 'issuer' or 'resource-server', got '${role}'`));
  return bootstrap();
}

start().catch((error: unknown) => {
  // A refused setting is a message for the operator, not a stack trace.
  const message =
    error instanceof SampleConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  new Logger('SampleApp').fatal(message);
  process.exit(1);
});
