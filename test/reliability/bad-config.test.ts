import { reliabilityPart } from './part.js';
import { badConfigSuite } from './bad-config.js';

reliabilityPart('bad configs', badConfigSuite, { plantsAtLeast: 5 });
