/**
 * Several instances: sessions, attempt counters, e-mail codes and trusted devices in Redis, users and
 * TOTP enrolment in SQL. The example of docs/stores.md ("Redis") and of the `nest-gatekeeper/redis`
 * JSDoc; the sample app does the same when REDIS_URL is set.
 */
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AuthModule } from 'nest-gatekeeper';
import { RedisSessionStore, RedisRateLimitStore, RedisMfaStore, redisClientOptions } from 'nest-gatekeeper/redis';
import { TypeOrmMfaStore, TypeOrmUserStore } from 'nest-gatekeeper/typeorm';
import { MailerEmailSender } from './mfa.js';
import { dataSource } from './typeorm.js';

const logger = new Logger('Redis');

const redis = new Redis(process.env.REDIS_URL!, redisClientOptions()); // fails fast, reconnects by itself
redis.on('error', (e) => logger.warn(`Redis: ${e.message}`)); // else ioredis prints every error
const keyPrefix = 'myapp:auth:';

export const authOnRedis = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET! },
  userStore: new TypeOrmUserStore(dataSource),           // users stay in SQL
  sessionStore: new RedisSessionStore(redis, { keyPrefix }),
  rateLimitStore: new RedisRateLimitStore(redis, { keyPrefix }),
  // TOTP secrets and recovery codes in SQL; codes, pending marks and trusted devices in Redis.
  mfaEnrolmentStore: new TypeOrmMfaStore(dataSource),
  mfaChallengeStore: new RedisMfaStore(redis, { keyPrefix }),
  mfa: {
    methods: ['totp', 'email'],
    encryptionKey: process.env.MFA_ENCRYPTION_KEY!,
    senders: { email: MailerEmailSender },
  },
});
