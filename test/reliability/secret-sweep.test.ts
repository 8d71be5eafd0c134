import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { findLeaks } from '../support/faults/ledger.js';

// The sweep every reliability part ends with (secrets.ts) must find a credential that is there.
it('the secret sweep finds a credential that is there, whole, truncated, URL-safe or as hex key bytes', () => {
  const canary = randomBytes(32).toString('base64');
  const secrets = new Map([['canary', canary]]);
  const spelled = [canary, `${canary.slice(0, 16)}…`, canary.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), Buffer.from(canary, 'base64').toString('hex')];
  const found = findLeaks(
    secrets,
    spelled.map((text, i) => ({ source: `form ${i}`, text: `key=${text};` })),
  );
  expect(found.map((leak) => leak.source)).toEqual(['form 0', 'form 1', 'form 2', 'form 3']);
  expect(findLeaks(secrets, [{ source: 'clean', text: 'apexsync: providers.bind.tsig.secret: must be base64' }])).toEqual([]);
});
