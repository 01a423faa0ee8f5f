import { Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AuthModule,
  MemorySessionStore,
  MfaService,
  TypeOrmMfaStore,
  TypeOrmRateLimitStore,
  TypeOrmSessionStore,
  TypeOrmUserStore,
  USER_STORE,
  type AuthModuleOptions,
  type UserStore,
} from 'nest-gatekeeper';
import { DataSource } from 'typeorm';
import type { SampleConfig } from './config.js';
import { DatabaseModule } from './database.module.js';
import { DemoOutbox } from './demo-outbox.js';
import { DemoPageController } from './demo-page.controller.js';
import { DemoController } from './demo.controller.js';
import { DevOutboxController } from './dev-outbox.controller.js';
import { seedDemoUsers } from './seed.js';

/** Seeds the demo users (and their second factors) once the module graph is ready, before the server listens. */
class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('Seed');

  constructor(
    @Inject(USER_STORE) private readonly users: UserStore,
    @Inject(MfaService) private readonly mfa: MfaService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await seedDemoUsers({ users: this.users, mfa: this.mfa, logger: this.logger });
  }
}

/** The auth options of the sample app, from its settings, its DataSource and the demo outbox. */
export function authOptions(config: SampleConfig, dataSource: DataSource, outbox: DemoOutbox): AuthModuleOptions {
  return {
    accessTokenType: config.accessTokenType,
    jwt: { secret: config.jwtSecret },
    cookies: { secure: config.cookieSecure },
    userStore: new TypeOrmUserStore(dataSource),
    sessionStore: config.sessionStore === 'memory' ? new MemorySessionStore() : new TypeOrmSessionStore(dataSource),
    // Login and MFA attempt counters beside the MFA state, so every instance sees the same counts.
    rateLimit: { store: new TypeOrmRateLimitStore(dataSource) },
    mfa: {
      methods: ['totp', 'email'],
      encryptionKey: config.mfaEncryptionKey,
      issuer: 'nest-gatekeeper demo',
      store: new TypeOrmMfaStore(dataSource),
      // A real app plugs its mailer and SMS gateway in here.
      senders: { email: outbox, sms: outbox },
    },
  };
}

/**
 * The sample app: the auth module on TypeORM stores with TOTP and e-mail codes, three demo routes,
 * the browser demo, and (outside production) the demo outbox at `GET /dev/outbox`.
 */
@Module({})
export class AppModule {
  static forRoot(config: SampleConfig): DynamicModule {
    // One outbox per app: the senders write to it, `/dev/outbox` reads it.
    const outbox = new DemoOutbox({ readAt: config.production ? undefined : '/dev/outbox' });
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot(config.databaseUrl),
        AuthModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => authOptions(config, dataSource, outbox),
        }),
      ],
      controllers: [DemoController, DemoPageController, ...(config.production ? [] : [DevOutboxController])],
      providers: [DemoSeeder, { provide: DemoOutbox, useValue: outbox }],
    };
  }
}
