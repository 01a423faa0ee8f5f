/**
 * The README's `main.ts` on Fastify: the same app as docs/examples/main.ts on
 * `@nestjs/platform-fastify`. The module needs no Fastify plugin of its own (no @fastify/cookie, no
 * form parser: it reads and writes cookies and the OAuth form body itself, and works beside both);
 * Swagger UI on Fastify needs `@fastify/static` installed.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AuthModule, ProblemDetailsFilter } from 'nest-gatekeeper';
import { AppModule } from './app.module.js';

const app = await NestFactory.create<NestFastifyApplication>(
  AppModule,
  new FastifyAdapter({ bodyLimit: 1024 * 1024 }), // an explicit body limit: larger bodies get 413
);
app.useGlobalFilters(new ProblemDetailsFilter()); // optional: problem+json on your routes too

const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('My API').build());
SwaggerModule.setup('docs', app, AuthModule.setupSwagger(app, document));

await app.listen(process.env.PORT ?? 3000, '0.0.0.0'); // Fastify listens on localhost only unless told

/** For the README's test (test/e2e/docs-quick-start.e2e-spec.ts), which runs this file as it is. */
export { app };
