import type { NotifyEvent } from '../config/notify.js';
import type { RecordReport, RoundReport } from '../sync/report.js';

/** One record worth announcing after a round, and why (a change can also be a recovery). */
export interface RecordEvent {
  readonly record: RecordReport;
  readonly events: ReadonlySet<NotifyEvent>;
}

/**
 * Turns round reports into events. A failing record is announced when it starts failing, not on
 * every retry, and its recovery when it next succeeds: the memory of which records are failing
 * lives as long as the process (the daemon), so a one-shot `sync` announces every failure and
 * never a recovery. A dry run announces nothing.
 */
export class EventMemory {
  readonly #failing = new Set<string>();

  events(report: RoundReport): RecordEvent[] {
    if (report.dryRun) return [];
    const found: RecordEvent[] = [];
    for (const record of report.records) {
      const key = `${record.provider}/${record.name}`;
      const events = new Set<NotifyEvent>();
      if (record.status === 'failed') {
        if (!this.#failing.has(key)) events.add('failure');
        this.#failing.add(key);
      } else {
        if (this.#failing.delete(key)) events.add('recovery');
        if (record.status === 'updated') events.add('change');
      }
      if (events.size > 0) found.push({ record, events });
    }
    return found;
  }
}
