import type { Logger } from './logger.js';

/**
 * The process's last line of defence (issue 20, finding 1: one TCP reset during a WebSocket handshake ended the
 * process). Errors of a single socket (the peer reset it, wrote after it closed, timed out) concern one client
 * only: they are logged and the server keeps serving everyone else. Anything else means the process is in a state
 * nobody planned for: it is logged as fatal and the process exits, so that a supervisor starts a clean one
 * (SQLite's transactions keep the stored state whole either way).
 */
const SOCKET_LEVEL = new Set([
  'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_SOCKET_CLOSED',
  'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_HTTP_REQUEST', 'HPE_INVALID_METHOD', 'HPE_HEADER_OVERFLOW',
]);

export function isSocketLevelError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SOCKET_LEVEL.has(code);
}

export interface LastResort {
  uncaughtException(err: unknown): void;
  unhandledRejection(reason: unknown): void;
}

/** The handlers, apart from `process` so that they can be tested; `exit` ends the process. */
export function lastResort(o: { logger: Logger; exit: (code: number) => void }): LastResort {
  const handle = (err: unknown, origin: string) => {
    if (isSocketLevelError(err)) {
      o.logger.warn({ err, origin }, 'socket error reached the last-resort handler: one client lost, still serving');
      return;
    }
    o.logger.fatal({ err, origin }, 'unexpected error: exiting so that a clean process takes over');
    o.exit(1);
  };
  return {
    uncaughtException: (err) => handle(err, 'uncaughtException'),
    unhandledRejection: (reason) => handle(reason, 'unhandledRejection'),
  };
}

/** Installs the handlers on the process (main.ts, when it runs as the program). */
export function installLastResort(proc: NodeJS.Process, logger: Logger): void {
  const h = lastResort({ logger, exit: (code) => proc.exit(code) });
  proc.on('uncaughtException', h.uncaughtException);
  proc.on('unhandledRejection', h.unhandledRejection);
}
