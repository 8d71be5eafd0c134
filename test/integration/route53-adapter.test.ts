import { Writable } from 'node:stream';
import { providerSession, type ProviderSession } from '../support/provider-session.js';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApplyOutcome, Change, RecordSets } from '../../src/model.js';
import { ProviderError, type Provider } from '../../providers/types.js';
import { createProvider, type Route53Tuning } from '../../providers/route53/index.js';
import { route53Pacer } from '../../providers/route53/pacer.js';
import { RateLimiter } from '../../src/lib/rate-limit.js';
import { route53Settings } from '../../providers/route53/settings.js';
import { Route53Fake, type FakeRecordSet } from '../support/route53-fake.js';

/**
 * The Route 53 adapter through the real AWS SDK (serialisation, ID middleware, XML and error
 * parsing, retries) against the wire-level fake. Every test asserts what crossed the wire.
 */

const ACCESS_KEY_ID = 'AKIDAPEXSYNCADAPTER';
const SECRET_ACCESS_KEY = 'adapterSecret/DoNotPrint+0123456789abcdefABCDEF';

let fake: Route53Fake;
const logLines: string[] = [];
/** Every message an error or outcome carried, to prove the secret never appears in one. */
const messages: string[] = [];
const providers: Provider[] = [];

const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
);

/** Fast timings for tests; a private pacer so tests don't wait on the process-wide one. */
const FAST: Partial<Route53Tuning> = {
  throttlingBaseDelayMs: 2,
  transientBaseDelayMs: 1,
  maxRetryDelayMs: 10,
  requestTimeoutMs: 3_000,
  syncPollDelayMs: 2,
  syncMaxWaitMs: 5_000,
  pacer: new RateLimiter({ limit: 10_000, windowMs: 1_000 }),
};

function provider(settings: Record<string, unknown> = {}, tuning: Partial<Route53Tuning> = {}): ProviderSession {
  const created = createProvider(route53Settings.parse({ type: 'route53', endpoint: fake.endpoint, ...settings }), { id: 'aws', logger }, { ...FAST, ...tuning });
  providers.push(created);
  return providerSession(created, 'empty');
}

async function expectProviderError(promise: Promise<unknown>, kind: string, text: RegExp): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  const providerError = error as ProviderError;
  messages.push(providerError.message);
  expect(providerError.kind).toBe(kind);
  expect(providerError.message).toMatch(text);
  return providerError;
}

function recordOutcomes(outcomes: Map<string, ApplyOutcome>): Map<string, ApplyOutcome> {
  for (const outcome of outcomes.values()) {
    if (outcome.status === 'applied') messages.push(outcome.detail ?? '');
    else messages.push(outcome.message);
  }
  return outcomes;
}

const a = (ttl: number, ...values: string[]) => ({ ttl, values });
const plain = (name: string, type: 'A' | 'AAAA', ttl: number, ...values: string[]): FakeRecordSet => ({ name, type, ttl, values });

beforeAll(async () => {
  fake = await Route53Fake.start();
  process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = SECRET_ACCESS_KEY;
  fake.expectedAccessKeyId = ACCESS_KEY_ID;
});

afterAll(async () => {
  await Promise.all(providers.map((p) => p.close?.()));
  await fake.close();
  // Nothing the adapter logged or returned may carry the secret access key.
  const everything = [...logLines, ...messages].join('\n');
  expect(logLines.length).toBeGreaterThan(0);
  expect(everything).not.toContain(SECRET_ACCESS_KEY);
});

beforeEach(() => {
  fake.zones.clear();
  fake.clearFaults();
  fake.resetCounters();
  fake.syncAfterPolls = 0;
});

