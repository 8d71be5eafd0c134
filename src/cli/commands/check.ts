import { loadConfig } from '../../config/index.js';
import { createLogger, type LogLevel } from '../../log.js';
import type { RecordSet } from '../../model.js';
import { FAMILIES } from '../../model.js';
import { ProviderPool } from '../../sync/provider-pool.js';
import { readRecords } from '../../sync/round.js';
import { createResolver } from '../../resolve/index.js';
import { ConcurrencyLimiter } from '../../resolve/limiter.js';
import { checkServed, describeServed, VERIFY_CONCURRENCY } from '../../verify/index.js';
import { EXIT, print } from '../output.js';

/**
 * `apexsync check`: validate the config, read every provider and ask the zones' servers whether
 * they serve what the provider holds (one query round, no waiting); writes nothing, resolves no target.
 */
export async function checkCommand(options: { readonly config?: string; readonly logLevel?: LogLevel }): Promise<number> {
  const config = loadConfig(options.config !== undefined ? { file: options.config } : {});
  const logger = createLogger(options.logLevel ?? config.logLevel ?? 'error');
  const providers = new ProviderPool(config.providers, logger);
  try {
    const states = await readRecords(config.records, providers);
    const resolver = createResolver(config.resolver);
    const { served } = await checkServed({
      items: config.records.map((record, i) => {
        const state = states[i]!;
        if (!state.ok || state.current.conflict !== undefined) return undefined;
        const planned = Object.fromEntries(record.families.flatMap((family) => (state.current[family] ? [[family, state.current[family]]] : [])));
        return { providerId: record.provider, zone: state.zone, target: { name: record.name, families: record.families, planned } };
      }),
      verify: config.verify,
      discovery: { resolver, resolverServers: config.resolver.servers, timeoutMs: config.resolver.timeoutMs },
      limiter: new ConcurrencyLimiter(VERIFY_CONCURRENCY),
      wait: false,
    });
    const lines = [`config ${config.file}: ${config.records.length} record(s), ${Object.keys(config.providers).length} provider(s)`];
    let failed = 0;
    config.records.forEach((record, i) => {
      const state = states[i]!;
      const where = state.zone ? `${record.provider} · zone ${state.zone}` : record.provider;
      lines.push(`${record.name}  (${where})  ← ${record.target}`);
      if (!state.ok) {
        failed++;
        lines.push(`  ! ${state.failure.stage}: ${state.failure.message}`);
        return;
      }
      if (state.current.conflict) {
        failed++;
        lines.push(`  ! conflict: ${state.current.conflict}`);
      }
      for (const family of FAMILIES) lines.push(`  ${family.padEnd(5)} ${describe(state.current[family])}`);
      const report = served[i];
      if (report === undefined) return;
      const diverged = report.status === 'diverged' && config.verify[record.provider]?.mode === 'require';
      if (diverged) failed++;
      lines.push(`  ${diverged ? '! verify: ' : '· '}${describeServed(report)}`);
    });
    lines.push(`Check: ${config.records.length - failed} readable, ${failed} failed`);
    print(`${lines.join('\n')}\n`);
    return failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await providers.closeAll();
  }
}

function describe(set: RecordSet | undefined): string {
  return set ? `${String(set.ttl).padEnd(5)}  ${set.values.join(', ')}` : '(none)';
}
