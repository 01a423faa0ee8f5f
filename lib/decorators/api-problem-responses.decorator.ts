import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ProblemDto } from '../dto/auth-responses.dto.js';
import { AuthErrorCodes, type AuthErrorCode } from '../errors/error-codes.js';

/**
 * Documents the problem responses a route can answer with, grouped by status, each listing its
 * codes; the body schema is {@link ProblemDto} as `application/problem+json`.
 */
export function ApiProblemResponses(...codes: AuthErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, AuthErrorCode[]>();
  for (const code of codes) {
    const { status } = AuthErrorCodes[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((code) => `\`${code}\`: ${AuthErrorCodes[code].detail}`).join(' — '),
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
