import cron from 'node-cron';
import type { Logger } from 'pino';

/** Calls `task` on every tick of `expression` (validated with the config); returns a function that stops it. */
export function startCron(expression: string, task: () => void, logger: Logger): () => void {
  const scheduled = cron.schedule(expression, task, {
    name: 'apexsync-full-reconcile',
    // node-cron would otherwise print to stdout, which belongs to the CLI's output.
    logger: {
      info: (message) => logger.debug({ cron: true }, message),
      warn: (message) => logger.warn({ cron: true }, message),
      error: (message) => logger.error({ cron: true }, String(message)),
      debug: (message) => logger.debug({ cron: true }, String(message)),
    },
  });
  return () => {
    void scheduled.destroy();
  };
}
