import type { INestApplication, LoggerService } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How {@link enableGracefulShutdown} stops the app. */
export interface GracefulShutdownOptions {
  /**
   * The whole shutdown's bound, in milliseconds: requests still running at `timeoutMs - min(1000,
   * timeoutMs / 4)` have their connections cut, so that the rest (Nest's hooks: DataSources, Redis,
   * the module's timers and hashing threads) gets the last second; at `timeoutMs` the process exits
   * with code 1 whatever is still pending.
   */
  timeoutMs: number;
  /** The signals that start a shutdown. @default ['SIGTERM', 'SIGINT'] */
  signals?: NodeJS.Signals[];
  /**
   * Signals that are logged and otherwise ignored. SIGUSR2's default action ends the process (and
   * Nest's `enableShutdownHooks()` without arguments shuts down on it); debuggers, profilers and
   * process managers send it to ask for something else. @default ['SIGUSR2']
   */
  ignoredSignals?: NodeJS.Signals[];
  /** Where the shutdown is reported. */
  logger: LoggerService;
}

/**
 * A shutdown that drains, instead of Nest's `enableShutdownHooks()`: on SIGTERM or SIGINT
 *
 * 1. every response written from then on carries `Connection: close` (also those of requests already
 *    running), so a keep-alive client closes its connection after its current answer;
 * 2. the server keeps accepting until two turns of the event loop in a row bring no new connection
 *    and no new request (connections made before the signal may still wait in the kernel's accept
 *    queue, and Node takes a few per turn: closing the listener at once reset about half of them),
 *    at most a quarter of `timeoutMs`; then it stops accepting and closes its idle keep-alive connections
 *    (`server.close()`), and each connection that finishes a response later;
 * 3. once the last connection has closed (or at the drain deadline, when the rest are cut),
 *    `app.close()` runs Nest's hooks: only now do DataSources and Redis clients close, after every
 *    request they served;
 * 4. the process exits with 0 (1 when the shutdown failed or overran `timeoutMs`).
 *
 * Call it before `app.listen()`. A second signal during the shutdown changes nothing.
 */
export function enableGracefulShutdown(app: INestApplication, options: GracefulShutdownOptions): void {
  const { timeoutMs, logger } = options;
  const exit = (code: number): never => process.exit(code);
  const server = app.getHttpServer() as Server;
  /** Responses whose headers are not sent yet: told `Connection: close` when the shutdown begins. */
  const pending = new Set<ServerResponse>();
  let shuttingDown = false;

  const closeConnection = (res: ServerResponse): void => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  /** Connections accepted and requests received so far: the drain keeps accepting while they grow. */
  let arrivals = 0;
  server.on('connection', () => arrivals++);
  /** The listener is closed: from then on every connection that finishes a response is closed too. */
  let stoppedAccepting = false;
  const closeIdle = (): void => {
    if (stoppedAccepting) server.closeIdleConnections();
  };
  // Before the app's own listener (Express answers a simple route within it, synchronously).
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    arrivals++;
    if (shuttingDown) {
      closeConnection(res);
      res.once('close', closeIdle);
      return;
    }
    pending.add(res);
    res.once('close', () => {
      pending.delete(res);
      closeIdle();
    });
  });

  const drain = (): Promise<void> =>
    new Promise((resolve) => {
      const cutAt = timeoutMs - Math.min(1000, Math.floor(timeoutMs / 4));
      const cut = setTimeout(() => {
        logger.warn(`Shutdown: cutting the connections still open after ${cutAt} ms`);
        server.closeAllConnections();
      }, cutAt);
      // Connections the clients made before the signal may still wait in the kernel's accept queue
      // (Node takes a few per turn of the event loop), and requests in socket buffers; closing the
      // listener and the idle connections now would reset them. So accept until two turns in a row
      // bring no new connection and no new request (a quarter of the bound at most), and only then
      // stop accepting and close the idle connections (`server.close()`).
      const acceptUntil = Date.now() + Math.floor(timeoutMs / 4);
      let quietTurns = 0;
      let seen = arrivals;
      const stopAccepting = (): void => {
        quietTurns = arrivals === seen ? quietTurns + 1 : 0;
        seen = arrivals;
        if (quietTurns < 2 && Date.now() < acceptUntil) {
          setImmediate(stopAccepting);
          return;
        }
        stoppedAccepting = true;
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
      };
      setImmediate(stopAccepting);
    });

  const shutdown = async (reason: string): Promise<void> => {
    shuttingDown = true;
    for (const res of pending) closeConnection(res);
    const started = Date.now();
    logger.log(`Shutting down (${reason}): answering the requests in flight, at most ${timeoutMs} ms`);
    await drain();
    await app.close();
    logger.log(`Shut down in ${Date.now() - started} ms`);
  };

  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (shuttingDown) return;
      const hardStop = setTimeout(() => {
        logger.error(`Shutdown did not finish within ${timeoutMs} ms; exiting`);
        exit(1);
      }, timeoutMs);
      shutdown(signal).then(
        () => {
          clearTimeout(hardStop);
          exit(0);
        },
        (error: unknown) => {
          logger.error(`Shutdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          clearTimeout(hardStop);
          exit(1);
        },
      );
    });
  }
  for (const signal of options.ignoredSignals ?? ['SIGUSR2']) {
    process.on(signal, () => {
      logger.log(`${signal} received and ignored (SIGTERM or SIGINT stop the app)`);
    });
  }
}
