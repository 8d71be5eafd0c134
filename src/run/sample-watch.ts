import type { Family } from '../model.js';
import type { FamilyResolution, Resolver } from '../resolve/types.js';

/**
 * Tells churn damping whether the lookups of one round disagreed. A round looks each target up
 * `damping.samples` times and plans with the union (src/sync/sampling.ts); this watch sits
 * between the round and the resolver and remembers, per target and family, whether the answers
 * since damping last asked were all the same. The next lookup after that question starts a new
 * batch, so records sharing a target in one round get the same verdict.
 */
export class SampleWatch {
  readonly #batches = new Map<string, Batch>();

  /** The resolver the rounds use: `inner`, with every answer observed. */
  wrap(inner: Resolver): Resolver {
    return {
      resolve: async (target, family) => {
        const answer = await inner.resolve(target, family);
        this.#observe(target, family, answer);
        return answer;
      },
    };
  }

  /** Whether the lookups of `target` since the last call disagreed (a failure is no answer). */
  disagreed(target: string, family: Family): boolean {
    const key = keyOf(target, family);
    const batch = this.#batches.get(key);
    if (batch === undefined) return false;
    // The verdict stays for other records of the same target this round; the answer text is dropped
    // (one entry per target stays between rounds: with 10 000 records, it must stay small).
    if (!batch.asked) this.#batches.set(key, batch.disagreed ? ASKED_DISAGREED : ASKED_AGREED);
    return batch.disagreed;
  }

  /** Forgets targets no longer configured. */
  retain(targets: ReadonlySet<string>): void {
    for (const key of this.#batches.keys()) if (!targets.has(key.slice(key.indexOf(' ') + 1))) this.#batches.delete(key);
  }

  #observe(target: string, family: Family, answer: FamilyResolution): void {
    if (answer.kind === 'failure') return;
    const set = answer.kind === 'addresses' ? answer.addresses.join(',') : '';
    const key = keyOf(target, family);
    const batch = this.#batches.get(key);
    if (batch === undefined || batch.asked) this.#batches.set(key, { first: set, disagreed: false, asked: false });
    else if (batch.first !== set) batch.disagreed = true;
  }
}

interface Batch {
  readonly first: string;
  disagreed: boolean;
  readonly asked: boolean;
}

const ASKED_AGREED: Batch = Object.freeze({ first: '', disagreed: false, asked: true });
const ASKED_DISAGREED: Batch = Object.freeze({ first: '', disagreed: true, asked: true });

const keyOf = (target: string, family: Family): string => `${family} ${target}`;
