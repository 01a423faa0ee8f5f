/**
 * The README's library quick start (1/2): an app whose users live in memory. `test/e2e/docs-quick-start.e2e-spec.ts`
 * boots this module and registers, logs in and calls /auth/me, so the quick start stays true.
 */
import { Module } from '@nestjs/common';
import { AuthModule, MemoryUserStore } from 'nest-gatekeeper';

@Module({
  imports: [
    AuthModule.forRoot({
      jwt: { secret: process.env.JWT_SECRET }, // at least 32 bytes: openssl rand -base64 32
      userStore: new MemoryUserStore(), // users in memory: replace it with your own store later
    }),
  ],
})
export class AppModule {}
