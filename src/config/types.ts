import type { Family } from '../model.js';
import type { HttpsMode } from '../plan/https.js';
import type { ResolverSettings } from '../resolve/types.js';
import type { ProviderSettings } from '../../providers/index.js';
import type { LogLevel } from '../log.js';
import type { Secret } from '../lib/secret.js';
import type { NotifyTarget } from './notify.js';
import type { ProviderVerify } from './verify.js';

/**
 * TTL policy of a record: a clamp range for the observed TTL, or one fixed number. `automatic` is
 * the provider's "it chooses" value (Cloudflare's 1), never counted as a TTL to correct.
 */
export type TtlPolicy =
  | { readonly kind: 'range'; readonly min: number; readonly max: number; readonly automatic?: number }
  | { readonly kind: 'fixed'; readonly ttl: number; readonly automatic?: number };

/** One managed name, with every default applied and every name normalised. */
export interface RecordConfig {
  readonly name: string;
  readonly target: string;
  /** Provider id (a key of `Config.providers`). */
  readonly provider: string;
  readonly zone?: string;
  readonly families: readonly Family[];
  readonly ttl: TtlPolicy;
  readonly maxAddresses: number;
  readonly allowSpecialAddresses: boolean;
  readonly allowEmpty: boolean;
  /** Carry the target's HTTPS RRset over (`mirror`), publish `0 target.` (`alias`), or leave HTTPS alone (`off`, also when absent). */
  readonly https?: HttpsMode;
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** The validated configuration: everything below `src/config` takes this, never the environment. */
export interface Config {
  /** Absolute path of the file it came from. */
  readonly file: string;
  readonly resolver: ResolverSettings;
  readonly providers: Readonly<Record<string, ProviderSettings>>;
  /** Per provider id: how the served state of its records is checked. */
  readonly verify: Readonly<Record<string, ProviderVerify>>;
  readonly records: readonly RecordConfig[];
  /** `run`: cron expression of the full reconcile. */
  readonly schedule: string;
  readonly server: { readonly listen: ListenAddress };
  /** `run`: bounds of the TTL-driven re-resolution of each target, and of a failing record's back-off. */
  readonly interval: { readonly minMs: number; readonly maxMs: number };
  /** `run`: /readyz fails for a record without a successful round for this long (default 3 × interval.max). */
  readonly staleAfterMs: number;
  readonly damping: DampingSettings;
  /** `run`: pinged after each full reconcile (healthchecks.io / Uptime Kuma style). */
  readonly heartbeat: HeartbeatSettings | undefined;
  /** Where changes, failures and recoveries are announced (`sync` and `run`). */
  readonly notify: readonly NotifyTarget[];
  /** From `logLevel` in the file or $APEXSYNC_LOG_LEVEL; unset leaves the choice to the command. */
  readonly logLevel: LogLevel | undefined;
}

/** Churn damping (see docs/running.md): how long an address outlives its last sighting, and lookups per round. */
export interface DampingSettings {
  /** Fixed hold-down; undefined: max(2 × the target's clamped TTL, 5 minutes); either is capped by the record's largest TTL; 0 turns damping off. */
  readonly holdDownMs: number | undefined;
  /** Lookups of each target per round, whose answers are united (`sync`'s damping). */
  readonly samples: number;
}

export interface HeartbeatSettings {
  readonly url: Secret;
  /** Pinged after a failed full reconcile; default `url` with `/fail` appended to its path. */
  readonly failUrl: Secret | undefined;
}
