import type { Family } from '../model.js';
import { askServer, type DirectAnswer } from '../dns/direct.js';
import type { ConcurrencyLimiter } from '../resolve/limiter.js';
import type { ServerAddress } from '../dns/server-address.js';
import { observe, type FamilyObservation } from './compare.js';
import { findZoneServers, type ServerDiscovery, type ZoneServer } from './servers.js';
import type { ServedReport, ServedStatus, ServerReport, VerifySettings, VerifyTarget } from './types.js';

/** The records of one zone to check, with the settings of the provider that holds them. */
export interface ZoneCheck {
  readonly zone: string;
  readonly settings: VerifySettings;
  /** Servers asked whatever else is configured (an RFC 2136 primary). */
  readonly always?: readonly ServerAddress[];
  readonly targets: readonly VerifyTarget[];
}

export interface CheckOptions {
  readonly discovery: ServerDiscovery;
  /**
   * true (sync): re-ask servers that do not serve a written record yet, with backoff, until they
   * do or its timeout is over. false (daemon): one round; the caller comes back later.
   */
  readonly wait: boolean;
  /** Bounds the queries in flight, shared by every zone of a round. */
  readonly limiter: ConcurrencyLimiter;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Queries in flight at once when the caller does not share a limiter. */
export const VERIFY_CONCURRENCY = 32;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;
const MAX_SILENT_TRIES = 2;

interface Probe {
  readonly target: number;
  readonly server: number;
  readonly family: Family;
}

/**
 * Asks each server of the zone for each target's name and family, once (RD=0), and compares
 * with the plan. Records nothing was written to get this one round: a mismatch is divergence.
 * Written records still not served everywhere are asked again (only the server, name and family
 * that did not match) until served or past `settings.timeoutMs` from their write.
 */
export async function checkZone(check: ZoneCheck, options: CheckOptions): Promise<ServedReport[]> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const startedAt = now();
  const list = await findZoneServers(check.zone, check.settings.servers, check.always ?? [], options.discovery);
  if (list.kind === 'failure' || list.servers.length === 0) {
    const reason = list.kind === 'failure' ? list.reason : `no server of ${check.zone} to ask`;
    return check.targets.map(() => ({ status: 'unknown', servers: [], seconds: 0, reason }));
  }
  const servers = list.servers;
  const observations = check.targets.map(() => servers.map(() => new Map<Family, FamilyObservation>()));
  const lastAnswerAt = check.targets.map(() => startedAt);

  // Probes without a usable answer, and how often: a server that gives none twice is not waited
  // for (a stopped server would hold every sync for the whole timeout).
  const silent = new Map<string, number>();
  const worthAsking = (probe: Probe): boolean => (silent.get(`${probe.target} ${probe.server} ${probe.family}`) ?? 0) < MAX_SILENT_TRIES;
  const ask = async (probes: readonly Probe[]): Promise<void> => {
    await Promise.all(
      probes.map(async (probe) => {
        const target = check.targets[probe.target]!;
        const answer = await options.limiter.run(() => askAt(servers[probe.server]!, target.name, probe.family, options.discovery.timeoutMs));
        const observation = observe(answer, probe.family, target.planned[probe.family]);
        observations[probe.target]![probe.server]!.set(probe.family, observation);
        const key = `${probe.target} ${probe.server} ${probe.family}`;
        if (observation.kind === 'no-answer') silent.set(key, (silent.get(key) ?? 0) + 1);
        lastAnswerAt[probe.target] = Math.max(lastAnswerAt[probe.target]!, now());
      }),
    );
  };
  const unmatched = (targets: readonly number[]): Probe[] =>
    targets.flatMap((target) =>
      servers.flatMap((_, server) =>
        check.targets[target]!.families.flatMap((family) => (observations[target]![server]!.get(family)?.kind === 'match' ? [] : [{ target, server, family }])),
      ),
    );
  const deadlineOf = (target: VerifyTarget): number => (target.writtenAt ?? startedAt) + check.settings.timeoutMs;

  await ask(unmatched(check.targets.map((_, i) => i)));
  let backoff = FIRST_BACKOFF_MS;
  while (options.wait) {
    const waiting = check.targets.flatMap((target, i) => (target.writtenAt !== undefined && now() < deadlineOf(target) && unmatched([i]).some(worthAsking) ? [i] : []));
    if (waiting.length === 0) break;
    const soonest = Math.min(...waiting.map((i) => deadlineOf(check.targets[i]!)));
    await sleep(Math.max(0, Math.min(backoff, soonest - now())));
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    await ask(unmatched(waiting).filter(worthAsking));
  }

  const endedAt = now();
  return check.targets.map((target, t) => {
    // Final when its timeout is over, or when only servers that stopped answering are left.
    const final = target.writtenAt === undefined || endedAt >= deadlineOf(target) || (options.wait && !unmatched([t]).some(worthAsking));
    const judged = servers.map((server, s) => serverReport(server, target.families, observations[t]![s]!, final));
    const reports = judged.map((j) => j.report);
    const seconds = Math.round((lastAnswerAt[t]! - (target.writtenAt ?? startedAt)) / 100) / 10;
    return { ...recordStatus(judged, final), servers: reports, seconds };
  });
}

/** Tries the server's addresses in order until one answers. */
async function askAt(server: ZoneServer, name: string, family: Family, timeoutMs: number): Promise<DirectAnswer> {
  if (server.addresses.length === 0) return { kind: 'failure', reason: `${server.label} has no address` };
  let answer: DirectAnswer | undefined;
  for (const address of server.addresses) {
    answer = await askServer(address, name, family, { timeoutMs, transport: server.tcp === true ? 'tcp' : 'udp' });
    if (answer.kind === 'answer') return answer;
  }
  return answer!;
}

interface JudgedServer {
  readonly report: ServerReport;
  /** It answered but would not say (REFUSED, not authoritative): it does not count either way. */
  readonly declined: boolean;
}

function serverReport(server: ZoneServer, families: readonly Family[], observed: ReadonlyMap<Family, FamilyObservation>, final: boolean): JudgedServer {
  const values: Partial<Record<Family, readonly string[]>> = {};
  const reasons: string[] = [];
  let status: ServedStatus = 'served';
  let declined = false;
  for (const family of families) {
    const observation = observed.get(family);
    if (observation === undefined) continue;
    if (observation.kind === 'no-answer') {
      status = 'unknown';
      declined ||= observation.declined;
      reasons.push(`${family}: ${observation.reason}`);
      continue;
    }
    values[family] = observation.values;
    if (observation.kind === 'differs') {
      if (status === 'served') status = final ? 'diverged' : 'propagating';
      if (observation.reason !== undefined) reasons.push(`${family}: ${observation.reason}`);
    }
  }
  return { report: { server: server.label, status, values, ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}) }, declined: status === 'unknown' && declined };
}

/**
 * Every server that would say serves → served; none answered → unknown; else propagating or,
 * once final, diverged. A server that does not answer at all while others do counts against
 * (a stopped secondary); one that declines (REFUSED, not authoritative) is only listed.
 */
function recordStatus(judged: readonly JudgedServer[], final: boolean): { status: ServedStatus; reason?: string } {
  const counted = judged.filter((j) => !j.declined).map((j) => j.report);
  if (counted.length > 0 && counted.every((s) => s.status === 'served')) return { status: 'served' };
  if (counted.every((s) => s.status === 'unknown')) {
    return { status: 'unknown', reason: `no server answered: ${judged.map((j) => `${j.report.server}: ${j.report.reason ?? 'no answer'}`).join('; ')}` };
  }
  return { status: final ? 'diverged' : 'propagating' };
}
