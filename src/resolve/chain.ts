import { normalizeAddressSet } from '../addresses.js';
import type { Family } from '../model.js';
import type { QueryOutcome } from './exchange.js';
import type { AnswerRecord } from '../dns/response.js';
import { parseSvcbPresentation } from '../dns/svcb.js';
import type { ChainLink, FamilyResolution, HttpsResolution, ResolutionFailureKind } from './types.js';

/** The record types whose RRset a chain is followed for. */
export type ChainType = Family | 'HTTPS';

/** How a chain ended without records of its type. */
export type ChainMiss<T extends ChainType> =
  | { readonly kind: 'empty'; readonly family: T; readonly reason: 'NXDOMAIN' | 'NODATA'; readonly chain: readonly ChainLink[] }
  | { readonly kind: 'failure'; readonly family: T; readonly reason: string; readonly cause: ResolutionFailureKind; readonly chain: readonly ChainLink[] };

/** What the records found at the end of a chain become (one module-level function per kind, no closure per lookup). */
export type ChainFound<R> = (records: readonly AnswerRecord[], ttl: number, chain: ChainLink[]) => R;

/** Addresses come off the wire already normalised (AnswerRecord.data), so one is a set as it is; several still need de-duplicating and ordering. */
export const addressesFound: ChainFound<FamilyResolution> = (records, ttl, chain) => {
  const family = records[0]!.type as Family;
  const addresses =
    records.length === 1
      ? [records[0]!.data]
      : normalizeAddressSet(
          family,
          records.map((record) => record.data),
        );
  return { kind: 'addresses', family, addresses, ttl, chain };
};

/** HTTPS records come off the wire checked and in canonical presentation form (src/dns/response.ts). */
export const httpsFound: ChainFound<HttpsResolution> = (records, ttl, chain) => ({
  kind: 'records',
  family: 'HTTPS',
  records: records.map((record) => parseSvcbPresentation(record.data)),
  ttl,
  chain,
});

/**
 * Most CNAME hops a chain may have. A chain of exactly 16 CNAMEs resolves; the 17th hop is a
 * failure. (BIND and Unbound stop around 8–16; no real target needs more.)
 */
export const MAX_CNAME_HOPS = 16;

/**
 * Resolves one family of `target` (normalised) by following its CNAME chain: through the answer
 * section first, then by asking for the last name when an answer ends on a CNAME (the server could
 * not follow it, e.g. the target lives in another zone). Only records that belong to the chain
 * are used; anything else in the answer is ignored, not trusted.
 */
export async function followChain<T extends ChainType, R>(
  target: string,
  family: T,
  ask: (name: string) => Promise<QueryOutcome>,
  found: ChainFound<R>,
): Promise<R | ChainMiss<T>> {
  const chain: ChainLink[] = [];
  // Only chains need loop detection; most targets answer with addresses straight away.
  let seen: Set<string> | undefined;
  let chainTtl = Number.POSITIVE_INFINITY;
  let queried = target;

  for (;;) {
    const outcome = await ask(queried);
    if (outcome.kind === 'failure') {
      const reason = queried === target ? outcome.reason : `${outcome.reason} (asking for ${queried}, end of the CNAME chain so far)`;
      return { kind: 'failure', family, reason, cause: outcome.cause, chain };
    }
    const { answers, rcode } = outcome.response;

    let name = queried;
    for (;;) {
      let next: string | undefined;
      let ttl = Number.POSITIVE_INFINITY;
      let conflicting = false;
      for (const record of answers) {
        if (record.type !== 'CNAME' || record.name !== name) continue;
        if (next === undefined) next = record.data;
        else if (record.data !== next) conflicting = true;
        ttl = Math.min(ttl, record.ttl);
      }
      if (next === undefined) break;
      if (conflicting) return { kind: 'failure', family, reason: `malformed answer: ${name} has more than one CNAME`, cause: 'malformed', chain };
      if (chain.length === MAX_CNAME_HOPS) return { kind: 'failure', family, reason: `CNAME chain longer than ${MAX_CNAME_HOPS} hops (stopped at ${name})`, cause: 'chain', chain };
      chain.push({ name, cname: next, ttl });
      chainTtl = Math.min(chainTtl, ttl);
      seen ??= new Set([target]);
      if (seen.has(next)) return { kind: 'failure', family, reason: `CNAME loop: ${[target, ...chain.map((link) => link.cname)].join(' → ')}`, cause: 'chain', chain };
      seen.add(next);
      name = next;
    }

    const records = answers.filter((record) => record.type === family && record.name === name);
    if (records.length > 0) {
      if (rcode === 'NXDOMAIN') return { kind: 'failure', family, reason: `malformed answer: NXDOMAIN with ${family} records for ${name}`, cause: 'malformed', chain };
      return found(records, Math.min(minTtl(records), chainTtl), chain);
    }
    // RFC 6604: with a CNAME chain in the answer, the rcode speaks for the last name of it.
    if (rcode === 'NXDOMAIN') return { kind: 'empty', family, reason: 'NXDOMAIN', chain };
    if (name === queried) return { kind: 'empty', family, reason: 'NODATA', chain };
    queried = name;
  }
}

function minTtl(records: readonly AnswerRecord[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (const record of records) min = Math.min(min, record.ttl);
  return min;
}
