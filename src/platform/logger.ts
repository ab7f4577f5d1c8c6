import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: options.name ? { name: options.name } : null,
  };
  return pino(opts);
}

/** A logger that drops everything: for tests and benchmarks that assert on events, not on log lines. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
