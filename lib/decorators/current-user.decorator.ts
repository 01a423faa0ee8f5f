import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthPrincipal } from '../tokens/access-token.claims.js';

/**
 * Injects the authenticated caller ({@link AuthPrincipal}: `id`, `sessionId`, `roles`), or one of
 * its fields: `@CurrentUser('id') userId: string`. `undefined` on a `@Public()` route without a token.
 */
export const CurrentUser = createParamDecorator((field: keyof AuthPrincipal | undefined, ctx: ExecutionContext) => {
  const user = ctx.switchToHttp().getRequest<{ user?: AuthPrincipal }>().user;
  return field && user ? user[field] : user;
});
