/**
 * The README's `forRootAsync` example: options read from `.env` through @nestjs/config.
 * `test/e2e/docs-quick-start.e2e-spec.ts` boots this module as it is and logs in through it.
 */
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AuthModule, MemoryUserStore, type AuthModuleOptions } from 'nest-gatekeeper';

@Module({
  imports: [
    ConfigModule.forRoot(), // loads .env into process.env; without it ConfigService sees only the real environment
    AuthModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService): AuthModuleOptions => ({
        jwt: {
          secret: config.getOrThrow<string>('JWT_SECRET'),
          accessTokenTtl: config.get('ACCESS_TOKEN_TTL', '15m'),
        },
        userStore: new MemoryUserStore(), // or your own store: docs/stores.md
        trustProxyHeaders: config.get('TRUST_PROXY') === 'true',
      }),
      // extras shape the module itself, so they sit here and not in the factory's result:
      routes: { prefix: 'auth' },
      globalGuard: true,
    }),
  ],
})
export class AppModule {}
