import { reliabilityPart } from './part.js';
import { route53FaultSuite } from './faults-route53.js';

reliabilityPart('Route 53 faults', route53FaultSuite, { plantsAtLeast: 1 });
