import { Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import {
  AuthModule,
  MemorySessionStore,
  TypeOrmSessionStore,
  TypeOrmUserStore,
  USER_STORE,
  type AuthModuleOptions,
  type UserStore,
} from 'nest-gatekeeper';
import { DataSource } from 'typeorm';
import type { SampleConfig } from './config.js';
import { DatabaseModule } from './database.module.js';
import { DemoPageController } from './demo-page.controller.js';
import { DemoController } from './demo.controller.js';
import { seedDemoUsers } from './seed.js';

/** Seeds the demo users once the module graph is ready (before the server listens). */
class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('Seed');

  constructor(@Inject(USER_STORE) private readonly users: UserStore) {}

  async onApplicationBootstrap(): Promise<void> {
    await seedDemoUsers(this.users, this.logger);
  }
}

/** The auth options of the sample app, from its settings and its DataSource. */
export function authOptions(config: SampleConfig, dataSource: DataSource): AuthModuleOptions {
  return {
    accessTokenType: config.accessTokenType,
    jwt: { secret: config.jwtSecret },
    cookies: { secure: config.cookieSecure },
    userStore: new TypeOrmUserStore(dataSource),
    sessionStore: config.sessionStore === 'memory' ? new MemorySessionStore() : new TypeOrmSessionStore(dataSource),
  };
}

/** The sample app: the auth module on TypeORM stores, plus three demo routes. */
@Module({})
export class AppModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot(config.databaseUrl),
        AuthModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => authOptions(config, dataSource),
        }),
      ],
      controllers: [DemoController, DemoPageController],
      providers: [DemoSeeder],
    };
  }
}
