import { reliabilityPart } from './part.js';
import { rfc2136FaultSuite } from './faults-rfc2136.js';

reliabilityPart('RFC 2136 faults', rfc2136FaultSuite, { plantsAtLeast: 2 });
