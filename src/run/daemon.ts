import type { Logger } from 'pino';
import { formatDuration } from '../config/duration.js';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/types.js';
import { formatServerAddress } from '../dns/server-address.js';
import { createResolver } from '../resolve/index.js';
import { errorMessage } from '../lib/errors.js';
import { systemClock, wallTimeOf, type Clock, type Random } from '../lib/clock.js';
import { startCron } from './cron.js';
import { readiness } from './health.js';
import { sendHeartbeat, type Fetch } from './heartbeat.js';
import { startHttpServer, type HealthSource, type HttpServer } from './http.js';
import { MeteredProviderPool, meteredResolver } from './instrument.js';
import { RunMetrics } from './metrics.js';
import { Scheduler, type Runtime } from './scheduler.js';
import { Notifier } from '../notify/notifier.js';
import { StatusStore } from '../status/store.js';
import type { PostFetch } from '../notify/send.js';

/** How long SIGTERM waits for a round in progress (a write) before giving up on it. */
export const SHUTDOWN_GRACE_MS = 10_000;
/** How long a stop waits for notifications still being sent (retries are given up). */
const NOTIFY_GRACE_MS = 3000;

export interface DaemonOptions {
  readonly logger: Logger;
  /** Reads the config file again (SIGHUP). Throws ConfigError for an invalid one. */
  readonly reloadConfig: () => Config;
  /** Set when --log-level was given: a reload then keeps it. */
  readonly fixedLogLevel?: boolean;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly fetch?: Fetch;
  readonly startCron?: (expression: string, task: () => void, logger: Logger) => () => void;
  readonly notifyFetch?: PostFetch;
}

/**
 * `apexsync run`: the HTTP endpoints, the scheduler and the cron tick, wired from one config,
 * with reload and graceful stop. Nothing in here exits the process; run.ts owns signals.
 */
export class Daemon {
  readonly metrics = new RunMetrics();
  readonly #scheduler: Scheduler;
  readonly #clock: Clock;
  readonly #notifier: Notifier;
  readonly #status: StatusStore;
  #http: HttpServer | undefined;
  #stopCron: (() => void) | undefined;
  #stopping: Promise<boolean> | undefined;

  private constructor(
    config: Config,
    private readonly options: DaemonOptions,
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#status = new StatusStore(this.#clock.now());
    this.#notifier = new Notifier(config.notify, {
      logger: options.logger,
      onResult: (target, result) => this.metrics.notifications.inc({ target, result }),
      ...(options.notifyFetch ? { fetch: options.notifyFetch } : {}),
    });
    this.#scheduler = new Scheduler(this.#buildRuntime(config), {
      clock: this.#clock,
      random: options.random ?? Math.random,
      logger: options.logger,
      metrics: this.metrics,
      onFullReconcile: (ok) => this.#heartbeat(ok),
      onRound: (report) => {
        this.#status.observe(report, this.#clock.now());
        void this.#notifier.notify(report);
      },
    });
  }

  /** Binds the HTTP server, starts the first round and the cron tick. */
  static async start(config: Config, options: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(config, options);
    daemon.#http = await startHttpServer(config.server.listen, daemon.#healthSource(), options.logger);
    options.logger.info(
      {
        config: config.file,
        records: config.records.length,
        schedule: config.schedule,
        http: daemon.#http.url,
        interval: `${formatDuration(config.interval.minMs)}–${formatDuration(config.interval.maxMs)}`,
        staleAfter: formatDuration(config.staleAfterMs),
      },
      'apexsync run started',
    );
    void daemon.#scheduler.start();
    daemon.#startCron(config.schedule);
    return daemon;
  }

  get url(): string {
    return this.#http?.url ?? '';
  }

  get scheduler(): Scheduler {
    return this.#scheduler;
  }

  /** SIGHUP: a valid new config replaces the old one and a full reconcile runs; an invalid one is refused. */
  reload(): boolean {
    if (this.#stopping) return false;
    let config: Config;
    try {
      config = this.options.reloadConfig();
    } catch (error) {
      const problems = error instanceof ConfigError ? [...error.problems] : [errorMessage(error)];
      this.metrics.configReloads.inc({ result: 'refused' });
      this.options.logger.error({ problems }, `config reload refused, keeping the previous config: ${problems.join('; ')}`);
      return false;
    }
    const previous = this.#scheduler.runtime.config;
    if (formatServerAddress(config.server.listen) !== formatServerAddress(previous.server.listen)) {
      this.options.logger.warn({ listen: formatServerAddress(previous.server.listen) }, 'server.listen changed; it takes effect at the next restart');
    }
    if (!this.options.fixedLogLevel && config.logLevel !== undefined) this.options.logger.level = config.logLevel;
    this.#scheduler.replace(this.#buildRuntime(config));
    this.#notifier.setTargets(config.notify);
    if (config.schedule !== previous.schedule) {
      this.#stopCron?.();
      this.#startCron(config.schedule);
    }
    this.metrics.configReloads.inc({ result: 'applied' });
    this.options.logger.info({ config: config.file, records: config.records.length }, 'config reloaded');
    void this.#scheduler.runFull('reload');
    return true;
  }

  /** SIGTERM/SIGINT: stop scheduling, let a round in progress finish (bounded), close everything. */
  stop(graceMs = SHUTDOWN_GRACE_MS): Promise<boolean> {
    this.#stopping ??= (async () => {
      this.#stopCron?.();
      const finished = await this.#scheduler.stop(graceMs);
      if (!finished)
        this.options.logger.warn({ graceMs }, 'a round was still running at shutdown; its write may or may not have been applied, the next start re-reads the provider');
      // The last round's messages (a change made just before the stop) get a moment to go out.
      let cancel: (() => void) | undefined;
      await Promise.race([this.#notifier.idle(), new Promise<void>((resolve) => (cancel = this.#clock.setTimer(resolve, NOTIFY_GRACE_MS)))]);
      cancel?.();
      await this.#http?.close();
      return finished;
    })();
    return this.#stopping;
  }

  #buildRuntime(config: Config): Runtime {
    return {
      config,
      resolver: meteredResolver(createResolver(config.resolver), this.metrics),
      providers: new MeteredProviderPool(config.providers, this.options.logger, this.metrics),
    };
  }

  #startCron(expression: string): void {
    const start = this.options.startCron ?? startCron;
    this.#stopCron = start(expression, () => void this.#scheduler.runFull('schedule'), this.options.logger);
  }

  async #heartbeat(ok: boolean): Promise<void> {
    const settings = this.#scheduler.runtime.config.heartbeat;
    if (!settings) return;
    await sendHeartbeat(settings, ok, { logger: this.options.logger, metrics: this.metrics, ...(this.options.fetch ? { fetch: this.options.fetch } : {}) });
  }

  #healthSource(): HealthSource {
    return {
      metrics: this.metrics,
      liveness: () => {
        if (this.#scheduler.stopping) return { ok: false, detail: 'stopping' };
        const since = this.#scheduler.oldestRoundStart();
        const limit = this.#scheduler.runtime.config.staleAfterMs;
        if (since !== undefined && this.#clock.monotonic() - since > limit) {
          return { ok: false, detail: `a round has been running since ${new Date(wallTimeOf(this.#clock, since)).toISOString()}` };
        }
        return { ok: true, detail: since === undefined ? 'idle' : 'round in progress' };
      },
      readiness: () => readiness(this.#scheduler.health(), this.#clock.now(), this.#scheduler.runtime.config.staleAfterMs),
      status: () => this.#status.document(this.#scheduler.health(), this.#clock.now()),
    };
  }
}
