import { describe, expect, it } from '@jest/globals';
import { AuthException } from '../../../lib/errors/auth.exception.js';
import { AuthValidationPipe } from '../../../lib/decorators/json-body.decorator.js';
import { MfaDisableDto, MfaSendDto, MfaVerifyDto } from '../../../lib/dto/auth-requests.dto.js';
import type { MfaFactor } from '../../../lib/mfa/factors/mfa-factor.js';
import { MfaFactorRegistry } from '../../../lib/mfa/mfa-factor.registry.js';
import { MfaRequestValidationPipe } from '../../../lib/mfa/mfa-request-validation.pipe.js';

/** The field errors a pipe answers for `body` validated as `dto`, or `[]` when it passes. */
function errorsOf(pipe: AuthValidationPipe, dto: new () => object, body: object): unknown[] {
  try {
    pipe.transform(body, { type: 'body', metatype: dto });
    return [];
  } catch (error) {
    if (!(error instanceof AuthException)) throw error;
    return (error.getResponse() as { errors?: unknown[] }).errors ?? [];
  }
}

const factor = (method: string, extra: Partial<MfaFactor> = {}): MfaFactor => ({
  method,
  isUsableFor: () => true,
  verify: () => Promise.resolve(false),
  ...extra,
});

describe('the method field of the MFA DTOs', () => {
  const plain = new AuthValidationPipe();

  it('without custom factors: the built-in lists and the very messages @IsIn gave (every error reported, in field order)', () => {
    expect(errorsOf(plain, MfaVerifyDto, { mfaToken: 't', method: 'push', code: '1' })).toEqual([
      { field: 'method', message: 'method must be one of the following values: totp, email, sms, recovery' },
    ]);
    expect(errorsOf(plain, MfaSendDto, { mfaToken: 't', method: 'totp' })).toEqual([
      { field: 'method', message: 'method must be one of the following values: email, sms' },
    ]);
    expect(errorsOf(plain, MfaDisableDto, { method: 'recovery', password: 'p' })).toEqual([
      { field: 'method', message: 'method must be one of the following values: totp, email, sms' },
    ]);
    expect(errorsOf(plain, MfaVerifyDto, { mfaToken: 1, method: 7, code: '1' }).map((e) => (e as { field: string }).field)).toEqual([
      'mfaToken',
      'mfaToken',
      'mfaToken',
      'method',
    ]);
    for (const method of ['totp', 'email', 'sms', 'recovery'])
      expect(errorsOf(plain, MfaVerifyDto, { mfaToken: 't', method, code: '1' })).toEqual([]);
  });

  it('with custom factors: each field also takes the configured names it may (send: only those that send; disable: no backup factor)', () => {
    const registry = new MfaFactorRegistry([
      factor('pin'),
      factor('push', { send: () => Promise.resolve({ message: 'sent', expiresIn: 60 }) }),
      factor('backup-pin', { role: 'backup' }),
    ]);
    const pipe = new MfaRequestValidationPipe(registry);
    expect(errorsOf(pipe, MfaVerifyDto, { mfaToken: 't', method: 'backup-pin', code: '1' })).toEqual([]);
    expect(errorsOf(pipe, MfaSendDto, { mfaToken: 't', method: 'push' })).toEqual([]);
    expect(errorsOf(pipe, MfaSendDto, { mfaToken: 't', method: 'pin' })).toEqual([
      { field: 'method', message: 'method must be one of the following values: email, sms, push' },
    ]);
    expect(errorsOf(pipe, MfaDisableDto, { method: 'backup-pin', password: 'p' })).toEqual([
      { field: 'method', message: 'method must be one of the following values: totp, email, sms, pin, push' },
    ]);
    // the plain pipe is not affected by another pipe's names
    expect(errorsOf(plain, MfaSendDto, { mfaToken: 't', method: 'push' })).toHaveLength(1);
  });
});
