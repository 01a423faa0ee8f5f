/**
 * The README's `forRoot` example: the module mounted with your own user store, and the extras that
 * shape the module (routes, global guard).
 */
import { Module } from '@nestjs/common';
import { AuthModule } from 'nest-gatekeeper';
import { UsersAuthStore } from './users/users-auth.store.js';
import { UsersModule } from './users/users.module.js';

@Module({
  imports: [
    UsersModule, // global: provides the UsersRepository that UsersAuthStore injects
    AuthModule.forRoot({
      jwt: { secret: process.env.JWT_SECRET!, accessTokenTtl: '15m' },
      refreshToken: { ttl: '7d', absoluteTtl: '30d' },
      userStore: UsersAuthStore, // a class, an instance or { useFactory, inject }
      // module shape ("extras"):
      routes: { prefix: 'auth', me: 'profile', registration: false },
      globalGuard: true,
    }),
  ],
})
export class AppModule {}
