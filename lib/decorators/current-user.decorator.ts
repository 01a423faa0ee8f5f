import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';

/**
 * Injects the authenticated caller ({@link AuthPrincipal}: `id`, `sessionId`, `roles`), or one of
 * its fields: `@CurrentUser('id') userId: string`. `undefined` on a `@Public()` route without a token.
 */
export const CurrentUser = createParamDecorator((field: keyof AuthPrincipal | undefined, ctx: ExecutionContext) => {
  // `null` on Fastify before the guard sets it (the module declares the property there): undefined.
  const user = ctx.switchToHttp().getRequest<{ user?: AuthPrincipal | null }>().user ?? undefined;
  return field && user ? user[field] : user;
});
