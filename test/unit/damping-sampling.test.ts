import { describe, expect, it } from 'vitest';
import type { Family } from '../../src/model.js';
import type { FamilyResolution, Resolver } from '../../src/resolve/types.js';
import { SampleWatch } from '../../src/run/sample-watch.js';
import { resolveSampled, unionOfSamples } from '../../src/sync/sampling.js';

const addresses = (values: string[], ttl = 60): FamilyResolution => ({ kind: 'addresses', family: 'A', addresses: values, ttl, chain: [] });
const failure = (reason = 'SERVFAIL from 127.0.0.1:53'): FamilyResolution => ({ kind: 'failure', family: 'A', reason, cause: 'servfail', chain: [] });
const empty: FamilyResolution = { kind: 'empty', family: 'A', reason: 'NODATA', chain: [] };

/** A resolver that answers from a script, counting its calls. */
function scripted(answers: FamilyResolution[]): Resolver & { calls: number } {
  const resolver = {
    calls: 0,
    resolve(_target: string, _family: Family): Promise<FamilyResolution> {
      const answer = answers[resolver.calls % answers.length]!;
      resolver.calls++;
      return Promise.resolve(answer);
    },
  };
  return resolver;
}

describe('sync sampling (union of back-to-back lookups)', () => {
  it('unites the addresses of every sample, sorted, with the smallest TTL', async () => {
    const resolver = scripted([addresses(['192.0.2.4', '192.0.2.1'], 60), addresses(['192.0.2.2', '192.0.2.1'], 45), addresses(['192.0.2.3'], 50)]);
    const result = await resolveSampled(resolver, 'pool.example.net', 'A', 3);
    expect(resolver.calls).toBe(3);
    expect(result).toEqual(addresses(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'], 45));
  });

  it('one sample is one lookup, answered as is', async () => {
    const resolver = scripted([addresses(['192.0.2.9'], 30)]);
    expect(await resolveSampled(resolver, 'one.example.net', 'A', 1)).toEqual(addresses(['192.0.2.9'], 30));
    expect(resolver.calls).toBe(1);
  });

  it('stops at the first failure so a dead target costs one timeout, not three', async () => {
    const resolver = scripted([failure('no answer from 127.0.0.1:53 within 300 ms (1 try)'), addresses(['192.0.2.1'])]);
    const result = await resolveSampled(resolver, 'dead.example.net', 'A', 3);
    expect(resolver.calls).toBe(1);
    expect(result.kind).toBe('failure');
  });

  it('keeps the addresses already seen when a later sample fails', async () => {
    const resolver = scripted([addresses(['192.0.2.1']), failure()]);
    const result = await resolveSampled(resolver, 'flaky.example.net', 'A', 3);
    expect(resolver.calls).toBe(2);
    expect(result).toEqual(addresses(['192.0.2.1']));
  });

  it('empty only when every sample is empty; a failure beside empties means "could not tell"', () => {
    expect(unionOfSamples([empty, empty])).toEqual(empty);
    expect(unionOfSamples([empty, failure()]).kind).toBe('failure');
    expect(unionOfSamples([empty, addresses(['192.0.2.7'])])).toEqual(addresses(['192.0.2.7']));
  });
});

describe('the daemon watching the samples of a round (SampleWatch)', () => {
  it('says whether the lookups since it last asked disagreed; every record of the target gets the verdict; the next round starts afresh', async () => {
    const watch = new SampleWatch();
    const resolver = watch.wrap(scripted([addresses(['192.0.2.1']), addresses(['192.0.2.1', '192.0.2.2']), addresses(['192.0.2.1']), addresses(['192.0.2.1'])]));
    await resolveSampled(resolver, 'pool.example.net', 'A', 2);
    expect(watch.disagreed('pool.example.net', 'A')).toBe(true);
    expect(watch.disagreed('pool.example.net', 'A')).toBe(true);
    expect(watch.disagreed('other.example.net', 'A')).toBe(false);
    await resolveSampled(resolver, 'pool.example.net', 'A', 2);
    expect(watch.disagreed('pool.example.net', 'A')).toBe(false);
    // A failed lookup is no answer: it neither agrees nor disagrees.
    const failing = watch.wrap(scripted([addresses(['192.0.2.1']), failure()]));
    await failing.resolve('flaky.example.net', 'A');
    await failing.resolve('flaky.example.net', 'A');
    expect(watch.disagreed('flaky.example.net', 'A')).toBe(false);
    watch.retain(new Set());
    expect(watch.disagreed('pool.example.net', 'A')).toBe(false);
  });
});
