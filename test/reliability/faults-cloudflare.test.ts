import { reliabilityPart } from './part.js';
import { cloudflareFaultSuite } from './faults-cloudflare.js';

reliabilityPart('Cloudflare faults', cloudflareFaultSuite, { plantsAtLeast: 1 });
