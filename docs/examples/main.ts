/**
 * The README's `main.ts`: an explicit body limit, problem+json on your own routes, and Swagger UI
 * whose Authorize button logs in. A fuller production entry point is docs/examples/production-main.ts.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AuthModule, ProblemDetailsFilter } from 'nest-gatekeeper';
import { AppModule } from './app.module.js';

const app = await NestFactory.create<NestExpressApplication>(AppModule);
app.useBodyParser('json', { limit: '1mb' }); // an explicit body limit: larger bodies get 413
app.useGlobalFilters(new ProblemDetailsFilter()); // optional: problem+json on your routes too
app.disable('x-powered-by');

const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('My API').build());
SwaggerModule.setup('docs', app, AuthModule.setupSwagger(app, document));

await app.listen(process.env.PORT ?? 3000);

/** For the README's test (test/e2e/docs-quick-start.e2e-spec.ts), which runs this file as it is. */
export { app };
