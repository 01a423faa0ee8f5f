/** Verifying tokens in other services: the examples of docs/resource-server.md. */
import { Controller, Get, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { CurrentUser, Public, ResourceServerModule, Roles, type AuthPrincipal } from 'nest-gatekeeper/resource-server';

// The same controller code as on the issuer: only the import path differs.
@Controller('orders')
export class OrdersController {
  @Public()
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Get()
  list(@CurrentUser('id') userId: string): { userId: string; orders: string[] } {
    return { userId, orders: [] };
  }

  @Roles('admin')
  @Get('all')
  all(@CurrentUser() user: AuthPrincipal): { by: string } {
    return { by: user.id };
  }
}

@Module({
  imports: [
    ResourceServerModule.forRoot({
      jwksUri: 'https://auth.example.com/.well-known/jwks.json',
      issuer: 'https://auth.example.com', // the issuer's jwt.issuer
      audience: 'orders-api', // the issuer's jwt.audience
    }),
  ],
  controllers: [OrdersController],
})
export class AppModule {}

// From configuration, with the JWKS cache tuned (every value shown is the default).
export const fromConfig = ResourceServerModule.forRootAsync({
  imports: [ConfigModule.forRoot()],
  inject: [ConfigService],
  useFactory: (config: ConfigService) => ({
    jwksUri: config.getOrThrow<string>('AUTH_JWKS_URL'),
    issuer: config.getOrThrow<string>('AUTH_ISSUER'),
    audience: config.getOrThrow<string>('AUTH_AUDIENCE'),
    algorithms: ['EdDSA', 'ES256', 'RS256'],
    jwks: {
      timeout: '5s',
      defaultCacheAge: '5m',
      minCacheAge: '30s',
      maxCacheAge: '1d',
      unknownKidCooldown: '30s',
      maxStale: '1d',
    },
  }),
});
