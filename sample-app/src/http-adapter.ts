import type { INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter, HttpAdapterHost } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** HTTP_ADAPTER: the HTTP platform the sample app runs on. */
export type SampleHttpAdapter = 'express' | 'fastify';

/** The largest request body either platform reads (1 MiB, Express's `1mb`): a larger one is answered 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * A fresh adapter for `NestFactory.create(module, adapter)` (or a testing module's
 * `createNestApplication(adapter)`). Fastify gets the same body limit as Express, and a trailing
 * slash is ignored as Express ignores it (`/health/` is `/health`).
 */
export function createHttpAdapter(kind: SampleHttpAdapter): AbstractHttpAdapter {
  if (kind === 'express') return new ExpressAdapter();
  return new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, routerOptions: { ignoreTrailingSlash: true } });
}

/** The platform an application runs on. */
export function httpAdapterOf(app: INestApplication): SampleHttpAdapter {
  return app.getHttpAdapter().getType() === 'fastify' ? 'fastify' : 'express';
}

/** The platform the application of `host` runs on (`GET /health` names it). */
export function runningAdapter(host: HttpAdapterHost): SampleHttpAdapter {
  return host.httpAdapter?.getType() === 'fastify' ? 'fastify' : 'express';
}

/**
 * What Express does by default and the sample app does not want: `X-Powered-By: Express` (it tells
 * an attacker what to look up) and weak ETags on API answers. Fastify sends neither; its body limit
 * is an adapter option (see {@link createHttpAdapter}). Express's JSON body limit is set here.
 */
export function applyPlatformDefaults(app: INestApplication): void {
  if (httpAdapterOf(app) !== 'express') return;
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
  express.disable('x-powered-by');
  express.set('etag', false);
}

/**
 * Listens on `port` on every interface, as Node's `server.listen(port)` does: `::` (dual stack), or
 * `0.0.0.0` on a machine without IPv6. (Fastify's own default is `localhost` only, which opens one
 * server per loopback address.) Pass `host` to listen on one address only. Resolves with the port.
 */
export async function listenOnPort(app: INestApplication, port: number, host?: string): Promise<number> {
  if (host !== undefined || httpAdapterOf(app) === 'express') {
    await (host === undefined ? app.listen(port) : app.listen(port, host));
  } else {
    try {
      await app.listen(port, '::');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT' && (error as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL')
        throw error;
      await app.listen(port, '0.0.0.0');
    }
  }
  return ((app.getHttpServer() as Server).address() as AddressInfo).port;
}
