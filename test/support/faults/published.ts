import { execFile } from 'node:child_process';
import { normalizeAddressSet } from '../../../src/addresses.js';
import { ledger } from './ledger.js';

/**
 * What a provider publishes at one name (A and AAAA only), read by the test from the provider's
 * side, never through the adapter under test: BIND's own zone loader for zone files, DNS
 * queries to named for RFC 2136, the fakes' state for the HTTP providers.
 */
export interface PublishedSet {
  readonly ttl: number;
  readonly values: readonly string[];
}
export interface Published {
  readonly A?: PublishedSet;
  readonly AAAA?: PublishedSet;
}

export function published(a?: PublishedSet, aaaa?: PublishedSet): Published {
  return { ...(a ? { A: a } : {}), ...(aaaa ? { AAAA: aaaa } : {}) };
}

/** A comparable text: TTL and sorted normalised values per family. */
export function canonical(state: Published): string {
  const part = (family: 'A' | 'AAAA'): string => {
    const set = state[family];
    return set ? `${family} ${set.ttl} ${normalizeAddressSet(family, set.values).join(',')}` : `${family} -`;
  };
  return `${part('A')} | ${part('AAAA')}`;
}

export type Which = 'old' | 'new';

/**
 * The invariant of every fault case: the published records are exactly the old state or exactly
 * the new state, and never empty. Anything else is a lost record: counted, then the test fails.
 */
export function expectOldOrNew(label: string, actual: Published, oldState: Published, newState: Published): Which {
  const now = canonical(actual);
  const empty = actual.A === undefined && actual.AAAA === undefined;
  if (!empty && now === canonical(oldState)) return 'old';
  if (!empty && now === canonical(newState)) return 'new';
  ledger.recordLost();
  throw new Error(`${label}: published records are neither the old nor the new state\n  now: ${now}\n  old: ${canonical(oldState)}\n  new: ${canonical(newState)}`);
}

/** Exactly `expected` (the fault must not have moved anything, or the recovery must have converged). */
export function expectExactly(label: string, actual: Published, expected: Published): void {
  if (canonical(actual) === canonical(expected)) return;
  if (actual.A === undefined && actual.AAAA === undefined) ledger.recordLost();
  throw new Error(`${label}: published records differ\n  now:      ${canonical(actual)}\n  expected: ${canonical(expected)}`);
}

export interface ZoneLoad {
  /** named-checkzone accepted the file. */
  readonly ok: boolean;
  readonly output: string;
  readonly serial: number | undefined;
  /** A/AAAA per owner name (normalised, no trailing dot). */
  readonly names: ReadonlyMap<string, Published>;
}

/**
 * Loads a zone file with BIND's own loader (`named-checkzone -D`, which prints the zone in
 * canonical form): the file is usable by named exactly when this says ok.
 */
export function loadZoneWithBind(zone: string, file: string): Promise<ZoneLoad> {
  return new Promise((resolve) => {
    execFile(
      'named-checkzone',
      ['-q', '-D', '-o', '-', zone, file],
      { env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/bin` }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const ok = error === null;
        const sets = new Map<string, { A?: { ttl: number; values: string[] }; AAAA?: { ttl: number; values: string[] } }>();
        let serial: number | undefined;
        for (const line of stdout.split('\n')) {
          const m = /^(\S+)\s+(\d+)\s+IN\s+(A|AAAA|SOA)\s+(.+)$/.exec(line.trim());
          if (!m) continue;
          const name = m[1]!.toLowerCase().replace(/\.$/, '');
          if (m[3] === 'SOA') {
            serial = Number(m[4]!.trim().split(/\s+/)[2]);
            continue;
          }
          const family = m[3] as 'A' | 'AAAA';
          const entry = sets.get(name) ?? {};
          const set = entry[family] ?? { ttl: Number(m[2]), values: [] };
          set.values.push(m[4]!.trim());
          set.ttl = Math.min(set.ttl, Number(m[2]));
          entry[family] = set;
          sets.set(name, entry);
        }
        resolve({ ok, output: `${stdout}${stderr}`, serial, names: sets });
      },
    );
  });
}
