/**
 * A minimal production set-up of nest-gatekeeper: the example of docs/deployment.md. It is type-checked
 * with the package (tsconfig.json includes docs/examples), so it stays true to the API.
 *
 * - secrets from the environment, refused when missing or short (no fallback, no default);
 * - cookies `Secure`; the client address from Express's `trust proxy` (set to your proxy hops), never
 *   from a header anyone can send;
 * - a small JSON body limit and Node server timeouts (a slow body cannot hold a socket for minutes);
 * - users in PostgreSQL, sessions, attempt counters, e-mail codes and trusted devices in Redis, so
 *   any number of instances share them (no sticky sessions);
 * - migrations run once per deployment (`node dist/main.js migrate`), not by every instance at start;
 * - a shutdown that drains: on SIGTERM the requests in flight are answered, keep-alive connections
 *   closed after their current response, then Redis and the database closed, all within a bound;
 * - no Swagger UI, no demo users, no demo outbox: your mailer delivers the codes.
 *
 * Run: `node dist/main.js migrate` once (a release step), then `node dist/main.js` on every instance.
 */
import 'reflect-metadata';
import { Controller, Get, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import {
  AuthModule,
  ProblemDetailsFilter,
  Public,
  type MfaCodeMessage,
  type MfaSender,
} from 'nest-gatekeeper';
import { RedisMfaStore, RedisRateLimitStore, RedisSessionStore, redisClientOptions } from 'nest-gatekeeper/redis';
import {
  authEntities,
  createAuthMigrations,
  rateLimitEntity,
  runAuthMigrations,
  TypeOrmMfaStore,
  TypeOrmUserStore,
} from 'nest-gatekeeper/typeorm';
import { DataSource } from 'typeorm';

/** What the app reads from its environment, once. */
export interface ProductionConfig {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  jwtSecret: string;
  mfaEncryptionKey: string;
  /** Express's `trust proxy`: the number of proxies in front of the app (0: none, use the socket address). */
  proxyHops: number;
  /** How long a shutdown may take in all (ms): keep it below your orchestrator's grace period (Kubernetes: 30 s). */
  shutdownTimeoutMs: number;
  /** Where your mail service accepts messages (an HTTP API here; use your own client). */
  mailApiUrl: string;
}

/** Reads the settings; throws one error listing every missing or unfit value. */
export function productionConfig(env: NodeJS.ProcessEnv = process.env): ProductionConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (!value) problems.push(`${name}: is required`);
    return value ?? '';
  };
  const secret = (name: string): string => {
    const value = required(name);
    if (value && Buffer.byteLength(value) < 32) problems.push(`${name}: at least 32 bytes (e.g. openssl rand -base64 48)`);
    return value;
  };
  const config: ProductionConfig = {
    port: Number(env.PORT ?? 3000),
    databaseUrl: required('DATABASE_URL'),
    redisUrl: required('REDIS_URL'),
    jwtSecret: secret('JWT_SECRET'),
    mfaEncryptionKey: secret('MFA_ENCRYPTION_KEY'),
    proxyHops: Number(env.PROXY_HOPS ?? 0),
    shutdownTimeoutMs: Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000),
    mailApiUrl: required('MAIL_API_URL'),
  };
  if (!Number.isInteger(config.proxyHops) || config.proxyHops < 0) problems.push('PROXY_HOPS: a whole number of proxies');
  if (!Number.isInteger(config.shutdownTimeoutMs) || config.shutdownTimeoutMs < 100) problems.push('SHUTDOWN_TIMEOUT_MS: at least 100 ms');
  if (problems.length > 0) throw new Error(`Refusing to start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return config;
}

/** The DataSource: the package's entities and migrations, `synchronize` off, fail-fast timeouts. */
export function dataSource(config: ProductionConfig): DataSource {
  return new DataSource({
    type: 'postgres',
    url: config.databaseUrl,
    entities: [...Object.values(authEntities), rateLimitEntity()],
    migrations: createAuthMigrations(),
    migrationsRun: false, // `node dist/main.js migrate` runs them once per deployment
    synchronize: false,
    connectTimeoutMS: 3000,
    extra: { query_timeout: 4000 },
  });
}

/** Your mailer behind the module's {@link MfaSender}: rejects when the message was not handed over. */
class MailApiEmailSender implements MfaSender {
  constructor(private readonly url: string) {}

  async send({ to, subject, text }: MfaCodeMessage): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to, subject, text }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`mail API answered ${res.status}`);
  }
}

const DATA_SOURCE = Symbol('DataSource');
const REDIS = Symbol('Redis');

/** Your own routes: the guard is global, so everything but `@Public()` needs an access token. */
@Controller()
class HealthController {
  @Public()
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }
}

/** The app: the auth module on PostgreSQL and Redis, nothing from the sample app's demo parts. */
@Module({})
export class ProductionAppModule implements OnApplicationShutdown {
  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  static forRoot(config: ProductionConfig): DynamicModule {
    const connections = {
      module: ProductionAppModule,
      global: true,
      providers: [
        { provide: DATA_SOURCE, useFactory: () => dataSource(config).initialize() },
        { provide: REDIS, useFactory: () => new Redis(config.redisUrl, redisClientOptions()) },
      ],
      exports: [DATA_SOURCE, REDIS],
    };
    return {
      ...connections,
      controllers: [HealthController],
      imports: [
        AuthModule.forRootAsync({
          inject: [DATA_SOURCE, REDIS],
          useFactory: (db: DataSource, redis: Redis) => {
            const keyPrefix = 'myapp:auth:';
            return {
              jwt: { secret: config.jwtSecret },
              cookies: { secure: true },
              // The client address (login throttling, activity) comes from Express's `trust proxy`
              // below; `trustProxyHeaders: true` only when a proxy you control rewrites X-Forwarded-For.
              trustProxyHeaders: false,
              userStore: new TypeOrmUserStore(db),
              sessionStore: new RedisSessionStore(redis, { keyPrefix }),
              rateLimitStore: new RedisRateLimitStore(redis, { keyPrefix }),
              // TOTP secrets and recovery codes in SQL; codes, pending marks and trusted devices in Redis.
              mfaEnrolmentStore: new TypeOrmMfaStore(db),
              mfaChallengeStore: new RedisMfaStore(redis, { keyPrefix }),
              mfa: {
                methods: ['totp', 'email'],
                encryptionKey: config.mfaEncryptionKey,
                senders: { email: new MailApiEmailSender(config.mailApiUrl) },
              },
            };
          },
        }),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit();
    await this.db.destroy();
  }
}

/**
 * Runs the pending migrations once (a release step, before the new instances start), under the
 * package's migration lock: two release steps that overlap migrate one after the other.
 */
export async function migrate(config: ProductionConfig): Promise<void> {
  const db = await dataSource(config).initialize();
  try {
    await runAuthMigrations(db);
  } finally {
    await db.destroy();
  }
}

/** Starts one instance. */
export async function bootstrap(config: ProductionConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ProductionAppModule.forRoot(config), {
    bodyParser: false,
    logger: ['fatal', 'error', 'warn', 'log'],
  });
  app.useBodyParser('json', { limit: '100kb' });
  app.useBodyParser('urlencoded', { limit: '100kb', extended: false }); // POST /auth/token takes forms
  app.set('trust proxy', config.proxyHops);
  app.disable('x-powered-by');
  app.useGlobalFilters(new ProblemDetailsFilter());
  // Not app.enableShutdownHooks(): it also stops on SIGUSR2 and friends, and Nest closes the HTTP
  // server only after onModuleDestroy hooks ran, waiting for keep-alive clients that never stop.
  drainOnShutdown(app, config.shutdownTimeoutMs);

  // A request (headers and body) gets 15 s, its headers 10 s; Node's defaults hold a never-ending body
  // for about 5 minutes. Keep keepAliveTimeout above your load balancer's idle timeout.
  const server = app.getHttpServer();
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 65_000;

  // No Swagger UI, no demo users, no /dev/outbox.
  await app.listen(config.port);
  return app;
}

/**
 * A shutdown that drains (call it before `listen`). On SIGTERM or SIGINT:
 *
 * 1. every response written from then on says `Connection: close` (those of requests already running
 *    too), so keep-alive clients close after their current answer instead of being reset;
 * 2. the server keeps accepting until two turns of the event loop bring no new connection and no
 *    new request (the kernel's accept queue may hold connections made before the signal, and socket
 *    buffers requests: closing the listener and the idle connections at once would reset them), then stops accepting and closes idle connections (`server.close()`), and each
 *    connection that finishes a response afterwards;
 * 3. once the last connection has closed, `app.close()` runs Nest's hooks: Redis and the database
 *    close after the last request that used them (and the module ends its timers, its revocation
 *    subscription and its hashing threads);
 * 4. what still runs a second before `timeoutMs` is cut (`closeAllConnections()`); at `timeoutMs` the
 *    process exits with code 1 whatever is pending, otherwise with 0 once closed.
 *
 * SIGUSR2 is logged and ignored (its default action would end the process without draining).
 */
export function drainOnShutdown(app: NestExpressApplication, timeoutMs: number): void {
  const server = app.getHttpServer();
  const logger = new Logger('Shutdown');
  const unanswered = new Set<ServerResponse>();
  let shuttingDown = false;
  let listening = true;
  let arrivals = 0; // connections accepted and requests received
  const closeIdle = (): void => {
    if (!listening) server.closeIdleConnections();
  };
  server.on('connection', () => arrivals++);
  // Before the app's own listener (Express answers a simple route within it, synchronously).
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    arrivals++;
    if (shuttingDown) res.setHeader('Connection', 'close');
    else unanswered.add(res);
    res.once('close', () => {
      unanswered.delete(res);
      if (shuttingDown) closeIdle();
    });
  });

  const drain = (): Promise<void> =>
    new Promise((resolve) => {
      const cut = setTimeout(() => server.closeAllConnections(), timeoutMs - Math.min(1000, Math.floor(timeoutMs / 4)));
      const acceptUntil = Date.now() + Math.floor(timeoutMs / 4);
      let quietTurns = 0;
      let seen = arrivals;
      const stopAccepting = (): void => {
        quietTurns = arrivals === seen ? quietTurns + 1 : 0;
        seen = arrivals;
        if (quietTurns < 2 && Date.now() < acceptUntil) return void setImmediate(stopAccepting);
        listening = false;
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
      };
      setImmediate(stopAccepting);
    });

  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    for (const res of unanswered) if (!res.headersSent) res.setHeader('Connection', 'close');
    logger.log(`${signal}: answering the requests in flight (at most ${timeoutMs} ms)`);
    setTimeout(() => {
      logger.error(`Shutdown did not finish within ${timeoutMs} ms`);
      process.exit(1);
    }, timeoutMs).unref();
    try {
      await drain();
      await app.close();
      process.exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, (s) => void shutdown(s));
  process.on('SIGUSR2', () => logger.log('SIGUSR2 ignored (SIGTERM stops the app)'));
}

/** `node dist/main.js migrate` runs the migrations and exits; `node dist/main.js` starts an instance. */
async function main(command: string | undefined): Promise<void> {
  const config = productionConfig();
  if (command === 'migrate') await migrate(config);
  else await bootstrap(config);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2]).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
