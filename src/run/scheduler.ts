import { groupBy } from '../sync/group-by.js';
import type { Logger } from 'pino';
import type { Config, RecordConfig } from '../config/types.js';
import type { Resolver } from '../resolve/types.js';
import type { ProviderPool } from '../sync/provider-pool.js';
import type { RecordReport, RoundReport } from '../sync/report.js';
import { errorMessage } from '../lib/errors.js';
import { runRound, type RoundInput } from '../sync/round.js';
import { wallTimeOf, type Clock, type Random } from '../lib/clock.js';
import type { RecordHealth } from './health.js';
import { Lane } from './lane.js';
import { DampingLedger } from './ledger.js';
import type { PublishedCounts, RecordSeries, RoundKind, RunMetrics } from './metrics.js';
import { delayAfterFailure, delayAfterSuccess, observedTtl } from './timing.js';
import type { ServedReport } from '../verify/types.js';

/** Everything built from one config: swapped as a whole on SIGHUP. */
export interface Runtime {
  readonly config: Config;
  readonly resolver: Resolver;
  readonly providers: ProviderPool;
}

export type FullTrigger = 'start' | 'schedule' | 'reload';

export interface SchedulerOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: RunMetrics;
  /** The round function (tests may wrap it to count calls). */
  readonly runRound?: (input: RoundInput) => Promise<RoundReport>;
  /** After each full reconcile: whether every record in it succeeded (the heartbeat). */
  readonly onFullReconcile?: (ok: boolean, trigger: FullTrigger) => Promise<void> | void;
  /** After each round, with its report (notifications, the status page). Must not throw. */
  readonly onRound?: (report: RoundReport) => void;
  /** Records falling due within this much of each other share a round (default 1 s). */
  readonly coalesceMs?: number;
}

interface RecordState {
  readonly key: string;
  record: RecordConfig;
  /** idle: waiting for nextDueAt; queued: handed to its provider's lane; running: in a round. */
  phase: 'idle' | 'queued' | 'running';
  /** Monotonic, like every instant the scheduler keeps: see `Clock`. */
  nextDueAt: number;
  consecutiveFailures: number;
  /** Monotonic; shown as wall time by `health()` and the metrics. */
  lastSuccessAt: number | undefined;
  lastError: { readonly stage: string; readonly message: string } | undefined;
  /** Whether the latest round of this record succeeded. */
  lastOk: boolean | undefined;
  /** Addresses at the provider as of the latest round that read it (for /metrics). */
  published: PublishedCounts | undefined;
  /** When its last write was sent, while its servers do not all serve it yet (propagating). */
  writtenAt: number | undefined;
  /** What its zone's servers answered at its latest round (undefined: not checked). */
  served: ServedReport | undefined;
}

const DEFAULT_COALESCE_MS = 1000;

/**
 * The daemon's timing (docs/design/daemon-timing.md). A full round at start-up and on every `schedule` tick; between
 * them each record is looked at again when its target's observed TTL expires (within
 * interval.min/max, jittered), and a failing record backs off on its own. Rounds go through one
 * lane per provider, so writes that fall due together share a provider transaction and a slow or
 * failing provider never holds up another's records.
 */
export class Scheduler {
  #runtime: Runtime;
  #states = new Map<string, RecordState>();
  readonly #lanes = new Map<string, Lane<string>>();
  readonly #ledger: DampingLedger;
  /** Keys requested by a full reconcile and not yet run: their round counts as kind="full". */
  readonly #fullKeys = new Set<string>();
  /** Rounds in progress per runtime, so a runtime replaced by a reload is closed once idle. */
  readonly #activeRounds = new Map<Runtime, number>();
  readonly #retired = new Set<Runtime>();
  #cancelTimer: (() => void) | undefined;
  #fullRunning = false;
  #fullAgain: FullTrigger | undefined;
  #stopping = false;
  readonly #runRound: (input: RoundInput) => Promise<RoundReport>;
  readonly #coalesceMs: number;

