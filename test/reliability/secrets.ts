import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findLeaks, ledger } from '../support/faults/ledger.js';

/**
 * Run last: every credential the suite planted (TSIG secrets, API tokens, AWS
 * keys, heartbeat tokens; in environments, config files, broken values) is searched for in every
 * stdout, stderr, log line and JSON document the suite captured. Any hit fails, naming the
 * secret's label and where it was found, never the secret.
 */
export function secretSweepSuite(): void {
  describe('secrets: the whole suite\'s output swept for every planted credential', () => {
    it('the sweep finds a credential that is there, whole, truncated, URL-safe or as hex key bytes (self-test)', () => {
      const canary = randomBytes(32).toString('base64');
      const secrets = new Map([['canary', canary]]);
      const spelled = [canary, `${canary.slice(0, 16)}…`, canary.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), Buffer.from(canary, 'base64').toString('hex')];
      const found = findLeaks(secrets, spelled.map((text, i) => ({ source: `form ${i}`, text: `key=${text};` })));
      expect(found.map((leak) => leak.source)).toEqual(['form 0', 'form 1', 'form 2', 'form 3']);
      expect(findLeaks(secrets, [{ source: 'clean', text: 'apexsync: providers.bind.tsig.secret: must be base64' }])).toEqual([]);
    });

    it('no planted credential appears in anything the product printed or logged', () => {
      expect(ledger.plantedCount).toBeGreaterThanOrEqual(10);
      expect(ledger.outputs.length).toBeGreaterThan(100);
      const leaks = ledger.leaks();
      expect(leaks.map((leak) => `${leak.secret} found in ${leak.source}`)).toEqual([]);
    });
  });
}
