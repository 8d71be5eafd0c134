import { RateLimiter } from '../../src/lib/rate-limit.js';

/**
 * The process-wide limiter every Route 53 provider instance sends through. Route 53 allows 5
 * requests per second per AWS account, shared by everything that account runs; one request per
 * 250 ms (4 per second, no burst) keeps the account under it however many zones and provider
 * instances a config has, with a little room for other tools in the account.
 */
export const route53Pacer = new RateLimiter({ limit: 1, windowMs: 250 });
