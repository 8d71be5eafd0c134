import { Resolver as NodeResolver } from 'node:dns/promises';
import { mapLimit } from '../../src/lib/concurrency.js';
import { createResolver } from '../../src/resolve/index.js';
import { parseServerAddress } from '../../src/dns/server-address.js';
import { targetName, TARGET_COUNT } from '../lib/fixtures.js';
import type { Lab } from '../lib/lab.js';
import { perSecond, ratio, seconds, type Table } from '../lib/table.js';

/**
 * Scenario 3: apexsync's wire resolver against Node's built-in dns.promises.Resolver (c-ares),
 * resolving the same 10 000 names (A) against the same BIND, in this process. Both are paced
 * alike — at most CONCURRENCY lookups in flight — since c-ares left alone fires every query at
 * once and overflows the server's receive buffer, which measures drops, not a resolver. Three
 * alternating rounds each; the median round is reported, with how many names got an answer.
 */
const CONCURRENCY = 128;
const ROUNDS = 3;
const TIMEOUT_MS = 2_000;
const ATTEMPTS = 2;

interface Round {
  readonly ms: number;
  readonly answered: number;
}

export async function runResolver(lab: Lab, table: Table): Promise<void> {
  const names = Array.from({ length: TARGET_COUNT }, (_, i) => targetName(i));
  const server = parseServerAddress(lab.bind.address)!;
  const apexsync: Round[] = [];
  const node: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh resolver per round: nothing carried over (apexsync keeps no cache anyway).
    const ours = createResolver({ servers: [server], timeoutMs: TIMEOUT_MS, attempts: ATTEMPTS }, { maxConcurrentQueries: CONCURRENCY });
    apexsync.push(await timed(names, async (name) => (await ours.resolve(name, 'A')).kind === 'addresses'));
    const theirs = new NodeResolver({ timeout: TIMEOUT_MS, tries: ATTEMPTS });
    theirs.setServers([lab.bind.address]);
    node.push(
      await timed(names, async (name) => {
        try {
          return (await theirs.resolve4(name, { ttl: true })).length > 0;
        } catch {
          return false;
        }
      }),
    );
    theirs.cancel();
  }
  const ours = median(apexsync);
  const theirs = median(node);
  const oursQps = (names.length * 1000) / ours.ms;
  const theirsQps = (names.length * 1000) / theirs.ms;
  table.add({
    scenario: '3 resolver',
    case: `apexsync vs node:dns, ${names.length.toLocaleString('en-US')} names A, ≤ ${CONCURRENCY} in flight`,
    measured: `${perSecond(names.length, ours.ms)} (${seconds(ours.ms)}, ${ours.answered.toLocaleString('en-US')} answered)`,
    reference: `node:dns ${perSecond(names.length, theirs.ms)} (${seconds(theirs.ms)}, ${theirs.answered.toLocaleString('en-US')} answered) → ${ratio(oursQps / theirsQps)}`,
    target: '≥ 1.0× node:dns',
    verdict: oursQps >= theirsQps && ours.answered >= theirs.answered ? 'met' : 'MISSED',
  });
}

async function timed(names: readonly string[], lookup: (name: string) => Promise<boolean>): Promise<Round> {
  let answered = 0;
  const started = performance.now();
  await mapLimit(names, CONCURRENCY, async (name) => {
    if (await lookup(name)) answered++;
  });
  return { ms: performance.now() - started, answered };
}

function median(rounds: readonly Round[]): Round {
  return [...rounds].sort((a, b) => a.ms - b.ms)[Math.floor(rounds.length / 2)]!;
}
