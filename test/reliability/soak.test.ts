import { reliabilityPart } from './part.js';
import { soakSuite } from './soak.js';

reliabilityPart('soak', soakSuite, { plantsAtLeast: 1 });
