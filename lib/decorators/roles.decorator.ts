import { SetMetadata } from '@nestjs/common';
import { ROLES_KEY } from '../auth.constants.js';

/**
 * Requires the caller to hold at least one of `roles` (checked by {@link RolesGuard} against the
 * access token's `roles` claim). On a method it replaces a controller-level `@Roles()`.
 */
export const Roles = (...roles: string[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);
