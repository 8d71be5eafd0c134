import { loadConfig } from '../../config/index.js';
import { createLogger, type LogLevel } from '../../log.js';
import { normalizeName } from '../../lib/names.js';
import { createResolver } from '../../resolve/index.js';
import { ProviderPool } from '../../sync/provider-pool.js';
import { SyncProgress } from '../progress.js';
import { Notifier } from '../../notify/notifier.js';
import { summarize } from '../../sync/report.js';
import { runRound } from '../../sync/round.js';
import { renderRoundJson } from '../render-json.js';
import { renderRoundText } from '../render-text.js';
import { EXIT, print, UsageError } from '../output.js';

export interface SyncOptions {
  readonly config?: string;
  readonly dryRun: boolean;
  readonly record: readonly string[];
  readonly output: 'text' | 'json';
  readonly logLevel?: LogLevel;
}

/** `apexsync sync`: one round over the configured records (or those named by --record). */
export async function syncCommand(options: SyncOptions): Promise<number> {
  const config = loadConfig(options.config !== undefined ? { file: options.config } : {});
  const logger = createLogger(options.logLevel ?? config.logLevel ?? 'error');
  const wanted = new Set(options.record.map(normalizeName));
  for (const name of wanted) {
    if (!config.records.some((r) => r.name === name)) throw new UsageError(`--record ${name}: no such record in ${config.file}`);
  }
  const records = wanted.size === 0 ? config.records : config.records.filter((r) => wanted.has(r.name));
  // Progress only for a person watching: nothing when stderr is a pipe, a file or a log.
  const progress = process.stderr.isTTY ? new SyncProgress(process.stderr, records, config.damping.samples) : undefined;
  const providers = progress ? progress.providers(config.providers, logger) : new ProviderPool(config.providers, logger);
  const resolver = progress ? progress.resolver(createResolver(config.resolver)) : createResolver(config.resolver);
  try {
    // A dry run shows the plan only; `apexsync check` shows what the servers serve without writing.
    // The NS names of zones are looked up on a resolver of their own, outside the progress count.
    const verify = options.dryRun
      ? undefined
      : {
          settings: config.verify,
          discovery: { resolver: createResolver(config.resolver), resolverServers: config.resolver.servers, timeoutMs: config.resolver.timeoutMs },
          wait: true,
        };
    const report = await runRound({ records, resolver, providers, logger, dryRun: options.dryRun, samples: config.damping.samples, ...(verify ? { verify } : {}) }).finally(() =>
      progress?.finish(),
    );
    print(options.output === 'json' ? renderRoundJson(report) : renderRoundText(report));
    // A cron job that changed something says so; a failed notification is logged, never the exit code.
    if (config.notify.length > 0) await new Notifier(config.notify, { logger }).notify(report);
    return summarize(report).failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await providers.closeAll();
  }
}
