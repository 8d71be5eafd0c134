import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/model.js';
import { aliasHint } from '../../providers/route53/alias-hint.js';
import { batchCost, splitIntoBatches, toNameChanges, type NameChanges } from '../../providers/route53/batches.js';
import { describeRoute53Error } from '../../providers/route53/errors.js';
import { firstLine } from '../../src/lib/errors.js';
import { compareListingOrder, fromRoute53Name, listingKey, toRoute53Name } from '../../providers/route53/names.js';
import { route53Pacer } from '../../providers/route53/pacer.js';
import type { Clock } from '../../src/lib/clock.js';
import { RateLimiter } from '../../src/lib/rate-limit.js';
import { ALIAS_CONFLICT, nameStateOf } from '../../providers/route53/record-sets.js';
import { BackoffRetryStrategy } from '../../providers/route53/retry.js';

describe('Route 53 names', () => {
  it('translates escapes and the trailing dot both ways', () => {
    expect(fromRoute53Name('\\052.Example.COM.')).toBe('*.example.com');
    expect(fromRoute53Name('example.com.')).toBe('example.com');
    expect(toRoute53Name('*.example.com')).toBe('\\052.example.com.');
    expect(toRoute53Name('_dmarc.example.com')).toBe('_dmarc.example.com.');
  });

  it('orders names as Route 53 lists them: reversed labels, ASCII, trailing dot', () => {
    expect(listingKey('www.example.com')).toBe('com.example.www.');
    const names = ['www.example.com', 'a.example.com', 'example.com', 'a-b.example.com', 'b.a.example.com', 'example.org', 'zz.example.com'];
    expect([...names].sort(compareListingOrder)).toEqual([
      'example.com',
      'a-b.example.com', // '-' sorts before '.', as the API documentation warns
      'a.example.com',
      'b.a.example.com',
      'www.example.com',
      'zz.example.com',
      'example.org',
    ]);
  });
});

describe('aliasHint', () => {
  it.each([
    ['my-app-123.us-east-1.elb.amazonaws.com', /Elastic Load Balancing/],
    ['dualstack.my-nlb-0a1b2c.elb.eu-west-1.amazonaws.com.', /Elastic Load Balancing/],
    ['d111111abcdef8.cloudfront.net', /CloudFront/],
    ['example.com.s3-website-us-east-1.amazonaws.com', /S3 website/],
    ['example.com.s3-website.eu-central-1.amazonaws.com', /S3 website/],
    ['d-abcde12345.execute-api.us-east-1.amazonaws.com', /API Gateway/],
  ])('hints that %s could be a native alias', (target, what) => {
    const hint = aliasHint(target);
    expect(hint).toMatch(what);
    expect(hint).toMatch(/Route 53 alias/);
    expect(hint).not.toContain('\n');
  });

  it.each(['my-app.herokuapp.com', 'example.vercel.app', 'elb.amazonaws.com.evil.test', 's3.amazonaws.com', 'cloudfront.net.example'])('says nothing for %s', (target) => {
    expect(aliasHint(target)).toBeUndefined();
  });
});

