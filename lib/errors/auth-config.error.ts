/**
 * Thrown at start-up when the module's options are invalid. The message lists every problem, one
 * per line, each prefixed with the option path (`jwt.secret: at least 32 bytes for HS256`).
 */
export class AuthConfigError extends Error {
  readonly problems: readonly string[];

  /** @param moduleName the module whose options these are (`ResourceServerModule` for the resource server). */
  constructor(problems: readonly string[], moduleName = 'AuthModule') {
    super(`Invalid ${moduleName} options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AuthConfigError';
    this.problems = problems;
  }
}
