export { planRecord, chooseAddresses } from './plan-record.js';
export { ttlForChange, ttlNeedsRewrite } from './ttl.js';
export type { PlanInput, RecordPlan, FamilyDecision } from './types.js';
