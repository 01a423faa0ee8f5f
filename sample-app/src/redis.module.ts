import { Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { redisClientOptions } from 'nest-gatekeeper/redis';
import { redactUrl } from './config.js';

/** Injection token of the app's ioredis client, or `null` when REDIS_URL is unset. */
export const REDIS_CLIENT = Symbol('sample-app:Redis');

/**
 * Provides the app's ioredis client (global), built with the library's fail-fast options so that a
 * Redis outage answers 503 at once and the client reconnects by itself; closes it on shutdown.
 */
@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis | null) {}

  static forRoot(redisUrl: string | null): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        {
          provide: REDIS_CLIENT,
          useFactory: async (): Promise<Redis | null> => {
            if (redisUrl === null) return null;
            const logger = new Logger('Redis');
            const redis = new Redis(redisUrl, redisClientOptions({ lazyConnect: true }));
            // While Redis is away, auth routes answer 503 and the client reconnects; say so once per outage.
            let down = false;
            redis.on('error', (error: Error) => {
              if (!down) logger.warn(`Redis unreachable (${error.message}); reconnecting`);
              down = true;
            });
            redis.on('ready', () => {
              if (down) logger.log('Redis reachable again');
              down = false;
            });
            await redis.connect();
            logger.log(`Connected to ${redactUrl(redisUrl)}`);
            return redis;
          },
        },
      ],
      exports: [REDIS_CLIENT],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis !== null) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
