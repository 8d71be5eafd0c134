import type { Family, RecordSets } from '../model.js';

/** `require`: a diverged record fails the run; `report`: it is only shown; `off`: no check. */
export type VerifyMode = 'require' | 'report' | 'off';

/** One provider's `verify` block, defaults applied. */
export interface VerifySettings {
  /** `host[:port]` of the servers to ask; undefined: the zone's NS set. */
  readonly servers?: readonly string[];
  /** How long a written record may take to be served everywhere before it counts as diverged. */
  readonly timeoutMs: number;
  readonly mode: VerifyMode;
}

export const DEFAULT_VERIFY: VerifySettings = { timeoutMs: 60_000, mode: 'require' };

/**
 * - served: every server answers the planned set;
 * - propagating: not yet everywhere, still within the timeout;
 * - diverged: past the timeout (or, for a record nothing was written to, at once) some server
 *   answers something else, or does not answer while others do;
 * - unknown: no server could be asked.
 */
export type ServedStatus = 'served' | 'propagating' | 'diverged' | 'unknown';

/** What one server answered for one record. */
export interface ServerReport {
  /** `host:port` as asked. */
  readonly server: string;
  readonly status: ServedStatus;
  /** The answer per family checked; absent for a family the server gave no answer for. */
  readonly values: Readonly<Partial<Record<Family, readonly string[]>>>;
  /** Why the server's answer could not be used (unknown), or what differs (a CNAME, a TTL). */
  readonly reason?: string;
}

export interface ServedReport {
  readonly status: ServedStatus;
  readonly servers: readonly ServerReport[];
  /** From the write (or the start of the check, when nothing was written) to the last answer, in seconds. */
  readonly seconds: number;
  /** unknown: why no server could be asked. */
  readonly reason?: string;
}

/** One record to check: its name, the families it manages and what should be served. */
export interface VerifyTarget {
  readonly name: string;
  readonly families: readonly Family[];
  /** What the provider should now publish: a family absent here should have no records. */
  readonly planned: RecordSets;
  /** When its write was sent (ms since the epoch); undefined when nothing was written this round. */
  readonly writtenAt?: number;
}
