import { Logger, type LoggerService } from '@nestjs/common';
import type { AuthEvent, AuthEventType } from './auth-event.js';
import type { AuthEventSink } from './auth-event.sink.js';

/** The types logged as warnings (an attack, or a defence that fired); the rest are logged at `log`. */
const WARNINGS: ReadonlySet<AuthEventType> = new Set<AuthEventType>([
  'login.locked',
  'mfa.locked',
  'refresh.reuse_detected',
  'password.breached',
  'password.breach_check_unavailable',
]);

/**
 * Logs each event as one line of JSON through a Nest logger (by default `new Logger('AuthEvents')`,
 * so the app's logger, e.g. nestjs-pino, receives them): warnings for locks, detected reuse and
 * breached passwords, `log` for the rest. What `events.log` turns on.
 */
export class LoggerEventSink implements AuthEventSink {
  readonly name = 'log';

  /**
   * @param types the event types to log (every type when omitted)
   * @param logger where the lines go
   */
  constructor(
    readonly types?: readonly AuthEventType[],
    private readonly logger: LoggerService = new Logger('AuthEvents'),
  ) {}

  handle(events: readonly AuthEvent[]): void {
    for (const event of events) {
      const line = JSON.stringify(event);
      if (WARNINGS.has(event.type)) this.logger.warn(line);
      else this.logger.log(line);
    }
  }
}
