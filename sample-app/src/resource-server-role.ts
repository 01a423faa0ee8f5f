import { Controller, Get, Logger, Module, type DynamicModule, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CurrentUser, Public, ResourceServerModule, Roles } from 'nest-gatekeeper/resource-server';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { httpAdapterSetting, SampleConfigError, type ServerTimeouts } from './config.js';
import { applyPlatformDefaults, createHttpAdapter, listenOnPort, runningAdapter, type SampleHttpAdapter } from './http-adapter.js';
import { applyServerTimeouts } from './setup.js';
import { enableGracefulShutdown } from './shutdown.js';

/**
 * The settings of `SAMPLE_ROLE=resource-server`: a service that verifies the issuer's access tokens
 * through its published keys only (no database, no signing key, no session).
 */
export interface ResourceServerSampleConfig {
  port: number;
  /** HTTP_ADAPTER [`express`] | `fastify`, as for the issuer. */
  httpAdapter: SampleHttpAdapter;
  /** AUTH_JWKS_URL: the issuer's `/.well-known/jwks.json` (https, or http on a loopback host). */
  jwksUri: string;
  /** AUTH_ISSUER [`nest-gatekeeper`]: the issuer's `jwt.issuer`. */
  issuer: string;
  /** AUTH_AUDIENCE [`nest-gatekeeper`]: the issuer's `jwt.audience`. */
  audience: string;
  /** JWKS_MIN_CACHE_AGE [`30s`]: the shortest time the keys are kept before they are fetched again. */
  minCacheAge: string | undefined;
  /** JWKS_UNKNOWN_KID_COOLDOWN [`30s`]: the least time between two fetches caused by an unknown `kid`. */
  unknownKidCooldown: string | undefined;
  server: ServerTimeouts;
  shutdownTimeoutMs: number;
  logLevels: LogLevel[];
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const DURATION = /^\d+(ms|s|m|h|d)$/;

/** Reads the resource-server settings; a missing or malformed one is a {@link SampleConfigError} listing every problem. */
export function loadResourceServerConfig(env: NodeJS.ProcessEnv = process.env): ResourceServerSampleConfig {
  const problems: string[] = [];
  const port = Number(env.PORT ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT: not a port number: ${env.PORT}`);
  let httpAdapter: SampleHttpAdapter = 'express';
  try {
    httpAdapter = httpAdapterSetting(env);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const jwksUri = env.AUTH_JWKS_URL ?? '';
  if (!/^https?:\/\/\S+$/.test(jwksUri))
    problems.push("AUTH_JWKS_URL: required with SAMPLE_ROLE=resource-server, the issuer's /.well-known/jwks.json URL");
  const duration = (name: string): string | undefined => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    if (!DURATION.test(value)) problems.push(`${name}: expected a duration such as 30s or 5m, got '${value}'`);
    return value;
  };
  const minCacheAge = duration('JWKS_MIN_CACHE_AGE');
  const unknownKidCooldown = duration('JWKS_UNKNOWN_KID_COOLDOWN');
  const level = (env.LOG_LEVEL || 'log').toLowerCase() as LogLevel;
  if (!LEVELS.includes(level)) problems.push(`LOG_LEVEL: expected one of ${LEVELS.join(', ')}, got '${env.LOG_LEVEL}'`);
  if (problems.length > 0)
    throw new SampleConfigError(`Refusing to start the resource server:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return {
    port,
    httpAdapter,
    jwksUri,
    issuer: env.AUTH_ISSUER || 'nest-gatekeeper',
    audience: env.AUTH_AUDIENCE || 'nest-gatekeeper',
    minCacheAge,
    unknownKidCooldown,
    server: { requestTimeoutMs: 15_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 },
    shutdownTimeoutMs: 10_000,
    logLevels: LEVELS.slice(0, LEVELS.indexOf(level) + 1),
  };
}

/** The routes of the resource server: the same three as the issuer's sample app, verified through the JWKS. */
@Controller()
export class ResourceServerDemoController {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Liveness; public. */
  @Public()
  @Get('health')
  health(): { status: string; role: string; adapter: SampleHttpAdapter } {
    return { status: 'ok', role: 'resource-server', adapter: runningAdapter(this.adapterHost) };
  }

  /** Any valid access token of the issuer. */
  @Get('protected')
  protectedRoute(@CurrentUser('id') userId: string): { userId: string } {
    return { userId };
  }

  /** Needs the `admin` role (403 otherwise). */
  @Roles('admin')
  @Get('admin')
  admin(@CurrentUser('id') userId: string): { userId: string; admin: true } {
    return { userId, admin: true };
  }
}

/** The resource server's module: `ResourceServerModule` and the demo routes, nothing else. */
@Module({})
export class ResourceServerAppModule {
  static forRoot(config: ResourceServerSampleConfig): DynamicModule {
    return {
      module: ResourceServerAppModule,
      imports: [
        ResourceServerModule.forRoot({
          jwksUri: config.jwksUri,
          issuer: config.issuer,
          audience: config.audience,
          jwks: {
            ...(config.minCacheAge === undefined ? {} : { minCacheAge: config.minCacheAge as `${number}s` }),
            ...(config.unknownKidCooldown === undefined ? {} : { unknownKidCooldown: config.unknownKidCooldown as `${number}s` }),
          },
        }),
      ],
      controllers: [ResourceServerDemoController],
    };
  }
}

/** Starts `SAMPLE_ROLE=resource-server`. */
export async function bootstrapResourceServer(): Promise<void> {
  const config = loadResourceServerConfig();
  const logger = new Logger('ResourceServer');
  Logger.overrideLogger(config.logLevels);
  const app = await NestFactory.create(ResourceServerAppModule.forRoot(config), createHttpAdapter(config.httpAdapter), {
    logger: config.logLevels,
  });
  applyPlatformDefaults(app);
  applyServerTimeouts(app.getHttpServer() as Server, config.server);
  enableGracefulShutdown(app, { timeoutMs: config.shutdownTimeoutMs, logger });
  const port = await listenOnPort(app, config.port);
  logger.log(
    `Resource server listening on http://localhost:${port} (${config.httpAdapter}); access tokens verified through ${config.jwksUri}`,
  );
}