describe('findZone', () => {
  it('answers every lookup of a run from one listing when the account has at most 100 zones', async () => {
    fake.createZone('example.com');
    fake.createZone('sub.example.com');
    fake.createZone('example.org');
    const p = provider();
    expect(await p.findZone('a.sub.example.com')).toBe('sub.example.com');
    expect(await p.findZone('shop.example.com')).toBe('example.com');
    const zones = await Promise.all(['x.example.com', 'y.example.org', 'example.com'].map((name) => p.findZone(name)));
    expect(zones).toEqual(['example.com', 'example.org', 'example.com']);
    expect(fake.calls.ListHostedZonesByName).toBe(1);
  });

  it('in a larger account, seeks each suffix (longest first) and checks exact names on a cursor that runs past them', async () => {
    for (let i = 0; i < 120; i += 1) fake.createZone(`filler-${String(i).padStart(3, '0')}.example.net`);
    fake.createZone('example.com');
    fake.createZone('sub.example.com');
    // The cursor for shop.example.com lands on sub.example.com, for a.sub.example.com on
    // xyz.example.com: a careless adapter takes the first zone the cursor returns.
    fake.createZone('xyz.example.com');
    const p = provider();

    expect(await p.findZone('a.sub.example.com')).toBe('sub.example.com');
    expect(fake.calls.ListHostedZonesByName).toBe(3); // one page (truncated), a.sub.example.com, sub.example.com
    expect(await p.findZone('shop.example.com')).toBe('example.com');
    expect(fake.calls.ListHostedZonesByName).toBe(5); // shop.example.com, example.com

    // Concurrent lookups share the cached answers: only the new suffixes are asked.
    const zones = await Promise.all(['x.example.com', 'x.example.com', 'y.example.com', 'example.com'].map((name) => p.findZone(name)));
    expect(zones).toEqual(['example.com', 'example.com', 'example.com', 'example.com']);
    expect(fake.calls.ListHostedZonesByName).toBe(7); // x.example.com, y.example.com; example.com was cached

    // Twelve zones of one name span two cursor pages (10 per page): every one is found.
    const duplicates = Array.from({ length: 12 }, () => fake.createZone('dup.example'));
    const error = await expectProviderError(provider().findZone('www.dup.example'), 'error', /12 hosted zones are named dup\.example/);
    for (const id of duplicates) expect(error.message).toContain(id);
  });

  it('skips private zones unless asked, and refuses to guess between two zones of the same name', async () => {
    const publicId = fake.createZone('example.com');
    const privateId = fake.createZone('example.com', { private: true });
    expect(await provider().findZone('example.com')).toBe('example.com');
    await expectProviderError(provider({ privateZones: true }).findZone('www.example.com'), 'error', new RegExp(`${publicId}.*${privateId}|${privateId}.*${publicId}`));

    fake.zones.clear();
    const first = fake.createZone('example.net');
    const second = fake.createZone('example.net');
    const error = await expectProviderError(provider().findZone('example.net'), 'error', /2 hosted zones are named example\.net/);
    expect(error.message).toContain(first);
    expect(error.message).toContain(second);
    expect(error.message).toContain('hostedZoneId');

    fake.zones.clear();
    fake.createZone('internal.example', { private: true });
    await expectProviderError(provider().findZone('db.internal.example'), 'error', /no public hosted zone holds db\.internal\.example/);
    expect(await provider({ privateZones: true }).findZone('db.internal.example')).toBe('internal.example');
  });

  it('uses hostedZoneId when given (one GetHostedZone, no listing) and checks the name belongs to it', async () => {
    const id = fake.createZone('example.com');
    const p = provider({ hostedZoneId: id });
    expect(await p.findZone('www.example.com')).toBe('example.com');
    await expectProviderError(p.findZone('www.example.org'), 'error', new RegExp(`www\\.example\\.org is not in hosted zone ${id}`));
    expect(fake.calls.GetHostedZone).toBe(1);
    expect(fake.calls.ListHostedZonesByName).toBe(0);
    await expectProviderError(provider({ hostedZoneId: 'ZNOSUCHZONE' }).findZone('example.com'), 'not-found', /does not exist/);
  });

  it('reads a zone given by name in the config without a findZone call first', async () => {
    const id = fake.createZone('example.com');
    fake.setRecordSet(id, plain('example.com', 'A', 300, '52.4.7.1'));
    const p = provider();
    const sets = await p.read('example.com', ['example.com']);
    expect(sets.get('example.com')).toEqual({ A: a(300, '52.4.7.1') });
    expect(fake.calls.ListHostedZonesByName).toBe(1);
    expect(fake.calls.ListResourceRecordSets).toBe(1);
    await expectProviderError(p.read('example.org', ['example.org']), 'error', /no public hosted zone is named example\.org/);
  });
});

