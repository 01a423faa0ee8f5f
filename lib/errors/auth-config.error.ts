/**
 * Thrown at start-up when the module's options are invalid. The message lists every problem, one
 * per line, each prefixed with the option path (`jwt.secret: at least 32 bytes for HS256`).
 */
export class AuthConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid AuthModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AuthConfigError';
    this.problems = problems;
  }
}
