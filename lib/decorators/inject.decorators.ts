import { Inject } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { PASSWORD_HASHER } from '../crypto/password-hasher.js';
import { TOKEN_TRANSPORT } from '../transport/token-transport.js';
import { AUTH_CLOCK } from '../util/clock.js';

// The stores' Inject…() decorators live beside their contracts and tokens (lib/stores/*.store.ts).

/** Injects the configured {@link PasswordHasher}. */
export const InjectPasswordHasher = (): PropertyDecorator & ParameterDecorator => Inject(PASSWORD_HASHER);
/** Injects the resolved, frozen {@link ResolvedAuthOptions}. */
export const InjectAuthOptions = (): PropertyDecorator & ParameterDecorator => Inject(AUTH_OPTIONS);
/** Injects the {@link TokenTransport} picked at start-up. */
export const InjectTokenTransport = (): PropertyDecorator & ParameterDecorator => Inject(TOKEN_TRANSPORT);
/** Injects the module's {@link Clock}. */
export const InjectAuthClock = (): PropertyDecorator & ParameterDecorator => Inject(AUTH_CLOCK);
