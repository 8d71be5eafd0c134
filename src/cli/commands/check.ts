import { loadConfig } from '../../config/index.js';
import { createLogger, type LogLevel } from '../../log.js';
import type { Failure, RecordSet } from '../../model.js';
import { FAMILIES } from '../../model.js';
import { ProviderPool } from '../../sync/provider-pool.js';
import { readRecords } from '../../sync/round.js';
import { createResolver } from '../../resolve/index.js';
import { ConcurrencyLimiter } from '../../resolve/limiter.js';
import { checkServed, describeServed, VERIFY_CONCURRENCY, type ServedReport } from '../../verify/index.js';
import { EXIT, print } from '../output.js';

export interface CheckOptions {
  readonly config?: string;
  readonly logLevel?: LogLevel;
  readonly output?: 'text' | 'json';
}

/** One record as `check` saw it; `--output json` prints these (schema in README.md). */
interface CheckedRecord {
  readonly name: string;
  readonly provider: string;
  readonly zone: string | null;
  readonly target: string;
  readonly status: 'readable' | 'failed';
  readonly published: { readonly A: RecordSet | null; readonly AAAA: RecordSet | null } | null;
  readonly conflict: string | null;
  readonly error: Pick<Failure, 'stage' | 'kind' | 'message'> | null;
  /** What the zone's servers answer (absent: not checked); diverged under `verify.mode: require` fails the record. */
  readonly served?: ServedReport;
}

/**
 * `apexsync check`: validate the config, read every provider and ask the zones' servers whether
 * they serve what the provider holds (one query round, no waiting); writes nothing, resolves no target.
 */
export async function checkCommand(options: CheckOptions): Promise<number> {
  const config = loadConfig(options.config !== undefined ? { file: options.config } : {});
  const logger = createLogger(options.logLevel ?? config.logLevel ?? 'error');
  const providers = new ProviderPool(config.providers, logger);
  try {
    const states = await readRecords(config.records, providers);
    const { served } = await checkServed({
      items: config.records.map((record, i) => {
        const state = states[i]!;
        if (!state.ok || state.current.conflict !== undefined) return undefined;
        const planned = Object.fromEntries(record.families.flatMap((family) => (state.current[family] ? [[family, state.current[family]]] : [])));
        return { providerId: record.provider, zone: state.zone, target: { name: record.name, families: record.families, planned } };
      }),
      verify: config.verify,
      discovery: { resolver: createResolver(config.resolver), resolverServers: config.resolver.servers, timeoutMs: config.resolver.timeoutMs },
      limiter: new ConcurrencyLimiter(VERIFY_CONCURRENCY),
      wait: false,
    });
    const records = config.records.map((record, i): CheckedRecord => {
      const state = states[i]!;
      const base = { name: record.name, provider: record.provider, zone: state.zone, target: record.target };
      if (!state.ok) {
        const { stage, kind, message } = state.failure;
        return { ...base, status: 'failed', published: null, conflict: null, error: { stage, kind, message } };
      }
      const conflict = state.current.conflict ?? null;
      const report = served[i];
      const diverged = report?.status === 'diverged' && config.verify[record.provider]?.mode === 'require';
      return {
        ...base,
        status: conflict === null && !diverged ? 'readable' : 'failed',
        published: { A: state.current.A ?? null, AAAA: state.current.AAAA ?? null },
        conflict,
        error: diverged ? { stage: 'verify', kind: 'unconfirmed', message: describeServed(report) } : null,
        ...(report ? { served: report } : {}),
      };
    });
    const failed = records.filter((record) => record.status === 'failed').length;
    const summary = { records: records.length, providers: Object.keys(config.providers).length, readable: records.length - failed, failed };
    print(options.output === 'json' ? `${JSON.stringify({ config: config.file, records, summary }, null, 2)}\n` : renderText(config.file, records, summary));
    return failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await providers.closeAll();
  }
}

function renderText(file: string, records: readonly CheckedRecord[], summary: { records: number; providers: number; readable: number; failed: number }): string {
  const lines = [`config ${file}: ${summary.records} record(s), ${summary.providers} provider(s)`];
  for (const record of records) {
    const where = record.zone ? `${record.provider} · zone ${record.zone}` : record.provider;
    lines.push(`${record.name}  (${where})  ← ${record.target}`);
    if (record.error && record.error.stage !== 'verify') {
      lines.push(`  ! ${record.error.stage}: ${record.error.message}`);
      continue;
    }
    if (record.conflict) lines.push(`  ! conflict: ${record.conflict}`);
    for (const family of FAMILIES) lines.push(`  ${family.padEnd(5)} ${describe(record.published?.[family] ?? null)}`);
    if (record.error) lines.push(`  ! ${record.error.stage}: ${record.error.message}`);
    else if (record.served) lines.push(`  · ${describeServed(record.served)}`);
  }
  lines.push(`Check: ${summary.readable} readable, ${summary.failed} failed`);
  return `${lines.join('\n')}\n`;
}

function describe(set: RecordSet | null): string {
  return set ? `${String(set.ttl).padEnd(5)}  ${set.values.join(', ')}` : '(none)';
}
