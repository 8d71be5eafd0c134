import { reliabilityPart } from './part.js';
import { zonefileFaultSuite } from './faults-zonefile.js';

reliabilityPart('zone file faults', zonefileFaultSuite, { plantsAtLeast: 0 });