describe('change batches', () => {
  const update = (name: string, family: 'A' | 'AAAA', before: string[], after: string[]): Change => ({
    action: 'update',
    name,
    family,
    before: { ttl: 300, values: before },
    after: { ttl: 60, values: after },
  });

  it('turns updates into DELETE(old) + CREATE(new) per name, deletes first, names in listing order', () => {
    const groups = toNameChanges(
      [
        update('www.example.com', 'A', ['52.4.7.1'], ['52.4.7.2']),
        { action: 'create', name: 'example.com', family: 'AAAA', before: null, after: { ttl: 60, values: ['2600::1'] } },
        { action: 'delete', name: 'example.com', family: 'A', before: { ttl: 300, values: ['52.4.0.1'] }, after: null },
      ],
      () => undefined,
    );
    expect(groups.map((g) => [g.name, g.changes.map((c) => `${c.Action} ${c.ResourceRecordSet?.Type} ${c.ResourceRecordSet?.TTL}`)])).toEqual([
      ['example.com', ['DELETE A 300', 'CREATE AAAA 60']],
      ['www.example.com', ['DELETE A 300', 'CREATE A 60']],
    ]);
    expect(groups[1]?.changes[0]?.ResourceRecordSet?.Name).toBe('www.example.com.');
  });

  it('deletes with the spelling Route 53 stores when the old set is the one that was read', () => {
    const stored = { seen: { ttl: 300, values: ['2600::7'] }, stored: { ttl: 300, values: ['2600:0000:0000:0000:0000:0000:0000:0007'] } };
    const [same] = toNameChanges([update('example.com', 'AAAA', ['2600::7'], ['2600::8'])], () => stored);
    expect(same?.changes[0]?.ResourceRecordSet?.ResourceRecords).toEqual([{ Value: '2600:0000:0000:0000:0000:0000:0000:0007' }]);
    // A different old set than the one read: send what the core says (Route 53 will judge).
    const [other] = toNameChanges([update('example.com', 'AAAA', ['2600::9'], ['2600::8'])], () => stored);
    expect(other?.changes[0]?.ResourceRecordSet?.ResourceRecords).toEqual([{ Value: '2600::9' }]);
  });

  it('counts UPSERT twice against the limits', () => {
    const set = { Name: 'x.', Type: 'A' as const, TTL: 60, ResourceRecords: [{ Value: '1.2.3.4' }, { Value: '5.6.7.8' }] };
    expect(batchCost([{ Action: 'CREATE', ResourceRecordSet: set }])).toEqual({ records: 2, valueChars: 14 });
    expect(batchCost([{ Action: 'UPSERT', ResourceRecordSet: set }])).toEqual({ records: 4, valueChars: 28 });
  });

  it('packs names greedily, never splitting one, and gives an oversized name its own batch', () => {
    const name = (label: string, values: number): NameChanges => ({
      name: label,
      changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: `${label}.`, Type: 'A', TTL: 60, ResourceRecords: Array.from({ length: values }, () => ({ Value: '1.1.1.1' })) } }],
    });
    const limits = { records: 10, valueChars: 1000 };
    const batches = splitIntoBatches([name('a', 4), name('b', 4), name('c', 4), name('d', 12), name('e', 2)], limits);
    expect(batches.map((b) => b.map((n) => n.name))).toEqual([['a', 'b'], ['c'], ['d'], ['e']]);
    expect(splitIntoBatches([], limits)).toEqual([]);
    const byChars = splitIntoBatches([name('a', 1), name('b', 1)], { records: 10, valueChars: 10 });
    expect(byChars).toHaveLength(2);
  });
});

