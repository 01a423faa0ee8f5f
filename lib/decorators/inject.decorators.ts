import { Inject } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { PASSWORD_HASHER } from '../crypto/password-hasher.js';

// The stores' Inject…() decorators live beside their contracts and tokens (lib/stores/*.store.ts).

/** Injects the configured {@link PasswordHasher}. */
export const InjectPasswordHasher = (): PropertyDecorator & ParameterDecorator => Inject(PASSWORD_HASHER);
/** Injects the resolved, frozen {@link ResolvedAuthOptions}. */
export const InjectAuthOptions = (): PropertyDecorator & ParameterDecorator => Inject(AUTH_OPTIONS);