describe('read', () => {
  it('returns normalised A/AAAA, ignores other types, and reports aliases, routing policies and CNAMEs as conflicts', async () => {
    const id = fake.createZone('example.com');
    fake.setRecordSet(id, plain('example.com', 'A', 300, '52.4.18.2', '52.4.7.1'));
    fake.setRecordSet(id, plain('example.com', 'AAAA', 300, '2600:1F18:04A3:6900:0000:0000:0000:0007'));
    fake.setRecordSet(id, { name: 'example.com', type: 'MX', ttl: 300, values: ['10 mail.example.com.'] });
    fake.setRecordSet(id, { name: 'example.com', type: 'TXT', ttl: 300, values: ['"v=spf1 -all"'] });
    fake.setRecordSet(id, {
      name: 'alias.example.com',
      type: 'A',
      aliasTarget: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'dualstack.my-lb-1.us-east-1.elb.amazonaws.com.', evaluateTargetHealth: false },
    });
    fake.setRecordSet(id, { name: 'weighted.example.com', type: 'A', ttl: 60, values: ['52.4.1.1'], setIdentifier: 'blue', weight: 10 });
    fake.setRecordSet(id, { name: 'www.example.com', type: 'CNAME', ttl: 60, values: ['example.com'] });
    fake.setRecordSet(id, plain('*.example.com', 'A', 60, '52.4.9.9'));

    const p = provider();
    const names = ['example.com', 'alias.example.com', 'weighted.example.com', 'www.example.com', '*.example.com', 'new.example.com'];
    const sets = await p.read('example.com', names);
    expect(sets.get('example.com')).toEqual({ A: a(300, '52.4.7.1', '52.4.18.2'), AAAA: a(300, '2600:1f18:4a3:6900::7') });
    expect(sets.get('alias.example.com')?.conflict).toContain('this name is a Route 53 alias; apexsync manages plain A/AAAA records');
    expect(sets.get('alias.example.com')?.A).toBeUndefined();
    expect(sets.get('weighted.example.com')?.conflict).toMatch(/weighted A record set \(identifier "blue"\)/);
    expect(sets.get('www.example.com')?.conflict).toMatch(/CNAME/);
    expect(sets.get('*.example.com')).toEqual({ A: a(60, '52.4.9.9') });
    expect(sets.get('new.example.com')).toEqual({});
    expect([...sets.keys()].sort()).toEqual([...names].sort());
    expect(fake.calls.ListResourceRecordSets).toBe(1); // a small zone: one page covers every name
  });

  it('reads 50 names in a zone of 2 000 record sets in the fewest pages the API allows', async () => {
    const id = fake.createZone('big.example');
    const hosts = Array.from({ length: 1998 }, (_, i) => `host${String(i).padStart(4, '0')}.big.example`);
    for (const [i, host] of hosts.entries()) fake.setRecordSet(id, plain(host, 'A', 300, `52.${(i >> 8) & 255}.${i & 255}.1`));
    expect(fake.zones.get(id)?.records.size).toBe(2000);
    const listing = fake.recordSets(id).map((set) => set.name.slice(0, -1));

    /** The minimum for the fake's own listing order: greedy cover of the managed positions by windows of 300. */
    const minimumPages = (managed: readonly string[]): number => {
      const positions = managed.map((name) => listing.indexOf(name)).sort((x, y) => x - y);
      let pages = 0;
      let coveredUntil = -1;
      for (const position of positions) {
        if (position > coveredUntil) {
          pages += 1;
          coveredUntil = position + 299;
        }
      }
      return pages;
    };
    const cases: Array<[string, string[], number]> = [
      ['spread over the zone', hosts.filter((_, i) => i % 40 === 0), 7],
      ['clustered', hosts.slice(1000, 1050), 1],
      ['three far apart', [hosts[10]!, hosts[900]!, hosts[1900]!, ...hosts.slice(11, 58)], 3],
    ];
    const p = provider();
    for (const [label, managed, expected] of cases) {
      expect(managed, label).toHaveLength(50);
      fake.resetCounters();
      const sets = await p.read('big.example', managed);
      expect(minimumPages(managed), label).toBe(expected);
      expect(fake.calls.ListResourceRecordSets, label).toBe(expected);
      expect(fake.calls.ListResourceRecordSets, label).toBeLessThanOrEqual(Math.ceil(2000 / 300));
      for (const name of managed) expect(sets.get(name)?.A?.values, `${label}: ${name}`).toHaveLength(1);
    }
  });

  it('continues with the cursor when a name’s record sets straddle a page boundary', async () => {
    const id = fake.createZone('edge.example');
    // first.edge.example, then 297 fillers, then last.edge.example A (position 299 from first) and AAAA (300).
    fake.setRecordSet(id, plain('a-first.edge.example', 'A', 60, '52.1.0.1'));
    for (let i = 0; i < 298; i += 1) fake.setRecordSet(id, plain(`b${String(i).padStart(3, '0')}.edge.example`, 'A', 60, '52.2.0.1'));
    fake.setRecordSet(id, plain('c-last.edge.example', 'A', 60, '52.3.0.1'));
    fake.setRecordSet(id, plain('c-last.edge.example', 'AAAA', 60, '2600::1'));
    const listing = fake.recordSets(id).map((set) => `${set.name} ${set.type}`);
    expect(listing.indexOf('c-last.edge.example. AAAA') - listing.indexOf('a-first.edge.example. A')).toBe(300);

    const sets = await provider().read('edge.example', ['a-first.edge.example', 'c-last.edge.example']);
    expect(sets.get('c-last.edge.example')).toEqual({ A: a(60, '52.3.0.1'), AAAA: a(60, '2600::1') });
    expect(fake.calls.ListResourceRecordSets).toBe(2);
  });

  it('fails with an auth error naming the permission, and retries a transient 500', async () => {
    const id = fake.createZone('example.com');
    fake.setRecordSet(id, plain('example.com', 'A', 300, '52.4.7.1'));
    const p = provider();
    await p.findZone('example.com');
    fake.inject({ error: 'AccessDenied', operation: 'ListResourceRecordSets', times: 1 });
    await expectProviderError(p.read('example.com', ['example.com']), 'auth', /route53:ListResourceRecordSets/);
    expect(fake.calls.ListResourceRecordSets).toBe(1); // a refusal is not retried

    fake.resetCounters();
    fake.inject({ error: 'InternalFailure', operation: 'ListResourceRecordSets', times: 1 });
    expect((await p.read('example.com', ['example.com'])).get('example.com')).toEqual({ A: a(300, '52.4.7.1') });
    expect(fake.calls.ListResourceRecordSets).toBe(2);
    expect(fake.retries('ListResourceRecordSets')).toBe(1);
  });
});