describe('record sets at a name', () => {
  it('keeps plain A/AAAA (normalised, and as stored) and turns aliases, routing sets and CNAMEs into conflicts', () => {
    const plain = nameStateOf([
      { Name: 'example.com.', Type: 'AAAA', TTL: 300, ResourceRecords: [{ Value: '2600:0:0:0:0:0:0:7' }, { Value: '2600::1' }] },
      { Name: 'example.com.', Type: 'MX', TTL: 300, ResourceRecords: [{ Value: '10 mx.example.com.' }] },
    ]);
    expect(plain.sets).toEqual({ AAAA: { ttl: 300, values: ['2600::1', '2600::7'] } });
    expect(plain.stored).toEqual({ AAAA: { ttl: 300, values: ['2600:0:0:0:0:0:0:7', '2600::1'] } });

    const alias = nameStateOf([{ Name: 'example.com.', Type: 'A', AliasTarget: { HostedZoneId: 'Z1', DNSName: 'd1.cloudfront.net.', EvaluateTargetHealth: false } }]);
    expect(alias.sets.conflict).toContain(ALIAS_CONFLICT);
    expect(alias.sets.A).toBeUndefined();

    const weighted = nameStateOf([{ Name: 'example.com.', Type: 'AAAA', SetIdentifier: 'eu', Region: 'eu-west-1', TTL: 60, ResourceRecords: [{ Value: '2600::1' }] }]);
    expect(weighted.sets.conflict).toMatch(/latency AAAA record set \(identifier "eu"\)/);

    const cname = nameStateOf([{ Name: 'www.example.com.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'example.com' }] }]);
    expect(cname.sets.conflict).toMatch(/CNAME \(to example\.com\)/);

    // A weighted MX beside plain A records does not stop apexsync.
    const weightedMx = nameStateOf([{ Name: 'example.com.', Type: 'MX', SetIdentifier: 'x', Weight: 1, TTL: 60, ResourceRecords: [{ Value: '10 mx.' }] }]);
    expect(weightedMx.sets.conflict).toBeUndefined();
  });
});

describe('describeRoute53Error', () => {
  const sdkError = (name: string, status: number | undefined, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`${name} message`), { name, $metadata: status === undefined ? {} : { httpStatusCode: status, attempts: 5 }, ...extra });

  it.each([
    [sdkError('AccessDenied', 403), 'auth', false, /route53:ChangeResourceRecordSets/],
    [sdkError('InvalidClientTokenId', 403), 'auth', false, /rejected the credentials/],
    [sdkError('CredentialsProviderError', undefined), 'auth', false, /no AWS credentials/],
    [sdkError('Throttling', 400), 'rate-limit', false, /after 5 attempts/],
    [sdkError('PriorRequestNotComplete', 400), 'rate-limit', false, /PriorRequestNotComplete/],
    [sdkError('InvalidChangeBatch', 400), 'rejected', false, /InvalidChangeBatch/],
    [sdkError('InternalFailure', 500), 'error', true, /HTTP 500/],
    [sdkError('Error', undefined, { code: 'ECONNREFUSED' }), 'unreachable', false, /cannot reach/],
    [sdkError('TimeoutError', undefined, { code: 'ETIMEDOUT' }), 'unreachable', true, /no answer/],
  ])('classifies %s', (error, kind, maybeApplied, message) => {
    const failure = describeRoute53Error(error, 'ChangeResourceRecordSets');
    expect(failure.kind).toBe(kind);
    expect(failure.maybeApplied).toBe(maybeApplied);
    expect(failure.message).toMatch(message);
  });

  // What the SDK throws when a 200 answer is cut after the headers: the request was received.
  const cutAnswer = (status: number) =>
    Object.assign(new Error('aborted\nDeserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), {
      name: 'Error',
      $metadata: { httpStatusCode: status, attempts: 1 },
    });

  it.each([200, 204])('treats an error after HTTP %i as received (maybe applied), never as refused', (status) => {
    const failure = describeRoute53Error(cutAnswer(status), 'ChangeResourceRecordSets');
    expect(failure).toEqual({
      kind: 'unconfirmed',
      maybeApplied: true,
      message: `Route 53 answered ChangeResourceRecordSets with HTTP ${status}, but the answer could not be read (Error: aborted)`,
    });
  });

  it('keeps only the first line of an SDK message, whatever the status', () => {
    const multiLine = (status: number | undefined, name: string) =>
      Object.assign(new Error(`first words\nDeserialization error: to see the raw response, inspect {error}.$response`), {
        name,
        $metadata: status === undefined ? {} : { httpStatusCode: status },
      });
    const messages = [
      multiLine(200, 'Error'),
      multiLine(500, 'InternalFailure'),
      multiLine(403, 'AccessDenied'),
      multiLine(undefined, 'TimeoutError'),
      multiLine(400, 'InvalidInput'),
    ].map((error) => describeRoute53Error(error, 'ListResourceRecordSets').message);
    for (const message of messages) {
      expect(message).toContain('first words');
      expect(message).not.toMatch(/\n|Deserialization|\$response/);
    }
    expect(firstLine('one\r\ntwo')).toBe('one');
    expect(firstLine('only')).toBe('only');
  });
});

describe('pacer', () => {
  /** A clock that only moves when someone sleeps: spacing is read off it, not measured. */
  function fakeClock(): Pick<Clock, 'monotonic' | 'sleep'> & { readonly sleeps: number[] } {
    let now = 0;
    const sleeps: number[] = [];
    return {
      sleeps,
      monotonic: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    };
  }

  it('grants requests in call order, one per 250 ms as the process-wide pacer does', async () => {
    const clock = fakeClock();
    const bucket = new RateLimiter({ limit: route53Pacer.limit, windowMs: route53Pacer.windowMs }, clock);
    const order: number[] = [];
    const times: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        bucket.acquire().then(() => {
          order.push(i);
          times.push(clock.monotonic());
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(times).toEqual([0, 250, 500, 750, 1000]);
    expect(bucket.granted).toBe(5);
  });

  it('lets a burst through up to the limit, then waits for the oldest to leave the window', async () => {
    const clock = fakeClock();
    const bucket = new RateLimiter({ limit: 3, windowMs: 1_000 }, clock);
    for (let i = 0; i < 3; i += 1) await bucket.acquire();
    expect(clock.sleeps).toEqual([]);
    await bucket.acquire();
    expect(clock.sleeps).toEqual([1000]);
  });
});

describe('retry strategy', () => {
  const policy = { maxAttempts: 3, retryOn: ['THROTTLING'] as const, throttlingBaseDelayMs: 100, transientBaseDelayMs: 10, maxDelayMs: 150 };

  it('retries only the configured classes, up to maxAttempts, with capped exponential delays', async () => {
    const retried: string[] = [];
    const strategy = new BackoffRetryStrategy({ ...policy, retryOn: [...policy.retryOn], onRetry: (type, attempt) => retried.push(`${type}#${attempt}`) }, () => 1);
    const first = await strategy.acquireInitialRetryToken();
    const second = await strategy.refreshRetryTokenForRetry(first, { errorType: 'THROTTLING' });
    expect(second.getRetryDelay()).toBe(100);
    const third = await strategy.refreshRetryTokenForRetry(second, { errorType: 'THROTTLING' });
    expect(third.getRetryDelay()).toBe(150); // 200 capped
    await expect(strategy.refreshRetryTokenForRetry(third, { errorType: 'THROTTLING' })).rejects.toThrow();
    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: 'TRANSIENT' })).rejects.toThrow();
    expect(retried).toEqual(['THROTTLING#2', 'THROTTLING#3']);
  });
});
