import { sortAddresses } from '../addresses.js';
import type { Family } from '../model.js';
import type { FamilyResolution, Resolver } from '../resolve/types.js';

/**
 * Churn damping within one run (`sync`): a target behind a rotating pool (Route 53 multivalue,
 * CloudFront, ELB) answers a different subset each time, so one lookup would rewrite the record
 * on almost every cron run. Asking `samples` times back to back and publishing the union makes
 * the published set stable. A target whose samples agree is published exactly as it answers.
 * The daemon also watches whether the samples disagreed: that is how it tells a rotating pool
 * from a target that moved (src/run/sample-watch.ts, docs/design/damping.md).
 *
 * The lookups run one after another, not in parallel: the resolver shares one in-flight lookup
 * between concurrent callers, so parallel samples would all see the same answer. A failed lookup
 * ends the sampling at once (a target that times out costs one timeout, not `samples` of them).
 */
export async function resolveSampled(resolver: Resolver, target: string, family: Family, samples: number): Promise<FamilyResolution> {
  const answers: FamilyResolution[] = [];
  for (let i = 0; i < Math.max(1, samples); i++) {
    const answer = await resolver.resolve(target, family);
    answers.push(answer);
    if (answer.kind === 'failure') break;
  }
  return unionOfSamples(answers);
}

/**
 * The union of several answers for one target and family. Any answer with addresses wins: the
 * union of every address seen, with the smallest TTL. Otherwise the first failure (could not
 * tell) beats empty; only answers that are all empty make an empty result.
 */
export function unionOfSamples(answers: readonly FamilyResolution[]): FamilyResolution {
  const first = answers[0];
  if (first === undefined) throw new Error('unionOfSamples: no answer');
  const withAddresses = answers.flatMap((a) => (a.kind === 'addresses' ? [a] : []));
  if (withAddresses.length > 0) {
    const seen = new Set(withAddresses.flatMap((a) => a.addresses));
    const shortest = withAddresses.reduce((min, a) => (a.ttl < min.ttl ? a : min));
    return { ...shortest, addresses: sortAddresses([...seen]) };
  }
  return answers.find((a) => a.kind === 'failure') ?? first;
}
