import { ConfigError, loadConfig } from '../../config/index.js';
import { createLogger, type LogLevel } from '../../log.js';
import { Daemon } from '../../run/daemon.js';
import { errorMessage } from '../../lib/errors.js';
import { takeEarlySignals } from '../early-signals.js';
import { EXIT, printError } from '../output.js';

export interface RunOptions {
  readonly config?: string;
  readonly logLevel?: LogLevel;
}

/** After a clean stop, anything still holding the event loop open (a stuck socket) gets this long. */
const EXIT_LINGER_MS = 2000;

/**
 * `apexsync run`: the long-running daemon (docs/running.md). Only a config error at start-up is
 * fatal (exit 2); at run time every failure is logged, counted and retried. SIGTERM/SIGINT stop
 * it (exit 0), SIGHUP reloads the config.
 */
export async function runCommand(options: RunOptions): Promise<number> {
  const config = loadConfig(options.config !== undefined ? { file: options.config } : {});
  const logger = createLogger(options.logLevel ?? config.logLevel ?? 'info');

  let daemon: Daemon;
  try {
    daemon = await Daemon.start(config, {
      logger,
      reloadConfig: () => loadConfig({ file: config.file }),
      fixedLogLevel: options.logLevel !== undefined,
    });
  } catch (error) {
    takeEarlySignals();
    if (error instanceof ConfigError) throw error;
    // The HTTP port is taken, say: nothing was written yet, and a supervisor will retry.
    printError(`cannot start: ${errorMessage(error)}`);
    return EXIT.failed;
  }

  const code = await new Promise<number>((resolve) => {
    let stopping = false;
    const onStop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second stop signal: exiting without waiting');
        process.exit(EXIT.failed);
      }
      stopping = true;
      logger.info({ signal }, 'stopping: no new rounds; waiting for a round in progress');
      void daemon.stop().then(() => {
        logger.info('stopped');
        resolve(EXIT.ok);
      });
    };
    const onReload = (): void => {
      logger.info('SIGHUP: reloading the config');
      daemon.reload();
    };
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', onReload);
    // Signals that came while starting: acted on now, in order (a stop wins over a later reload).
    for (const signal of takeEarlySignals()) {
      logger.info({ signal }, 'signal received during start-up');
      if (signal === 'SIGHUP') onReload();
      else if (!stopping) onStop(signal);
    }
    // A bug must not take the sidecar down with it: logged, and the next round runs as usual.
    process.on('unhandledRejection', (reason) => {
      logger.error({ error: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection (a bug); carrying on');
    });
  });
  setTimeout(() => process.exit(code), EXIT_LINGER_MS).unref();
  return code;
}
