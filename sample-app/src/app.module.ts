import { Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { AuthModule, MemorySessionStore, MfaEnrolmentService, USER_STORE, type AuthModuleOptions, type UserStore } from 'nest-gatekeeper';
import type { Redis } from 'ioredis';
import { RedisAccountTokenStore, RedisActivityStore, RedisMfaStore, RedisRateLimitStore, RedisSessionStore } from 'nest-gatekeeper/redis';
import {
  TypeOrmAccountTokenStore,
  TypeOrmActivityStore,
  TypeOrmIdentityStore,
  TypeOrmMfaStore,
  TypeOrmPasskeyStore,
  TypeOrmRateLimitStore,
  TypeOrmSessionStore,
  TypeOrmUserStore,
} from 'nest-gatekeeper/typeorm';
import { DataSource } from 'typeorm';
import { accountLinks, OIDC_PROVIDER_NAME, type SampleConfig } from './config.js';
import { DatabaseModule } from './database.module.js';
import { DemoOutbox } from './demo-outbox.js';
import { DEMO_PAGE_OPTIONS, DemoPageController, type DemoPageOptions } from './demo-page.controller.js';
import { DemoController } from './demo.controller.js';
import { DevOutboxController } from './dev-outbox.controller.js';
import { REDIS_CLIENT, RedisModule } from './redis.module.js';
import { seedDemoUsers } from './seed.js';

/** Seeds the demo users (and their second factors) once the module graph is ready, before the server listens. */
class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('Seed');

  constructor(
    @Inject(USER_STORE) private readonly users: UserStore,
    @Inject(MfaEnrolmentService) private readonly mfa: MfaEnrolmentService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await seedDemoUsers({ users: this.users, mfa: this.mfa, logger: this.logger });
  }
}

/**
 * The auth options of the sample app, from its settings, its DataSource, its Redis client (or `null`)
 * and the demo outbox (the e-mail sender of MFA codes and account e-mails, and the SMS sender).
 * Users, TOTP secrets, recovery codes, passkeys and linked provider accounts always live in SQL.
 * With Redis, the sessions, the attempt counters, the e-mail codes, the trusted devices and the
 * account e-mails' one-time tokens live there, shared by every instance (without Redis, the tokens
 * live in SQL too).
 */
