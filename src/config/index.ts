export { loadConfig, environment, readSystemNameservers, type LoadOptions } from './load.js';
export { ConfigError } from './errors.js';
export type { Config, RecordConfig, TtlPolicy, ListenAddress } from './types.js';
