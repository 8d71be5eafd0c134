import type { ApplyContext, Provider, ZoneSnapshot } from '../../providers/types.js';
import type { ApplyOutcome, Change, RecordSets } from '../../src/model.js';

/**
 * A provider as a round drives it, for adapter tests that read, change the fake, then apply:
 * `read` returns the records and keeps the snapshot; `apply(zone, changes)` writes against the
 * last snapshot of that zone (as the core passes it), then forgets it as a round would.
 *
 * Names the test did not read first get, with `unread: 'read'`, a fresh read just before the
 * write (as a round always reads first); with `unread: 'empty'`, an empty snapshot, so the
 * adapter has only each change's `before` to go on (and no extra API call is made).
 */
export interface ProviderSession {
  readonly provider: Provider;
  read(zone: string, names: readonly string[]): Promise<Map<string, RecordSets>>;
  apply(zone: string, changes: readonly Change[], context?: ApplyContext): Promise<Map<string, ApplyOutcome>>;
  findZone(name: string): Promise<string>;
  close(): Promise<void>;
}

export function providerSession(provider: Provider, unread: 'read' | 'empty'): ProviderSession {
  const last = new Map<string, ZoneSnapshot>();
  return {
    provider,
    findZone: (name) => provider.findZone(name),
    async read(zone, names) {
      const snapshot = await provider.read(zone, names);
      last.set(zone, merge(last.get(zone), snapshot));
      return new Map(snapshot.records);
    },
    async apply(zone, changes, context = { targets: new Map() }) {
      let snapshot = last.get(zone) ?? { zone, records: new Map(), state: new Map() };
      const missing = [...new Set(changes.map((c) => c.name))].filter((name) => !snapshot.records.has(name));
      if (unread === 'read' && missing.length > 0) snapshot = merge(snapshot, await provider.read(zone, missing));
      last.delete(zone);
      return provider.apply(snapshot, changes, context);
    },
    close: async () => provider.close?.(),
  };
}

/** Two snapshots of one zone as one; adapter state that is a per-name map is merged the same way. */
function merge(older: ZoneSnapshot | undefined, newer: ZoneSnapshot): ZoneSnapshot {
  if (older === undefined) return newer;
  const state = older.state instanceof Map && newer.state instanceof Map ? new Map([...older.state, ...newer.state]) : newer.state;
  return { zone: newer.zone, records: new Map([...older.records, ...newer.records]), state };
}
