import { reliabilityPart } from './part.js';
import { powerdnsFaultSuite } from './faults-powerdns.js';

reliabilityPart('PowerDNS faults', powerdnsFaultSuite, { plantsAtLeast: 1 });
