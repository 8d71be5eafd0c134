import { reliabilityPart } from './part.js';
import { hostileDnsSuite } from './hostile-dns.js';

reliabilityPart('hostile DNS', hostileDnsSuite, { plantsAtLeast: 0 });
