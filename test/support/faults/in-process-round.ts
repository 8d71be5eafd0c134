import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { renderRoundJson } from '../../../src/cli/render-json.js';
import { renderRoundText } from '../../../src/cli/render-text.js';
import type { RecordConfig } from '../../../src/config/types.js';
import { createResolver } from '../../../src/resolve/index.js';
import type { ResolverSettings } from '../../../src/resolve/types.js';
import { ProviderPool } from '../../../src/sync/provider-pool.js';
import { summarize, type RoundReport } from '../../../src/sync/report.js';
import { runRound } from '../../../src/sync/round.js';
import type { Provider } from '../../../providers/types.js';
import { ledger } from './ledger.js';

/**
 * One `sync` round in process: the same `runRound` the CLI's `sync` runs, with providers the
 * test built itself (so Route 53 can get short retry delays and timeouts, which the config file
 * cannot set), rendered by the CLI's own text and JSON renderers, and the exit code `sync`
 * derives from it (src/cli/commands/sync.ts: 1 when any record failed, else 0).
 *
 * Logs go, at trace level and WITHOUT the product's redaction list, to the ledger: anything an
 * adapter logs is searched for planted credentials as it is, not as a redaction rule saves it.
 */

export interface RoundResult {
  readonly code: number;
  readonly stdout: string;
  readonly report?: RoundReport;
}

/** A pool that hands out providers made by the test (the product's pool builds them from settings). */
class PrebuiltPool extends ProviderPool {
  constructor(
    private readonly prebuilt: ReadonlyMap<string, Provider>,
    logger: Logger,
  ) {
    super({}, logger);
  }
  override get(id: string): Promise<Provider> {
    const provider = this.prebuilt.get(id);
    return provider ? Promise.resolve(provider) : Promise.reject(new Error(`no provider '${id}'`));
  }
}

/** A trace-level logger whose every line is filed in the ledger under `label`. */
export function capturingLogger(label: string): Logger {
  return pino(
    { level: 'trace' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        ledger.record(`${label} log`, chunk.toString());
        done();
      },
    }),
  );
}

export async function runRoundInProcess(
  label: string,
  input: { readonly records: readonly RecordConfig[]; readonly resolver: ResolverSettings; readonly providers: (logger: Logger) => ReadonlyMap<string, Provider> },
): Promise<RoundResult> {
  const logger = capturingLogger(label);
  const providers = input.providers(logger);
  try {
    const report = await runRound({ records: input.records, resolver: createResolver(input.resolver), providers: new PrebuiltPool(providers, logger), logger, dryRun: false });
    const stdout = renderRoundText(report);
    ledger.record(`${label} stdout`, stdout);
    ledger.record(`${label} json`, renderRoundJson(report));
    return { code: summarize(report).failed > 0 ? 1 : 0, stdout, report };
  } finally {
    await Promise.all([...providers.values()].map((p) => p.close?.().catch(() => undefined)));
  }
}

/** A record as the config loader would build it with the defaults. */
export function recordConfig(name: string, target: string, provider: string, zone?: string): RecordConfig {
  return {
    name,
    target,
    provider,
    ...(zone !== undefined ? { zone } : {}),
    families: ['A', 'AAAA'],
    ttl: { kind: 'range', min: 60, max: 3600 },
    maxAddresses: 8,
    allowSpecialAddresses: false,
    allowEmpty: false,
  };
}
