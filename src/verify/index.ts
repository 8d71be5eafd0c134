export { checkZone, VERIFY_CONCURRENCY, type CheckOptions, type ZoneCheck } from './check.js';
export { describeServed } from './describe.js';
export { checkServed, type Healer, type ServedCheckInput, type ServedCheckItem, type ServedCheckResult } from './round.js';
export type { ServerDiscovery } from './servers.js';
export { DEFAULT_VERIFY, type ServedReport, type ServedStatus, type ServerReport, type VerifyMode, type VerifySettings, type VerifyTarget } from './types.js';
