import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { FAMILIES, type Family } from '../model.js';
import type { RecordReport } from '../sync/report.js';
import { classifyFailure } from './classify.js';

export type RoundKind = 'full' | 'due';

/**
 * The daemon's Prometheus series (`apexsync_` prefix), in a registry of its own so that two
 * daemons in one process (tests) do not share counters. Documented in docs/running.md.
 */
export class RunMetrics {
  readonly registry = new Registry();

  readonly rounds = new Counter({
    name: 'apexsync_rounds_total',
    help: 'Rounds run: kind="full" (start-up, schedule, reload) or "due" (a target TTL expired, or a retry); result="ok" when no record in it failed',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });

  readonly changes = new Counter({
    name: 'apexsync_changes_total',
    help: 'Record set changes the provider confirmed, by provider id, family and action',
    labelNames: ['provider', 'family', 'action'] as const,
    registers: [this.registry],
  });

  readonly resolutionSeconds = new Histogram({
    name: 'apexsync_resolution_duration_seconds',
    help: 'Time to resolve one family of a target (CNAME chain included), by result class',
    labelNames: ['family', 'result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly providerCallSeconds = new Histogram({
    name: 'apexsync_provider_call_duration_seconds',
    help: 'Duration of provider calls by provider id and operation (findZone, read, apply); result is "ok" or the failure kind',
    labelNames: ['provider', 'operation', 'result'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'apexsync_errors_total',
    help: 'Failed records per round, by stage (resolve, read, zone, provider, plan, apply, round) and kind',
    labelNames: ['stage', 'kind'] as const,
    registers: [this.registry],
  });

  readonly lastSuccess = new Gauge({
    name: 'apexsync_record_last_success_timestamp_seconds',
    help: 'Unix time of the last successful round of each record',
    labelNames: ['record', 'provider'] as const,
    registers: [this.registry],
  });

  readonly publishedAddresses = new Gauge({
    name: 'apexsync_record_published_addresses',
    help: 'Addresses published at each record, by family, as of its last round that read the provider',
    labelNames: ['record', 'provider', 'family'] as const,
    registers: [this.registry],
  });

  readonly heartbeats = new Counter({
    name: 'apexsync_heartbeats_total',
    help: 'Heartbeat pings after full reconciles: signal="success" or "fail", result="sent" or "error"',
    labelNames: ['signal', 'result'] as const,
    registers: [this.registry],
  });

  readonly configReloads = new Counter({
    name: 'apexsync_config_reloads_total',
    help: 'SIGHUP config reloads: result="applied" or "refused" (invalid config; the previous one is kept)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly ready = new Gauge({
    name: 'apexsync_ready',
    help: '1 while every record had a successful round within staleAfter (what /readyz answers), else 0',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'apexsync_' });
  }

  /** Counts one record's outcome of a round. */
  observeRecord(report: RecordReport, now: number): void {
    const labels = { record: report.name, provider: report.provider };
    const failure = classifyFailure(report);
    if (failure) this.errors.inc(failure);
    else this.lastSuccess.set(labels, now / 1000);

    const applied = report.outcome?.status === 'applied';
    if (applied) for (const c of report.changes) this.changes.inc({ provider: report.provider, family: c.family, action: c.action });
    if (report.current === undefined) return;
    const counts = new Map<Family, number>(FAMILIES.map((f) => [f, report.current?.[f]?.values.length ?? 0]));
    if (applied) for (const c of report.changes) counts.set(c.family, c.after?.values.length ?? 0);
    for (const [family, count] of counts) this.publishedAddresses.set({ ...labels, family }, count);
  }

  /** Drops the per-record series of a record that left the config. */
  forgetRecord(record: string, provider: string): void {
    this.lastSuccess.remove({ record, provider });
    for (const family of FAMILIES) this.publishedAddresses.remove({ record, provider, family });
  }
}
