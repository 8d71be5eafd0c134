import { afterAll } from 'vitest';
import { ledger } from '../support/faults/ledger.js';
import { badConfigSuite } from './bad-config.js';
import { crashSafetySuite } from './crash-safety.js';
import { cloudflareFaultSuite } from './faults-cloudflare.js';
import { powerdnsFaultSuite } from './faults-powerdns.js';
import { rfc2136FaultSuite } from './faults-rfc2136.js';
import { zonefileFaultSuite } from './faults-zonefile.js';
import { route53FaultSuite } from './faults-route53.js';
import { hostileDnsSuite } from './hostile-dns.js';
import { secretSweepSuite } from './secrets.js';
import { soakSuite } from './soak.js';

/**
 * The reliability suite (docs/reliability.md), as ONE vitest file that runs its parts in order in one
 * process: the counters and the captured output live in one in-memory ledger, the secret sweep
 * runs after everything else has produced its output, and the summary line is printed last.
 * (Several files would run in parallel forks with no "last file"; vitest.config.ts is shared,
 * so no globalTeardown.) Each part is a module of its own under test/reliability/.
 */

hostileDnsSuite();
badConfigSuite();
crashSafetySuite();
zonefileFaultSuite();
rfc2136FaultSuite();
route53FaultSuite();
cloudflareFaultSuite();
powerdnsFaultSuite();
soakSuite();
secretSweepSuite();

afterAll(() => {
  const file = ledger.persist();
  console.log(`${ledger.summaryLine()}\n(figures and every captured output: ${file})`);
});
