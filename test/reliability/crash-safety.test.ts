import { reliabilityPart } from './part.js';
import { crashSafetySuite } from './crash-safety.js';

reliabilityPart('crash safety', crashSafetySuite, { plantsAtLeast: 2 });
