import type { FactoryProvider, InjectionToken } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { AuthConfigError } from '../errors/auth-config.error.js';
import type { AuthModuleOptions } from '../options/auth-module-options.interface.js';
import { resolveProvider } from '../options/resolve-provider.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { MFA_CHALLENGE_STORE, type MfaChallengeStore } from '../stores/mfa-challenge.store.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { DeliveredCodeFactor } from './factors/delivered-code.factor.js';
import type { MfaFactor } from './factors/mfa-factor.js';
import { PasskeyFactor } from './factors/passkey.factor.js';
import { RecoveryCodeFactor } from './factors/recovery-code.factor.js';
import { TotpFactor } from './factors/totp.factor.js';
import { MFA_METHODS, RECOVERY_METHOD, type BuiltInMfaMethod } from './mfa-methods.js';
import { EMAIL_SENDER, SMS_SENDER, type MfaSender } from './mfa-sender.js';
import { OneTimeCodes } from './verification-codes.js';

const METHOD_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const BUILT_IN: readonly string[] = [...MFA_METHODS, RECOVERY_METHOD];
/** Names custom factors cannot take: the built-ins, and passkeys (added with `passkeys.enabled`). */
const RESERVED: readonly string[] = [...BUILT_IN, 'passkey'];

/**
 * The second factors of this module, built once at start-up: the built-ins listed in `mfa.methods`,
 * recovery codes, and every factor of `mfa.factors`. Looked up by method name.
 */
export class MfaFactorRegistry {
  private readonly byMethod: ReadonlyMap<string, MfaFactor>;
  /** The backup factors (recovery codes), offered after a user's own methods. */
  readonly backups: readonly MfaFactor[];

  constructor(factors: readonly MfaFactor[]) {
    this.byMethod = new Map(factors.map((f) => [f.method, f]));
    this.backups = factors.filter((f) => f.role === 'backup');
  }

  /** The factor of this method name, or `undefined` when the module does not offer it. */
  get(method: string): MfaFactor | undefined {
    return this.byMethod.get(method);
  }

  /** Whether any primary factor is offered (MFA is on). */
  get enabled(): boolean {
    return [...this.byMethod.values()].some((f) => f.role !== 'backup');
  }

  /**
   * The names of the factors beyond the built-in ones (those of `mfa.factors`, and `passkey`) that
   * a request field accepts: every one at `/mfa/verify`, those that send at `/mfa/send`, the primary
   * ones at `/mfa/disable`.
   */
  customMethods(field: 'verify' | 'send' | 'disable'): string[] {
    return [...this.byMethod.values()]
      .filter((f) => !BUILT_IN.includes(f.method))
      .filter((f) => (field === 'send' ? f.send !== undefined : field === 'disable' ? f.role !== 'backup' : true))
      .map((f) => f.method);
  }
}

/** Checks the factors added through `mfa.factors`; every problem names its index. */
function checkCustomFactors(factors: readonly unknown[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  factors.forEach((factor, i) => {
    const path = `mfa.factors[${i}]`;
    const f = factor as Partial<Record<keyof MfaFactor, unknown>> | null;
    if (typeof f !== 'object' || f === null || typeof f.isUsableFor !== 'function' || typeof f.verify !== 'function') {
      problems.push(`${path}: must implement MfaFactor (method, isUsableFor, verify)`);
      return;
    }
    const method = f.method;
    if (typeof method !== 'string' || !METHOD_NAME.test(method)) {
      problems.push(`${path}.method: must be lower-case letters, digits, '-' or '_' (at most 32), starting with a letter`);
    } else if (RESERVED.includes(method)) {
      problems.push(`${path}.method: '${method}' is a built-in method`);
    } else if (seen.has(method)) {
      problems.push(`${path}.method: '${method}' is used by another factor`);
    } else seen.add(method);
    if (f.role !== undefined && f.role !== 'primary' && f.role !== 'backup') problems.push(`${path}.role: must be 'primary' or 'backup'`);
  });
  return problems;
}

/**
 * The provider of the {@link MfaFactorRegistry}: built-in factors from the resolved options, custom
 * ones from the raw `mfa.factors` (each a class, an instance or `{ useFactory, inject }`).
 */
export function mfaFactorRegistryProvider(rawOptions: InjectionToken): FactoryProvider<MfaFactorRegistry> {
  return {
    provide: MfaFactorRegistry,
    useFactory: async (
      raw: AuthModuleOptions,
      moduleRef: ModuleRef,
      options: ResolvedAuthOptions,
      store: MfaChallengeStore,
      clock: Clock,
      totp: TotpFactor,
      recovery: RecoveryCodeFactor,
      passkey: PasskeyFactor,
      email: MfaSender | undefined,
      sms: MfaSender | undefined,
    ): Promise<MfaFactorRegistry> => {
      const { methods, codeTtlMs, codeLength, issuer } = options.mfa;
      const settings = { store, clock, codeTtlMs, issuer, codes: new OneTimeCodes(options.secretKeys, codeLength) };
      // One entry per built-in method (the compiler wants them all); resolveAuthOptions has made
      // sure that a sender is configured for each delivered method in use.
      const builders: Record<BuiltInMfaMethod, () => MfaFactor> = {
        totp: () => totp,
        email: () => new DeliveredCodeFactor('email', email as MfaSender, settings),
        sms: () => new DeliveredCodeFactor('sms', sms as MfaSender, settings),
      };
      const builtIn = methods.map((method) => builders[method]());
      const custom = await Promise.all((raw.mfa?.factors ?? []).map((option) => resolveProvider(option, moduleRef, () => undefined)));
      const problems = checkCustomFactors(custom);
      if (problems.length > 0) throw new AuthConfigError(problems);
      const passkeys = options.passkeys.enabled ? [passkey] : [];
      return new MfaFactorRegistry([...builtIn, ...passkeys, recovery, ...(custom as MfaFactor[])]);
    },
    inject: [
      rawOptions,
      ModuleRef,
      AUTH_OPTIONS,
      MFA_CHALLENGE_STORE,
      AUTH_CLOCK,
      TotpFactor,
      RecoveryCodeFactor,
      PasskeyFactor,
      { token: EMAIL_SENDER, optional: true },
      { token: SMS_SENDER, optional: true },
    ],
  };
}
