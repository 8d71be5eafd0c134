import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type GaugeConfiguration } from 'prom-client';
import { FAMILIES, type Family } from '../model.js';
import type { RecordReport } from '../sync/report.js';
import type { ServedStatus } from '../verify/types.js';

export type RoundKind = 'full' | 'due';

const SERVED_STATUSES: readonly ServedStatus[] = ['served', 'propagating', 'diverged', 'unknown'];

/** Addresses published at a record, per family. */
export type PublishedCounts = Readonly<Record<Family, number>>;

/** What the per-record series show for one record; read from the scheduler when /metrics is scraped. */
export interface RecordSeries {
  readonly name: string;
  readonly provider: string;
  /** Unix time in ms of its last successful round; no series before the first one. */
  readonly lastSuccessAt: number | undefined;
  /** As of its last round that read the provider; no series before that. */
  readonly published: PublishedCounts | undefined;
  /** What its zone's servers answered at its last round; no series before the first check. */
  readonly served?: ServedStatus | undefined;
}

type SeriesValues<L extends string> = Awaited<ReturnType<Gauge<L>['get']>>['values'];

/**
 * A gauge whose series are computed from the daemon's own state at scrape time instead of being
 * stored in prom-client: with 10 000 records, three stored series per record held ~10 MB of heap
 * for the life of the process and made ~50 MB of garbage per full round (measured by the bench).
 */
class ComputedGauge<L extends string> extends Gauge<L> {
  constructor(
    configuration: GaugeConfiguration<L>,
    private readonly values: () => SeriesValues<L>,
  ) {
    super(configuration);
  }

  override async get(): ReturnType<Gauge<L>['get']> {
    return { ...(await super.get()), values: this.values() };
  }
}

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

  readonly notifications = new Counter({
    name: 'apexsync_notifications_total',
    help: 'Notification messages (notify:) by target and result: sent, error (given up after its retries) or dropped (the target was still retrying earlier ones)',
    labelNames: ['target', 'result'] as const,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'apexsync_errors_total',
    help: 'Failed records per round, by stage (resolve, read, zone, provider, plan, apply, round) and kind',
    labelNames: ['stage', 'kind'] as const,
    registers: [this.registry],
  });

  /** The records behind the per-record series (the scheduler's; none until it registers). */
  #records: () => Iterable<RecordSeries> = () => [];

  readonly lastSuccess = new ComputedGauge(
    {
      name: 'apexsync_record_last_success_timestamp_seconds',
      help: 'Unix time of the last successful round of each record',
      labelNames: ['record', 'provider'] as const,
      registers: [this.registry],
    },
    () => {
      const values: SeriesValues<'record' | 'provider'> = [];
      for (const r of this.#records()) {
        if (r.lastSuccessAt !== undefined) values.push({ labels: { record: r.name, provider: r.provider }, value: r.lastSuccessAt / 1000 });
      }
      return values;
    },
  );

  readonly publishedAddresses = new ComputedGauge(
    {
      name: 'apexsync_record_published_addresses',
      help: 'Addresses published at each record, by family, as of its last round that read the provider',
      labelNames: ['record', 'provider', 'family'] as const,
      registers: [this.registry],
    },
    () => {
      const values: SeriesValues<'record' | 'provider' | 'family'> = [];
      for (const r of this.#records()) {
        if (r.published === undefined) continue;
        for (const family of FAMILIES) values.push({ labels: { record: r.name, provider: r.provider, family }, value: r.published[family] });
      }
      return values;
    },
  );

  readonly served = new ComputedGauge(
    {
      name: 'apexsync_served',
      help: 'Served state of each record at its last check: 1 for its status (served, propagating, diverged, unknown), 0 for the others',
      labelNames: ['record', 'status'] as const,
      registers: [this.registry],
    },
    () => {
      const values: SeriesValues<'record' | 'status'> = [];
      for (const r of this.#records()) {
        if (r.served === undefined) continue;
        for (const status of SERVED_STATUSES) values.push({ labels: { record: r.name, status }, value: r.served === status ? 1 : 0 });
      }
      return values;
    },
  );

  readonly servedSeconds = new Histogram({
    name: 'apexsync_write_to_served_seconds',
    help: 'Seconds from a write until every server of the zone served it',
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
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

  /** Where the per-record series come from: the records as the scheduler knows them now. */
  trackRecords(records: () => Iterable<RecordSeries>): void {
    this.#records = records;
  }

  /** Counts one record's outcome of a round; returns what is published there now (undefined: unknown, the read failed). */
  observeRecord(report: RecordReport): PublishedCounts | undefined {
    if (report.status === 'failed' && report.error) this.errors.inc({ stage: report.error.stage, kind: report.error.kind });
    const applied = report.outcome?.status === 'applied';
    if (applied) for (const c of report.changes) this.changes.inc({ provider: report.provider, family: c.family, action: c.action });
    return publishedCounts(report, applied);
  }
}

function publishedCounts(report: RecordReport, applied: boolean): PublishedCounts | undefined {
  if (report.current === undefined) return undefined;
  const counts = { A: report.current.A?.values.length ?? 0, AAAA: report.current.AAAA?.values.length ?? 0 };
  if (applied) for (const c of report.changes) if (c.family !== 'HTTPS') counts[c.family] = c.after?.values.length ?? 0;
  return counts;
}
