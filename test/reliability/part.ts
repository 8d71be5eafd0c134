import { afterAll } from 'vitest';
import { summaryLines } from '../support/faults/reliability-figures.js';
import { ledger } from '../support/faults/ledger.js';
import { secretSweepSuite } from './secrets.js';

/**
 * One part of the reliability suite as one test file: vitest runs the files in parallel worker
 * processes, which is what keeps `npm test` short. Its tests run in order, then the sweep of
 * what this part printed for the credentials it planted; its figures go to the run's directory,
 * where the global teardown adds up the parts into the summary line.
 */
export function reliabilityPart(part: string, suite: () => void, options: { readonly plantsAtLeast: number }): void {
  suite();
  secretSweepSuite(part, options.plantsAtLeast);
  afterAll(() => {
    const file = ledger.persist(part);
    console.log(
      `${summaryLines([ledger.figures(part)])
        .join('\n')
        .replace(/^reliability:/, `reliability (${part}):`)}\n(captured output: ${file})`,
    );
  });
}
