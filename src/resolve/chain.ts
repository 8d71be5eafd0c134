import { normalizeAddress, normalizeAddressSet } from '../addresses.js';
import type { Family } from '../model.js';
import type { QueryOutcome } from './exchange.js';
import type { AnswerRecord } from './response.js';
import type { ChainLink, FamilyResolution } from './types.js';

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
export async function followChain(target: string, family: Family, ask: (name: string) => Promise<QueryOutcome>): Promise<FamilyResolution> {
  const chain: ChainLink[] = [];
  const seen = new Set([target]);
  let queried = target;
  const failure = (reason: string): FamilyResolution => ({ kind: 'failure', family, reason, chain });

  for (;;) {
    const outcome = await ask(queried);
    if (outcome.kind === 'failure') {
      return failure(queried === target ? outcome.reason : `${outcome.reason} (asking for ${queried}, end of the CNAME chain so far)`);
    }
    const { answers, rcode } = outcome.response;

    let name = queried;
    for (;;) {
      const cnames = answers.filter((record) => record.type === 'CNAME' && record.name === name);
      if (cnames.length === 0) break;
      const next = cnames[0]!.data;
      if (cnames.some((record) => record.data !== next)) return failure(`malformed answer: ${name} has more than one CNAME`);
      if (chain.length === MAX_CNAME_HOPS) return failure(`CNAME chain longer than ${MAX_CNAME_HOPS} hops (stopped at ${name})`);
      chain.push({ name, cname: next, ttl: minTtl(cnames) });
      if (seen.has(next)) return failure(`CNAME loop: ${[target, ...chain.map((link) => link.cname)].join(' → ')}`);
      seen.add(next);
      name = next;
    }

    const records = answers.filter((record) => record.type === family && record.name === name);
    if (records.length > 0) {
      if (rcode === 'NXDOMAIN') return failure(`malformed answer: NXDOMAIN with ${family} records for ${name}`);
      const unreadable = records.find((record) => normalizeAddress(family, record.data) === undefined);
      if (unreadable) return failure(`malformed answer: ${family} record for ${name} holds "${unreadable.data}"`);
      const ttl = Math.min(minTtl(records), ...chain.map((link) => link.ttl));
      return { kind: 'addresses', family, addresses: normalizeAddressSet(family, records.map((record) => record.data)), ttl, chain };
    }
    // RFC 6604: with a CNAME chain in the answer, the rcode speaks for the last name of it.
    if (rcode === 'NXDOMAIN') return { kind: 'empty', family, reason: 'NXDOMAIN', chain };
    if (name === queried) return { kind: 'empty', family, reason: 'NODATA', chain };
    queried = name;
  }
}

function minTtl(records: readonly AnswerRecord[]): number {
  return records.reduce((min, record) => Math.min(min, record.ttl), Number.POSITIVE_INFINITY);
}
