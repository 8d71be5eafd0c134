import { normalizeName } from '../../src/lib/names.js';

/**
 * Targets that Route 53 can point to natively with an alias record (A/AAAA with an AliasTarget).
 * For those, an alias follows the resource's addresses inside Route 53 itself, with no polling and
 * no staleness; apexsync is for targets outside an alias's reach.
 */
const ALIAS_FORMS: ReadonlyArray<{ readonly pattern: RegExp; readonly what: string }> = [
  // Classic (name-123.region.elb.amazonaws.com) and ALB/NLB (name-id.elb.region.amazonaws.com), also dualstack. and .cn.
  { pattern: /\.elb(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/, what: 'an Elastic Load Balancing load balancer' },
  { pattern: /\.cloudfront\.net$/, what: 'a CloudFront distribution' },
  // bucket.s3-website-us-east-1.amazonaws.com and bucket.s3-website.eu-west-1.amazonaws.com
  { pattern: /(^|\.)s3-website[.-][a-z0-9.-]*amazonaws\.com(\.cn)?$/, what: 'an S3 website endpoint' },
  { pattern: /\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/, what: 'an API Gateway endpoint' },
  { pattern: /\.elasticbeanstalk\.com$/, what: 'an Elastic Beanstalk environment' },
  { pattern: /\.awsglobalaccelerator\.com$/, what: 'a Global Accelerator' },
];

/**
 * A one-line hint when `target` is an AWS resource that a Route 53 alias record can point to, so
 * the operator knows a native alias would avoid staleness entirely. Undefined otherwise.
 */
export function aliasHint(target: string): string | undefined {
  const name = normalizeName(target);
  const form = ALIAS_FORMS.find(({ pattern }) => pattern.test(name));
  if (form === undefined) return undefined;
  return `${name} is ${form.what}: a Route 53 alias record pointing at it would follow its addresses natively and never go stale`;
}