  constructor(
    runtime: Runtime,
    private readonly options: SchedulerOptions,
  ) {
    this.#runtime = runtime;
    this.#runRound = options.runRound ?? runRound;
    this.#coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.#ledger = new DampingLedger(runtime.config.damping.holdDownMs, options.clock, options.logger);
    const now = options.clock.monotonic();
    for (const record of runtime.config.records) this.#states.set(recordKey(record), newState(record, now));
    options.metrics.trackRecords(() => this.#series());
  }

  get runtime(): Runtime {
    return this.#runtime;
  }

  /** Runs the start-up round; per-record timing takes over from there. */
  start(): Promise<boolean | undefined> {
    return this.runFull('start');
  }

  /**
   * A full reconcile: every record, providers re-read (catches manual edits). When one is
   * already running, one more is run after it (further requests meanwhile fold into that one).
   * Resolves to whether every record succeeded, or undefined when it did not run to the end.
   */
  async runFull(trigger: FullTrigger): Promise<boolean | undefined> {
    if (this.#stopping) return undefined;
    if (this.#fullRunning) {
      if (this.#fullAgain === undefined) this.options.logger.info({ trigger }, 'a full reconcile is still running; the next one starts when it ends');
      this.#fullAgain ??= trigger;
      return undefined;
    }
    this.#fullRunning = true;
    try {
      const states = [...this.#states.values()];
      for (const state of states) {
        this.#fullKeys.add(state.key);
        if (state.phase === 'idle') state.phase = 'queued';
      }
      this.#arm();
      await this.#dispatch(states);
      if (this.#stopping) return undefined;
      const current = states.filter((s) => this.#states.get(s.key) === s);
      const failed = current.filter((s) => s.lastOk !== true).length;
      this.options.logger.info({ trigger, records: current.length, failed }, failed === 0 ? 'full reconcile done' : 'full reconcile done with failures');
      const ok = failed === 0;
      try {
        await this.options.onFullReconcile?.(ok, trigger);
      } catch (error) {
        this.options.logger.warn({ error: errorMessage(error) }, 'after-reconcile hook failed');
      }
      return ok;
    } finally {
      this.#fullRunning = false;
      const again = this.#fullAgain;
      this.#fullAgain = undefined;
      if (again !== undefined && !this.#stopping) void this.runFull(again);
    }
  }

  /**
   * Swaps in a runtime built from a reloaded config. Records that stay (same provider, name and
   * target) keep their history and damping ledger; new ones are due at once. The caller runs a
   * full reconcile next.
   */
  replace(runtime: Runtime): void {
    const previous = this.#runtime;
    this.#runtime = runtime;
    this.#ledger.setHoldDown(runtime.config.damping.holdDownMs);
    this.#ledger.retain(runtime.config.records);
    const now = this.options.clock.monotonic();
    const next = new Map<string, RecordState>();
    for (const record of runtime.config.records) {
      const key = recordKey(record);
      const existing = this.#states.get(key);
      if (existing) existing.record = record;
      next.set(key, existing ?? newState(record, now));
    }
    // The per-record series follow #states, so a dropped record's series go with it.
    this.#states = next;
    this.#retire(previous);
    this.#arm();
  }

  /**
   * Stops scheduling; a round in progress may finish within `graceMs`. Resolves true when none
   * was cut short. Providers are closed either way.
   */
  async stop(graceMs: number): Promise<boolean> {
    this.#stopping = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const lanesIdle = Promise.all([...this.#lanes.values()].map((lane) => lane.close())).then(() => true);
    let cancelGrace: (() => void) | undefined;
    const graceOver = new Promise<boolean>((resolve) => {
      cancelGrace = this.options.clock.setTimer(() => resolve(false), graceMs);
    });
    const finished = await Promise.race([lanesIdle, graceOver]);
    cancelGrace?.();
    await Promise.all([this.#runtime, ...this.#retired].map((runtime) => runtime.providers.closeAll()));
    return finished;
  }

  /** Per-record state for /readyz, with times on the wall clock as it reads now. */
  health(): RecordHealth[] {
    return [...this.#states.values()].map((s) => ({
      name: s.record.name,
      provider: s.record.provider,
      target: s.record.target,
      lastSuccessAt: this.#wallTime(s.lastSuccessAt),
      lastError: s.lastError,
      served: s.served,
      nextCheckAt: this.#wallTime(s.nextDueAt),
      checking: s.phase !== 'idle',
    }));
  }

  /** The per-record /metrics series, computed at scrape time (nothing per record is stored twice). */
  *#series(): Generator<RecordSeries> {
    for (const s of this.#states.values()) {
      yield { name: s.record.name, provider: s.record.provider, lastSuccessAt: this.#wallTime(s.lastSuccessAt), published: s.published, served: s.served?.status };
    }
  }

  #wallTime(monotonicMs: number | undefined): number | undefined {
    return monotonicMs === undefined ? undefined : wallTimeOf(this.options.clock, monotonicMs);
  }

  /** Start of the oldest round still running, monotonic (a wedged round makes /healthz fail). */
  oldestRoundStart(): number | undefined {
    const starts = [...this.#lanes.values()].flatMap((lane) => (lane.runningSince === undefined ? [] : [lane.runningSince]));
    return starts.length === 0 ? undefined : Math.min(...starts);
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Arms the one timer for the earliest idle record. */
  #arm(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (this.#stopping) return;
    let earliest = Infinity;
    for (const state of this.#states.values()) if (state.phase === 'idle' && state.nextDueAt < earliest) earliest = state.nextDueAt;
    if (earliest === Infinity) return;
    this.#cancelTimer = this.options.clock.setTimer(() => this.#wake(), earliest - this.options.clock.monotonic());
  }

  #wake(): void {
    this.#cancelTimer = undefined;
    if (this.#stopping) return;
    const horizon = this.options.clock.monotonic() + this.#coalesceMs;
    const due = [...this.#states.values()].filter((s) => s.phase === 'idle' && s.nextDueAt <= horizon);
    for (const state of due) state.phase = 'queued';
    if (due.length > 0) void this.#dispatch(due);
    this.#arm();
  }

  /** Hands records to their providers' lanes; resolves when every one has been through a round. */
  #dispatch(states: readonly RecordState[]): Promise<void> {
    const byProvider = groupBy(states, (state) => state.record.provider);
    return Promise.all([...byProvider].map(([provider, group]) => this.#lane(provider).request(group.map((state) => state.key)))).then(() => undefined);
  }

  #lane(provider: string): Lane<string> {
    let lane = this.#lanes.get(provider);
    if (!lane) {
      lane = new Lane(
        (keys) => this.#execute(keys),
        () => this.options.clock.monotonic(),
      );
      this.#lanes.set(provider, lane);
    }
    return lane;
  }

  /** One round over `keys` (all of one provider). Never throws. */
  async #execute(keys: readonly string[]): Promise<void> {
    const states = keys.flatMap((key) => this.#states.get(key) ?? []);
    const kind: RoundKind = keys.some((key) => this.#fullKeys.has(key)) ? 'full' : 'due';
    for (const key of keys) this.#fullKeys.delete(key);
    if (states.length === 0) return;
    for (const state of states) state.phase = 'running';

    const runtime = this.#runtime;
    this.#activeRounds.set(runtime, (this.#activeRounds.get(runtime) ?? 0) + 1);
    let round: RoundReport | undefined;
    let thrown: string | undefined;
    try {
      round = await this.#runRound({
        records: states.map((s) => s.record),
        resolver: this.#ledger.watching(runtime.resolver),
        providers: runtime.providers,
        logger: this.options.logger,
        dryRun: false,
        samples: runtime.config.damping.samples,
        adjustResolutions: this.#ledger.adjust,
        // One query round per record: a write not yet everywhere is looked at again when it falls due.
        verify: {
          settings: runtime.config.verify,
          discovery: { resolver: runtime.resolver, resolverServers: runtime.config.resolver.servers, timeoutMs: runtime.config.resolver.timeoutMs },
          wait: false,
          writtenAt: (record) => this.#states.get(recordKey(record))?.writtenAt,
        },
      });
    } catch (error) {
      // runRound returns failures as values; a throw is a bug. Counted, logged, retried like any failure.
      thrown = errorMessage(error);
      this.options.logger.error({ error: thrown, records: states.map((s) => s.record.name) }, 'round failed unexpectedly');
    } finally {
      this.#release(runtime);
    }

    const reports = round?.records;
    const now = this.options.clock.monotonic();
    let failed = 0;
    states.forEach((state, i) => {
      const report = reports?.[i];
      const ok = report !== undefined && report.status !== 'failed';
      if (!ok) failed++;
      const published = report ? this.options.metrics.observeRecord(report) : undefined;
      if (!report) this.options.metrics.errors.inc({ stage: 'round', kind: 'bug' });
      if (published) state.published = published;
      this.#noteServed(state, report, now);
      // A reload may have dropped this record while its round ran: nothing more to keep for it.
      if (this.#states.get(state.key) !== state) return;
      this.#settle(state, ok, report, thrown, now);
    });
    this.options.metrics.rounds.inc({ kind, result: failed === 0 ? 'ok' : 'failed' });
    if (round) this.options.onRound?.(round);
    this.#arm();
  }

  /** Remembers the served state; a write's propagation time is logged and measured once it is served everywhere. */
  #noteServed(state: RecordState, report: RecordReport | undefined, now: number): void {
    if (report === undefined) return;
    if (report.outcome?.status === 'applied' && state.writtenAt === undefined) state.writtenAt = now - (report.served?.seconds ?? 0) * 1000;
    state.served = report.served;
    const status = report.served?.status;
    if (status === 'propagating') return;
    if (status === 'served' && state.writtenAt !== undefined) {
      const seconds = Math.round(now - state.writtenAt) / 1000;
      this.options.metrics.servedSeconds.observe(seconds);
      this.options.logger.info({ record: state.record.name, provider: state.record.provider, served: status, seconds }, 'write served by every server');
    } else if (status !== undefined && state.writtenAt !== undefined) {
      this.options.logger.warn({ record: state.record.name, provider: state.record.provider, served: status }, `write not served everywhere: ${report.served?.reason ?? status}`);
    }
    state.writtenAt = undefined;
  }

  #settle(state: RecordState, ok: boolean, report: RecordReport | undefined, thrown: string | undefined, now: number): void {
    const interval = this.#runtime.config.interval;
    const bounds = { minMs: interval.minMs, maxMs: interval.maxMs };
    state.phase = 'idle';
    state.lastOk = ok;
    let delay: number;
    if (ok) {
      state.consecutiveFailures = 0;
      state.lastSuccessAt = now;
      state.lastError = undefined;
      delay = delayAfterSuccess(observedTtl(report?.resolved), bounds, this.options.random);
      // Propagating: looked at again soon (its own round, not a lane held up waiting).
      if (report?.served?.status === 'propagating') delay = Math.min(delay, interval.minMs);
    } else {
      state.consecutiveFailures++;
      state.lastError = report?.error ?? { stage: 'round', message: thrown ?? 'failed' };
      delay = delayAfterFailure(state.consecutiveFailures, bounds, this.options.random);
    }
    state.nextDueAt = now + delay;
    this.options.logger.debug({ record: state.record.name, ok, failures: state.consecutiveFailures, nextInMs: delay }, 'next look at record scheduled');
  }

  #retire(runtime: Runtime): void {
    this.#retired.add(runtime);
    this.#closeIfIdle(runtime);
  }

  #release(runtime: Runtime): void {
    this.#activeRounds.set(runtime, (this.#activeRounds.get(runtime) ?? 1) - 1);
    this.#closeIfIdle(runtime);
  }

  #closeIfIdle(runtime: Runtime): void {
    if (!this.#retired.has(runtime) || (this.#activeRounds.get(runtime) ?? 0) > 0) return;
    this.#retired.delete(runtime);
    this.#activeRounds.delete(runtime);
    void runtime.providers.closeAll();
  }
}

function recordKey(record: Pick<RecordConfig, 'provider' | 'name' | 'target'>): string {
  return `${record.provider}/${record.name}\u0000${record.target}`;
}

function newState(record: RecordConfig, now: number): RecordState {
  return {
    key: recordKey(record),
    record,
    phase: 'idle',
    nextDueAt: now,
    consecutiveFailures: 0,
    lastSuccessAt: undefined,
    lastError: undefined,
    lastOk: undefined,
    published: undefined,
    writtenAt: undefined,
    served: undefined,
  };
}
