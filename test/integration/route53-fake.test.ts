import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Route53Fake } from '../support/route53-fake.js';

/**
 * The fake's own semantics, through the plain AWS SDK: if the fake took moto's shortcuts, the
 * adapter tests would prove little. Each case is a documented Route 53 behaviour.
 */

let fake: Route53Fake;
let client: Route53Client;

beforeAll(async () => {
  fake = await Route53Fake.start();
  client = new Route53Client({
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDFAKETEST', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await fake.close();
});
beforeEach(() => {
  fake.zones.clear();
  fake.clearFaults();
  fake.resetCounters();
});

const aSet = (name: string, ttl: number, ...values: string[]) => ({ Name: name, Type: 'A' as const, TTL: ttl, ResourceRecords: values.map((Value) => ({ Value })) });
const change = (zoneId: string, changes: Change[]) => client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => ({ name: error.name, message: error.message, status: error.$metadata?.httpStatusCode }),
  );

describe('Route 53 fake', () => {
  it('ListHostedZonesByName is a cursor in reversed-label order, not a filter', async () => {
    fake.createZone('example.com', { id: 'ZCOM' });
    fake.createZone('example.org', { id: 'ZORG' });
    fake.createZone('www.example.com', { id: 'ZWWW' });
    const page = await client.send(new ListHostedZonesByNameCommand({ DNSName: 'shop.example.com', MaxItems: 1 }));
    expect(page.HostedZones?.map((z) => z.Name)).toEqual(['www.example.com.']);
    expect(page.IsTruncated).toBe(true);
    expect(page.NextDNSName).toBe('example.org.');
    expect(page.NextHostedZoneId).toBe('ZORG');
    expect(page.HostedZones?.[0]?.Id).toBe('/hostedzone/ZWWW');
    expect(page.HostedZones?.[0]?.ResourceRecordSetCount).toBe(2); // SOA and NS
  });

  it('lists record sets by reversed-label name then type, from a start point, 300 per page at most', async () => {
    const id = fake.createZone('example.com');
    const batch = ['b.example.com', 'a-b.example.com', 'a.example.com', 'example.com'].map((name): Change => ({ Action: 'CREATE', ResourceRecordSet: aSet(name, 60, '52.4.0.1') }));
    await change(id, batch);
    const all = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: id }));
    expect(all.ResourceRecordSets?.map((s) => `${s.Name} ${s.Type}`)).toEqual([
      'example.com. A',
      'example.com. NS',
      'example.com. SOA',
      'a-b.example.com. A',
      'a.example.com. A',
      'b.example.com. A',
    ]);
    const fromA = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: id, StartRecordName: 'a.example.com', MaxItems: 1 }));
    expect(fromA.ResourceRecordSets?.map((s) => s.Name)).toEqual(['a.example.com.']);
    expect([fromA.IsTruncated, fromA.NextRecordName, fromA.NextRecordType]).toEqual([true, 'b.example.com.', 'A']);
    const capped = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: id, MaxItems: 5000 }));
    expect(capped.MaxItems).toBe(300);
    const typeOnly = await refusal(client.send(new ListResourceRecordSetsCommand({ HostedZoneId: id, StartRecordType: 'A' })));
    expect(typeOnly).toMatchObject({ name: 'InvalidInput', status: 400 });
  });

  it('applies a batch all or nothing, with exact-match DELETE and CREATE conflicts', async () => {
    const id = fake.createZone('example.com');
    await change(id, [{ Action: 'CREATE', ResourceRecordSet: aSet('example.com', 300, '52.4.7.1') }]);
    const mismatch = await refusal(
      change(id, [
        { Action: 'CREATE', ResourceRecordSet: aSet('www.example.com', 300, '52.4.7.1') },
        { Action: 'DELETE', ResourceRecordSet: aSet('example.com', 60, '52.4.7.1') }, // wrong TTL
      ]),
    );
    expect(mismatch).toMatchObject({ name: 'InvalidChangeBatch', status: 400 });
    expect(mismatch.message).toContain("Tried to delete resource record set [name='example.com.', type='A'] but the values provided do not match the current values");
    expect(fake.recordSet(id, 'www.example.com', 'A')).toBeUndefined(); // the CREATE before it was not applied

    const exists = await refusal(change(id, [{ Action: 'CREATE', ResourceRecordSet: aSet('example.com', 300, '52.4.7.2') }]));
    expect(exists.message).toContain('but it already exists');
    const twice = await refusal(
      change(id, [
        { Action: 'DELETE', ResourceRecordSet: aSet('example.com', 300, '52.4.7.1') },
        { Action: 'DELETE', ResourceRecordSet: aSet('example.com', 300, '52.4.7.1') },
      ]),
    );
    expect(twice.message).toContain('invalid set of changes');
    expect(fake.recordSet(id, 'example.com', 'A')?.values).toEqual(['52.4.7.1']);

    // DELETE(old) + CREATE(new) of the same set in one batch is a valid replace.
    await change(id, [
      { Action: 'DELETE', ResourceRecordSet: aSet('example.com', 300, '52.4.7.1') },
      { Action: 'CREATE', ResourceRecordSet: aSet('example.com', 60, '52.4.7.2') },
    ]);
    expect(fake.recordSet(id, 'example.com', 'A')).toMatchObject({ ttl: 60, values: ['52.4.7.2'] });
  });

  it('counts UPSERT twice against the 1 000-record limit', async () => {
    const id = fake.createZone('example.com');
    const values = Array.from({ length: 250 }, (_, i) => `52.4.${i >> 8}.${i & 255}`);
    const twoSets = ['a.example.com', 'b.example.com'].map((name): Change => ({ Action: 'UPSERT', ResourceRecordSet: aSet(name, 60, ...values) }));
    await change(id, twoSets); // 2 × 250 × 2 = 1000: at the limit
    const over = await refusal(change(id, [...twoSets, { Action: 'UPSERT', ResourceRecordSet: aSet('c.example.com', 60, '52.5.0.1') }]));
    expect(over).toMatchObject({ name: 'InvalidChangeBatch' });
    expect(over.message).toMatch(/limit of 1000/);
    expect(fake.recordSet(id, 'c.example.com', 'A')).toBeUndefined();
  });

  it('moves GetChange from PENDING to INSYNC after the configured polls, and throttles on demand', async () => {
    const id = fake.createZone('example.com');
    fake.syncAfterPolls = 1;
    const submitted = await change(id, [{ Action: 'CREATE', ResourceRecordSet: aSet('example.com', 60, '52.4.7.1') }]);
    expect(submitted.ChangeInfo?.Status).toBe('PENDING');
    const changeId = submitted.ChangeInfo?.Id ?? '';
    expect((await client.send(new GetChangeCommand({ Id: changeId }))).ChangeInfo?.Status).toBe('PENDING');
    expect((await client.send(new GetChangeCommand({ Id: changeId }))).ChangeInfo?.Status).toBe('INSYNC');

    fake.inject({ error: 'Throttling', operation: 'GetChange', times: 1 });
    const throttled = await refusal(client.send(new GetChangeCommand({ Id: changeId })));
    expect(throttled).toMatchObject({ name: 'Throttling', status: 400, message: 'Rate exceeded' });
    expect(fake.calls.GetChange).toBe(3);
  });
});