export function authOptions(
  config: SampleConfig,
  dataSource: DataSource,
  outbox: DemoOutbox,
  redis: Redis | null = null,
): AuthModuleOptions {
  const keyPrefix = config.redisKeyPrefix;
  const sessionStore =
    config.sessionStore === 'memory'
      ? new MemorySessionStore()
      : config.sessionStore === 'redis' && redis !== null
        ? new RedisSessionStore(redis, { keyPrefix })
        : new TypeOrmSessionStore(dataSource);
  return {
    accessTokenType: config.accessTokenType,
    // One key (JWT_SECRET, or a generated development pair) or the set of JWT_JWKS_FILE; the
    // asymmetric ones are published at /.well-known/jwks.json, and the metadata names publicUrl.
    jwt: {
      keys: config.jwt.keys,
      ...(config.jwt.publicUrl === null ? {} : { publicUrl: config.jwt.publicUrl }),
      ...(config.jwksMaxAge === undefined ? {} : { jwksMaxAge: config.jwksMaxAge as `${number}s` }),
    },
    cookies: { secure: config.cookieSecure },
    ...(config.reuseGraceSeconds === undefined ? {} : { refreshToken: { reuseGraceSeconds: config.reuseGraceSeconds } }),
    ...(config.revocationFeed ? {} : { revocation: { enabled: false } }),
    // Every security event (but routine refresh rotations) as one JSON line in the log, and the
    // activity feed (GET /auth/activity) below; AUTH_EVENTS=off turns both off.
    events: { log: config.eventsLog },
    userStore: new TypeOrmUserStore(dataSource),
    sessionStore,
    // Login and MFA attempt counters in a store every instance shares.
    rateLimitStore: redis !== null ? new RedisRateLimitStore(redis, { keyPrefix }) : new TypeOrmRateLimitStore(dataSource),
    // MFA enrolment (TOTP secrets, recovery codes) in SQL; with Redis, the short-lived challenges
    // (one-time codes, finished pending logins, trusted devices) there.
    mfaStore: new TypeOrmMfaStore(dataSource),
    ...(redis !== null ? { mfaChallengeStore: new RedisMfaStore(redis, { keyPrefix }) } : {}),
    // The one-time tokens of the account e-mails (reset, verification, e-mail change, sign-in codes):
    // shared by every instance, in Redis when there is one, else in SQL.
    accountTokenStore: redis !== null ? new RedisAccountTokenStore(redis, { keyPrefix }) : new TypeOrmAccountTokenStore(dataSource),
    // The activity feed (GET /auth/activity): shared in Redis when there is one, else in SQL, where
    // the table auth_audit_log is also the operator's audit trail (AUTH_EVENTS=off: no feed).
    activityStore: !config.eventsLog
      ? false
      : redis !== null
        ? new RedisActivityStore(redis, { keyPrefix })
        : new TypeOrmActivityStore(dataSource),
    mfa: {
      methods: ['totp', 'email'],
      encryptionKey: config.mfaEncryptionKey,
      issuer: 'nest-gatekeeper demo',
      // A real app plugs its SMS gateway in here.
      senders: { sms: outbox },
    },
    // A real app plugs its mailer in here: the MFA e-mail codes and every account e-mail go through it.
    emailSender: outbox,
    passwordReset: { method: config.passwordResetMethod },
    emailVerification: { enabled: config.emailVerification !== 'off', required: config.emailVerification === 'required' },
    loginCode: { enabled: config.loginCode },
    // Passkeys (sign-in and second factor) in SQL, the durable store every instance shares.
    ...(config.passkeys === null
      ? {}
      : {
          passkeys: { enabled: true, rpName: 'nest-gatekeeper demo', ...config.passkeys },
          passkeyStore: new TypeOrmPasskeyStore(dataSource),
        }),
    // Sign-in with an OpenID Connect provider (OIDC_ISSUER, OIDC_CLIENT_ID): its routes exist only
    // with it. The callback URL to register at the provider: <PUBLIC_URL>/auth/oauth/oidc/callback.
    ...(config.oidc === null
      ? {}
      : {
          oauth: {
            baseUrl: config.publicUrl,
            providers: {
              [OIDC_PROVIDER_NAME]: {
                type: 'oidc' as const,
                issuer: config.oidc.issuer,
                clientId: config.oidc.clientId,
                ...(config.oidc.clientSecret === undefined ? {} : { clientSecret: config.oidc.clientSecret }),
                label: config.oidc.label,
              },
            },
          },
        }),
    // The links between provider accounts and users in SQL, the durable store every instance shares;
    // also without a provider, so that deleting an account deletes its links made earlier.
    identityStore: new TypeOrmIdentityStore(dataSource),
    // The account e-mails link to the demo page, which reads the token from the query string.
    links: accountLinks(config),
  };
}

/**
 * The sample app: the auth module on TypeORM stores with TOTP and e-mail codes, three demo routes,
 * the browser demo, and (outside production) the demo outbox at `GET /dev/outbox`. The demo users are
 * seeded when `config.seedDemoUsers` is on (outside production by default; in production only with
 * SEED_DEMO_USERS=on), and the demo page lists them only outside production.
 */
@Module({})
export class AppModule {
  static forRoot(config: SampleConfig): DynamicModule {
    // One outbox per app: the senders write to it, `/dev/outbox` reads it.
    const outbox = new DemoOutbox({ readAt: config.production ? undefined : '/dev/outbox' });
    const demoPage: DemoPageOptions = {
      showDemoCredentials: !config.production,
      passwordResetMethod: config.passwordResetMethod,
      emailVerification: config.emailVerification,
      loginCode: config.loginCode,
      passkeys: config.passkeys !== null,
      oauthProvider: config.oidc === null ? null : { name: OIDC_PROVIDER_NAME, label: config.oidc.label },
    };
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot(config.databaseUrl),
        RedisModule.forRoot(config.redisUrl),
        AuthModule.forRootAsync({
          inject: [DataSource, REDIS_CLIENT],
          useFactory: (dataSource: DataSource, redis: Redis | null) => authOptions(config, dataSource, outbox, redis),
        }),
      ],
      controllers: [DemoController, DemoPageController, ...(config.production ? [] : [DevOutboxController])],
      providers: [
        ...(config.seedDemoUsers ? [DemoSeeder] : []),
        { provide: DemoOutbox, useValue: outbox },
        { provide: DEMO_PAGE_OPTIONS, useValue: demoPage },
      ],
    };
  }
}