describe('apply', () => {
  let zoneId: string;
  let p: ProviderSession;
  beforeEach(async () => {
    zoneId = fake.createZone('example.com');
    p = provider();
    await p.findZone('example.com');
    fake.resetCounters();
  });

  const readAll = (...names: string[]): Promise<Map<string, RecordSets>> => p.read('example.com', names);

  it('creates, updates (DELETE exact old + CREATE) and deletes in one batch per zone, then reads back', async () => {
    fake.setRecordSet(zoneId, plain('example.com', 'A', 300, '52.4.7.1'));
    // Stored uncompressed: the DELETE must repeat Route 53's spelling, not the normalised one.
    fake.setRecordSet(zoneId, plain('example.com', 'AAAA', 300, '2600:1F18:04A3:6900:0000:0000:0000:0007'));
    fake.setRecordSet(zoneId, plain('old.example.com', 'AAAA', 120, '2600::9'));
    const before = await readAll('example.com', 'www.example.com', 'old.example.com');

    const changes: Change[] = [
      { action: 'update', name: 'example.com', family: 'A', before: before.get('example.com')!.A!, after: a(120, '52.4.18.2', '52.4.91.7') },
      { action: 'delete', name: 'example.com', family: 'AAAA', before: before.get('example.com')!.AAAA!, after: null },
      { action: 'create', name: 'www.example.com', family: 'A', before: null, after: a(120, '52.4.18.2') },
      { action: 'delete', name: 'old.example.com', family: 'AAAA', before: before.get('old.example.com')!.AAAA!, after: null },
    ];
    const outcomes = recordOutcomes(await p.apply('example.com', changes));
    expect([...outcomes.keys()].sort()).toEqual(['example.com', 'old.example.com', 'www.example.com']);
    for (const outcome of outcomes.values()) {
      expect(outcome.status).toBe('applied');
      expect(outcome.status === 'applied' && outcome.detail).toMatch(/Route 53 change C\d+FAKE: PENDING/);
    }
    expect(fake.calls.ChangeResourceRecordSets).toBe(1);
    expect(fake.calls.GetChange).toBe(0);
    expect(fake.batches[0]?.changes).toEqual([
      { action: 'DELETE', name: 'example.com.', type: 'A', ttl: 300, values: ['52.4.7.1'] },
      { action: 'DELETE', name: 'example.com.', type: 'AAAA', ttl: 300, values: ['2600:1F18:04A3:6900:0000:0000:0000:0007'] },
      { action: 'CREATE', name: 'example.com.', type: 'A', ttl: 120, values: ['52.4.18.2', '52.4.91.7'] },
      { action: 'DELETE', name: 'old.example.com.', type: 'AAAA', ttl: 120, values: ['2600::9'] },
      { action: 'CREATE', name: 'www.example.com.', type: 'A', ttl: 120, values: ['52.4.18.2'] },
    ]);
    const after = await readAll('example.com', 'www.example.com', 'old.example.com');
    expect(after.get('example.com')).toEqual({ A: a(120, '52.4.18.2', '52.4.91.7') });
    expect(after.get('www.example.com')).toEqual({ A: a(120, '52.4.18.2') });
    expect(after.get('old.example.com')).toEqual({});
    expect(fake.recordSet(zoneId, 'example.com', 'SOA')).toBeDefined(); // nothing else touched
  });

  it('reports a manual edit between read and write as a conflict and applies nothing of the batch', async () => {
    fake.setRecordSet(zoneId, plain('example.com', 'A', 300, '52.4.7.1'));
    const before = await readAll('example.com', 'www.example.com');
    // Someone edits the apex by hand after apexsync read it.
    fake.setRecordSet(zoneId, plain('example.com', 'A', 300, '198.51.100.7'));
    const outcomes = recordOutcomes(
      await p.apply('example.com', [
        { action: 'update', name: 'example.com', family: 'A', before: before.get('example.com')!.A!, after: a(300, '52.4.18.2') },
        { action: 'create', name: 'www.example.com', family: 'A', before: null, after: a(300, '52.4.18.2') },
      ]),
    );
    const apex = outcomes.get('example.com');
    expect(apex).toMatchObject({ status: 'not-applied', kind: 'conflict' });
    expect(apex?.status === 'not-applied' && apex.message).toMatch(/^changed by someone else since it was read; nothing applied \(Route 53: .*values provided do not match/);
    const www = outcomes.get('www.example.com');
    expect(www).toMatchObject({ status: 'not-applied', kind: 'conflict' });
    expect(www?.status === 'not-applied' && www.message).toMatch(/another name in the same Route 53 change batch/);
    expect(fake.calls.ChangeResourceRecordSets).toBe(1); // a conflict is not retried
    expect(fake.recordSet(zoneId, 'example.com', 'A')?.values).toEqual(['198.51.100.7']);
    expect(fake.recordSet(zoneId, 'www.example.com', 'A')).toBeUndefined();

    // A set created by hand since the read makes the CREATE fail: also a conflict.
    fake.setRecordSet(zoneId, plain('new.example.com', 'A', 60, '52.4.1.1'));
    const created = recordOutcomes(await p.apply('example.com', [{ action: 'create', name: 'new.example.com', family: 'A', before: null, after: a(60, '52.4.2.2') }]));
    expect(created.get('new.example.com')).toMatchObject({ status: 'not-applied', kind: 'conflict' });
    expect(fake.batches.at(-1)?.message).toContain('already exists');
  });

  it('splits at 1 000 records without splitting a name, and every batch is applied', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `n${String(i).padStart(3, '0')}.example.com`);
    const oldSet = a(300, '52.4.0.1', '52.4.0.2', '52.4.0.3');
    for (const name of names) fake.setRecordSet(zoneId, plain(name, 'A', 300, ...oldSet.values));
    await readAll(...names);
    const changes: Change[] = names.map((name) => ({ action: 'update', name, family: 'A', before: oldSet, after: a(300, '52.4.1.1', '52.4.1.2', '52.4.1.3') }));
    const outcomes = recordOutcomes(await p.apply('example.com', changes));
    expect([...outcomes.values()].every((o) => o.status === 'applied')).toBe(true);
    // 6 records per name (3 deleted + 3 created): 166 names fill 996 of 1000.
    expect(fake.batches.map((b) => [b.result, b.records])).toEqual([
      ['applied', 996],
      ['applied', 204],
    ]);
    expect(fake.calls.ChangeResourceRecordSets).toBe(2);
    expectNoNameSplit();
    expect(fake.recordSet(zoneId, names[199]!, 'A')?.values).toEqual(['52.4.1.1', '52.4.1.2', '52.4.1.3']);
  });

  it('splits at 32 000 value characters without splitting a name', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `v6-${String(i).padStart(2, '0')}.example.com`);
    const long = (prefix: string) => Array.from({ length: 8 }, (_, i) => `2600:1f18:4a3:${prefix}:1234:5678:9abc:${(0xde00 + i).toString(16)}`);
    const oldSet = a(300, ...long('6900'));
    const newSet = a(300, ...long('7a00'));
    for (const name of names) fake.setRecordSet(zoneId, plain(name, 'AAAA', 300, ...oldSet.values));
    await readAll(...names);
    const outcomes = recordOutcomes(
      await p.apply(
        'example.com',
        names.map((name): Change => ({ action: 'update', name, family: 'AAAA', before: oldSet, after: newSet })),
      ),
    );
    expect([...outcomes.values()].every((o) => o.status === 'applied')).toBe(true);
    expect(fake.batches).toHaveLength(2);
    for (const batch of fake.batches) {
      expect(batch.result).toBe('applied');
      expect(batch.valueChars).toBeLessThanOrEqual(32_000);
      expect(batch.records).toBeLessThan(1000); // characters, not records, forced the split
    }
    expect(fake.batches[0]!.valueChars + 608).toBeGreaterThan(32_000); // the first batch was full
    expectNoNameSplit();
  });

  function expectNoNameSplit(): void {
    const batchOf = new Map<string, number>();
    fake.batches.forEach((batch, index) => {
      for (const change of batch.changes) {
        expect(batchOf.get(change.name) ?? index, change.name).toBe(index);
        batchOf.set(change.name, index);
      }
    });
  }

  it('survives throttling (retried with backoff, counted at the wire) and gives up as rate-limit', async () => {
    fake.setRecordSet(zoneId, plain('example.com', 'A', 300, '52.4.7.1'));
    const before = await readAll('example.com');
    fake.resetCounters();
    fake.inject({ error: 'Throttling', operation: 'ChangeResourceRecordSets', times: 3 });
    const update: Change = { action: 'update', name: 'example.com', family: 'A', before: before.get('example.com')!.A!, after: a(300, '52.4.18.2') };
    expect(recordOutcomes(await p.apply('example.com', [update])).get('example.com')?.status).toBe('applied');
    expect(fake.calls.ChangeResourceRecordSets).toBe(4);
    expect(fake.retries('ChangeResourceRecordSets')).toBe(3);
    expect(fake.batches.filter((b) => b.result === 'applied')).toHaveLength(1);

    fake.resetCounters();
    fake.inject({ error: 'PriorRequestNotComplete', operation: 'ChangeResourceRecordSets', times: 1 });
    const back: Change = { action: 'update', name: 'example.com', family: 'A', before: a(300, '52.4.18.2'), after: a(300, '52.4.7.1') };
    expect(recordOutcomes(await p.apply('example.com', [back])).get('example.com')?.status).toBe('applied');
    expect(fake.calls.ChangeResourceRecordSets).toBe(2);

    fake.resetCounters();
    fake.inject({ error: 'Throttling', operation: 'ChangeResourceRecordSets', times: 50 });
    const outcome = recordOutcomes(await p.apply('example.com', [update])).get('example.com');
    expect(outcome).toMatchObject({ status: 'not-applied', kind: 'rate-limit' });
    expect(outcome?.status === 'not-applied' && outcome.message).toMatch(/after 5 attempts/);
    expect(fake.calls.ChangeResourceRecordSets).toBe(5); // maxAttempts
    expect(fake.batches).toHaveLength(0);
    expect(fake.recordSet(zoneId, 'example.com', 'A')?.values).toEqual(['52.4.7.1']);
  });

  it('reports AccessDenied on the write as auth, naming the missing permission', async () => {
    fake.inject({ error: 'AccessDenied', operation: 'ChangeResourceRecordSets', times: 1 });
    const outcome = recordOutcomes(await p.apply('example.com', [{ action: 'create', name: 'example.com', family: 'A', before: null, after: a(60, '52.4.7.1') }])).get(
      'example.com',
    );
    expect(outcome).toMatchObject({ status: 'not-applied', kind: 'auth' });
    expect(outcome?.status === 'not-applied' && outcome.message).toContain('route53:ChangeResourceRecordSets');
    expect(fake.calls.ChangeResourceRecordSets).toBe(1);
  });

  it('cannot confirm a write whose answer never came, and does not replay it', async () => {
    const slow = provider({}, { requestTimeoutMs: 200 });
    await slow.findZone('example.com');
    fake.resetCounters();
    fake.inject({ error: 'hang', operation: 'ChangeResourceRecordSets', times: 1, applyFirst: true });
    const outcome = recordOutcomes(await slow.apply('example.com', [{ action: 'create', name: 'example.com', family: 'A', before: null, after: a(60, '52.4.7.1') }])).get(
      'example.com',
    );
    expect(outcome?.status).toBe('unconfirmed');
    // The core wraps it in "could not confirm: …; the records may or may not have changed"; the adapter says what happened.
    expect(outcome?.status === 'unconfirmed' && outcome.message).toMatch(/^no answer from Route 53 to ChangeResourceRecordSets \(ETIMEDOUT\): .*requestTimeout/);
    expect(fake.calls.ChangeResourceRecordSets).toBe(1); // not retried: a replay would fail its own CAS
    expect(fake.recordSet(zoneId, 'example.com', 'A')?.values).toEqual(['52.4.7.1']); // it did happen

    fake.resetCounters();
    fake.inject({ error: 'InternalFailure', operation: 'ChangeResourceRecordSets', times: 1 });
    const after500 = recordOutcomes(await slow.apply('example.com', [{ action: 'create', name: 'www.example.com', family: 'A', before: null, after: a(60, '52.4.7.1') }]));
    expect(after500.get('www.example.com')?.status).toBe('unconfirmed');
    expect(fake.calls.ChangeResourceRecordSets).toBe(1);
  });

  it('waits for INSYNC when asked (bounded) and reports the change ID either way', async () => {
    const waiting = provider({ waitForSync: true });
    await waiting.findZone('example.com');
    fake.resetCounters();
    fake.syncAfterPolls = 2;
    const synced = recordOutcomes(await waiting.apply('example.com', [{ action: 'create', name: 'example.com', family: 'A', before: null, after: a(60, '52.4.7.1') }]));
    expect(synced.get('example.com')).toEqual({ status: 'applied', detail: `Route 53 change ${fake.batches[0]?.changeId}: INSYNC` });
    expect(fake.calls.GetChange).toBe(3); // PENDING, PENDING, INSYNC

    const bounded = provider({ waitForSync: true }, { syncPollDelayMs: 5, syncMaxWaitMs: 40 });
    await bounded.findZone('example.com');
    fake.resetCounters();
    fake.syncAfterPolls = 1_000_000;
    const pending = recordOutcomes(await bounded.apply('example.com', [{ action: 'create', name: 'www.example.com', family: 'A', before: null, after: a(60, '52.4.7.1') }]));
    const outcome = pending.get('www.example.com');
    expect(outcome?.status).toBe('applied');
    expect(outcome?.status === 'applied' && outcome.detail).toMatch(new RegExp(`Route 53 change ${fake.batches[0]?.changeId}: still PENDING after`));
    expect(fake.calls.GetChange).toBeGreaterThan(0);
    expect(fake.calls.GetChange).toBeLessThanOrEqual(8);
  });
});

