import { pino, type Logger, type Level } from 'pino';

export type { Logger };
export type LogLevel = Level | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Diagnostic logs go to stderr as JSON lines (stdout is the CLI's plan and summary). Settings
 * objects carry `Secret`s that print as [redacted]; the redact list is a second net for keys
 * that look like credentials.
 */
export function createLogger(level: LogLevel = 'warn'): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['*.secret', '*.apiToken', '*.token', '*.password', '*.secretAccessKey', '*.authorization', '*.Authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
