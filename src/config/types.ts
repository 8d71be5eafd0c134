import type { Family } from '../model.js';
import type { ResolverSettings } from '../resolve/types.js';
import type { ProviderSettings } from '../../providers/index.js';
import type { LogLevel } from '../log.js';

/** TTL policy of a record: a clamp range for the observed TTL, or one fixed number. */
export type TtlPolicy = { readonly kind: 'range'; readonly min: number; readonly max: number } | { readonly kind: 'fixed'; readonly ttl: number };

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
  readonly records: readonly RecordConfig[];
  /** `run`: cron expression of the full reconcile. */
  readonly schedule: string;
  readonly server: { readonly listen: ListenAddress };
  /** From `logLevel` in the file or $APEXSYNC_LOG_LEVEL; unset leaves the choice to the command. */
  readonly logLevel: LogLevel | undefined;
}
