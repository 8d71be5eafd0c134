import { describe, expect, it } from 'vitest';
import { ledger } from '../support/faults/ledger.js';

/**
 * Run last in each part of the suite: every credential the part planted (TSIG secrets, API
 * tokens, AWS keys, heartbeat tokens; in environments, config files, broken values) is searched
 * for in every stdout, stderr, log line and JSON document the part captured. A credential lives
 * only in the process that planted it, so the parts' sweeps together cover the whole suite. Any
 * hit fails, naming the secret's label and where it was found, never the secret.
 */
export function secretSweepSuite(part: string, plantsAtLeast: number): void {
  describe(`secrets: ${part}'s output swept for every credential it planted`, () => {
    it('no planted credential appears in anything the product printed or logged', () => {
      expect(ledger.plantedCount).toBeGreaterThanOrEqual(plantsAtLeast);
      expect(ledger.outputs.length).toBeGreaterThan(0);
      const leaks = ledger.leaks();
      expect(leaks.map((leak) => `${leak.secret} found in ${leak.source}`)).toEqual([]);
    });
  });
}
