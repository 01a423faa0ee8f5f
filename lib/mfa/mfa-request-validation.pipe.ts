import { Injectable } from '@nestjs/common';
import { AuthValidationPipe } from '../decorators/json-body.decorator.js';
import { allowMfaMethods, type MfaMethodFieldKind } from '../dto/validation.decorators.js';
import { MfaFactorRegistry } from './mfa-factor.registry.js';

/**
 * The module's validation pipe for MFA requests: as {@link AuthValidationPipe}, and the `method`
 * fields also accept the names of the factors configured through `mfa.factors`.
 */
@Injectable()
export class MfaRequestValidationPipe extends AuthValidationPipe {
  private readonly custom: Readonly<Record<MfaMethodFieldKind, readonly string[]>>;

  constructor(factors: MfaFactorRegistry) {
    super();
    this.custom = {
      verify: factors.customMethods('verify'),
      send: factors.customMethods('send'),
      disable: factors.customMethods('disable'),
    };
  }

  protected override beforeValidate(dto: object): void {
    allowMfaMethods(dto, this.custom);
  }
}