describe('answers that are not Route 53 answers', () => {
  let zoneId: string;
  let p: ProviderSession;
  const create = (name: string): Change => ({ action: 'create', name, family: 'A', before: null, after: a(60, '52.4.7.1') });
  const batchesApplied = () => fake.batches.filter((b) => b.result === 'applied').length;

  beforeEach(async () => {
    zoneId = fake.createZone('example.com');
    fake.setRecordSet(zoneId, plain('example.com', 'A', 300, '52.4.0.1'));
    p = provider();
    await p.findZone('example.com');
    fake.resetCounters();
  });

  it('cannot confirm a write whose 200 answer was cut mid-body (the change is in), and does not replay it', async () => {
    fake.inject({ error: 'cut-200', operation: 'ChangeResourceRecordSets', times: 1 });
    const outcome = recordOutcomes(await p.apply('example.com', [create('www.example.com')])).get('www.example.com');
    expect(outcome).toEqual({
      status: 'unconfirmed',
      kind: 'unconfirmed',
      message: expect.stringMatching(/^Route 53 answered ChangeResourceRecordSets with HTTP 200, but the answer could not be read \(/),
    });
    // One line only: the SDK's "Deserialization error: … $response" advice is dropped.
    expect(outcome?.status === 'unconfirmed' && outcome.message).not.toMatch(/\n|Deserialization/);
    expect(fake.calls.ChangeResourceRecordSets).toBe(1);
    expect(batchesApplied()).toBe(1);
    expect(fake.recordSet(zoneId, 'www.example.com', 'A')?.values).toEqual(['52.4.7.1']);
  });

  it('cannot confirm a write answered by an HTML page with status 200, whether or not the change went in', async () => {
    fake.inject({ error: 'html-200', operation: 'ChangeResourceRecordSets', times: 1 });
    const notIn = recordOutcomes(await p.apply('example.com', [create('www.example.com'), create('api.example.com')]));
    const noChangeId = { status: 'unconfirmed', kind: 'unconfirmed', message: expect.stringMatching(/^the response carried no change id/) };
    expect(Object.fromEntries(notIn)).toEqual({ 'www.example.com': noChangeId, 'api.example.com': noChangeId });
    expect(fake.calls.ChangeResourceRecordSets).toBe(1);
    expect(batchesApplied()).toBe(0);
    expect(fake.recordSet(zoneId, 'www.example.com', 'A')).toBeUndefined();

    fake.resetCounters();
    fake.inject({ error: 'html-200', operation: 'ChangeResourceRecordSets', times: 1, applyFirst: true });
    const wentIn = recordOutcomes(await p.apply('example.com', [create('www.example.com')]));
    expect(wentIn.get('www.example.com')).toEqual(noChangeId);
    expect(fake.calls.ChangeResourceRecordSets).toBe(1);
    expect(batchesApplied()).toBe(1);
    expect(fake.recordSet(zoneId, 'www.example.com', 'A')?.values).toEqual(['52.4.7.1']);
    expect(logLines.filter((line) => line.includes('carried no change id'))).toHaveLength(2);
  });

  it('fails a read answered by an HTML page with status 200 instead of reading "no records"', async () => {
    fake.inject({ error: 'html-200', operation: 'ListResourceRecordSets', times: 1 });
    const error = await expectProviderError(p.read('example.com', ['example.com', 'www.example.com']), 'error', /not a ListResourceRecordSets response/);
    expect(error.message).toBe(`reading hosted zone example.com (${zoneId}): Route 53 answered the listing with something that is not a ListResourceRecordSets response`);
    expect(fake.calls.ListResourceRecordSets).toBe(1);

    // A real listing that is empty (the page starts past the last record set) still means "no records".
    fake.resetCounters();
    expect(await p.read('example.com', ['www.example.com'])).toEqual(new Map([['www.example.com', {}]]));
    expect(fake.calls.ListResourceRecordSets).toBe(1);
    expect(fake.requests.map((r) => r.status)).toEqual([200]);
  });

  it('fails a zone lookup answered by an HTML page with status 200 instead of finding "no zone"', async () => {
    const fresh = provider();
    fake.inject({ error: 'html-200', operation: 'ListHostedZonesByName', times: 1 });
    await expectProviderError(fresh.findZone('www.example.com'), 'error', /^Route 53 answered the zone lookup with something that is not a ListHostedZonesByName response$/);
    expect(fake.calls.ListHostedZonesByName).toBe(1);

    // An account with no zones answers <HostedZones/>: that is "no zone", not a broken answer.
    fake.zones.clear();
    fake.resetCounters();
    await expectProviderError(provider().findZone('www.example.com'), 'error', /^no public hosted zone holds www\.example\.com/);
    expect(fake.calls.ListHostedZonesByName).toBe(1);
  });

  it('fails a suffix seek (an account of more than 100 zones) answered by an HTML page with status 200', async () => {
    for (let i = 0; i < 120; i += 1) fake.createZone(`filler-${String(i).padStart(3, '0')}.example.net`);
    const large = provider();
    expect(await large.findZone('www.example.com')).toBe('example.com');
    fake.resetCounters();
    fake.inject({ error: 'html-200', operation: 'ListHostedZonesByName', times: 1 });
    await expectProviderError(large.findZone('example.org'), 'error', /not a ListHostedZonesByName response/);
    expect(fake.calls.ListHostedZonesByName).toBe(1);
  });

  it('with waitForSync, an HTML page instead of GetChange stops the wait; the change is still applied', async () => {
    const waiting = provider({ waitForSync: true });
    await waiting.findZone('example.com');
    fake.resetCounters();
    fake.syncAfterPolls = 1_000_000;
    fake.inject({ error: 'html-200', operation: 'GetChange', times: 1 });
    const outcome = recordOutcomes(await waiting.apply('example.com', [create('www.example.com')])).get('www.example.com');
    expect(outcome).toEqual({
      status: 'applied',
      detail: `Route 53 change ${fake.batches[0]?.changeId}: applied; could not check INSYNC (the GetChange answer carried no status)`,
    });
    expect(fake.calls.GetChange).toBe(1);
  });
});

describe('throttling storm', () => {
  it('finishes a full read and write of 40 names in two zones while a third of all calls are throttled', async () => {
    const zones = ['storm-a.example', 'storm-b.example'];
    for (const zone of zones) {
      const id = fake.createZone(zone);
      for (let i = 0; i < 20; i += 1) fake.setRecordSet(id, plain(`h${i}.${zone}`, 'A', 300, '52.4.0.1'));
    }
    fake.resetCounters();
    fake.inject({ error: 'Throttling', fraction: 0.33 });
    const p = provider({}, { maxAttempts: 10 });
    for (const zone of zones) {
      const names = Array.from({ length: 20 }, (_, i) => `h${i}.${zone}`);
      const found = await Promise.all(names.map((name) => p.findZone(name)));
      expect(new Set(found)).toEqual(new Set([zone]));
      const sets = await p.read(zone, names);
      const changes = names.map((name): Change => ({ action: 'update', name, family: 'A', before: sets.get(name)!.A!, after: a(300, '52.4.9.9') }));
      const outcomes = recordOutcomes(await p.apply(zone, changes));
      expect([...outcomes.values()].every((o) => o.status === 'applied')).toBe(true);
    }
    const throttled = fake.requests.filter((r) => r.errorCode === 'Throttling').length;
    expect(throttled).toBeGreaterThan(0);
    // Every throttled call was retried, and every operation eventually went through.
    expect(fake.retries()).toBe(throttled);
    expect(fake.batches.filter((b) => b.result === 'applied')).toHaveLength(2);
  });
});

describe('pacing and credentials', () => {
  it('sends every call of every provider instance through the one process-wide pacer', async () => {
    fake.createZone('example.com');
    fake.createZone('example.org');
    const granted = route53Pacer.granted;
    const { pacer: _ignored, ...withSharedPacer } = FAST;
    const first = createProvider(route53Settings.parse({ type: 'route53', endpoint: fake.endpoint }), { id: 'one', logger }, withSharedPacer);
    const second = createProvider(route53Settings.parse({ type: 'route53', endpoint: fake.endpoint }), { id: 'two', logger }, withSharedPacer);
    providers.push(first, second);
    await Promise.all([first.findZone('example.com'), second.findZone('example.org')]);
    expect(fake.requests).toHaveLength(2);
    expect(route53Pacer.granted - granted).toBe(2);
  });

  it('signs with the credentials from the environment chain, and fails as auth without any', async () => {
    fake.createZone('example.com');
    await provider().findZone('example.com');
    expect(fake.requests.map((r) => r.accessKeyId)).toEqual([ACCESS_KEY_ID]);

    fake.resetCounters();
    const saved = { ...process.env };
    try {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      process.env.AWS_CONFIG_FILE = '/nonexistent/apexsync-test/config';
      process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/apexsync-test/credentials';
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      await expectProviderError(provider().findZone('example.com'), 'auth', /no AWS credentials found/);
    } finally {
      process.env = saved;
    }
    expect(fake.requests).toHaveLength(0);
  });
});
