import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/model.js';
import { buildUpdateMessages } from './update-message.js';
import { readName as readWireName } from '../../src/dns/names.js';
import { readHeader } from '../../src/dns/wire.js';

interface Rr {
  readonly name: string;
  readonly type: number;
  readonly klass: number;
  readonly ttl: number;
  readonly rdata: string;
}

function readName(wire: Buffer, offset: number): { name: string; next: number } {
  const read = readWireName(wire, offset);
  if (typeof read === 'string') throw new Error(read);
  return { name: read.name, next: read.end };
}

/** Zone, prerequisite and update sections of an UPDATE message, as plain values. */
function parse(wire: Buffer): { zone: string; prerequisites: Rr[]; updates: Rr[] } {
  const header = readHeader(wire);
  expect(header.opcode).toBe(5);
  expect(header.counts[0]).toBe(1);
  const zone = readName(wire, 12);
  let at = zone.next + 4;
  const records = (count: number): Rr[] =>
    Array.from({ length: count }, () => {
      const owner = readName(wire, at);
      const f = owner.next;
      const length = wire.readUInt16BE(f + 8);
      const rr = {
        name: owner.name,
        type: wire.readUInt16BE(f),
        klass: wire.readUInt16BE(f + 2),
        ttl: wire.readUInt32BE(f + 4),
        rdata: wire.subarray(f + 10, f + 10 + length).toString('hex'),
      };
      at = f + 10 + length;
      return rr;
    });
  const prerequisites = records(header.counts[1]);
  const updates = records(header.counts[2]);
  expect(at).toBe(wire.length);
  return { zone: zone.name, prerequisites, updates };
}

const ids = (): (() => number) => {
  let next = 100;
  return () => next++;
};

describe('UPDATE messages (RFC 2136)', () => {
  it('asserts the state that was read and replaces RRsets, all names of the zone in one message', () => {
    const changes: Change[] = [
      { action: 'update', name: 'example.test', family: 'A', before: { ttl: 300, values: ['192.0.2.1', '192.0.2.2'] }, after: { ttl: 60, values: ['192.0.2.3'] } },
      { action: 'create', name: 'www.example.test', family: 'AAAA', before: null, after: { ttl: 120, values: ['2001:db8::1'] } },
      { action: 'delete', name: 'example.test', family: 'AAAA', before: { ttl: 300, values: ['2001:db8::7'] }, after: null },
    ];
    const messages = buildUpdateMessages('example.test', changes, ids());
    expect(messages).toHaveLength(1);
    expect(messages[0]!.names).toEqual(['example.test', 'www.example.test']);
    const { zone, prerequisites, updates } = parse(messages[0]!.wire);
    expect(zone).toBe('example.test');
    expect(prerequisites).toEqual([
      // value-dependent "RRset exists": class IN, TTL 0, each old value
      { name: 'example.test', type: 1, klass: 1, ttl: 0, rdata: 'c0000201' },
      { name: 'example.test', type: 1, klass: 1, ttl: 0, rdata: 'c0000202' },
      { name: 'example.test', type: 28, klass: 1, ttl: 0, rdata: '20010db8000000000000000000000007' },
      // "RRset does not exist": class NONE, empty RDATA
      { name: 'www.example.test', type: 28, klass: 254, ttl: 0, rdata: '' },
    ]);
    expect(updates).toEqual([
      // "delete RRset": class ANY, empty RDATA; then the new records
      { name: 'example.test', type: 1, klass: 255, ttl: 0, rdata: '' },
      { name: 'example.test', type: 1, klass: 1, ttl: 60, rdata: 'c0000203' },
      { name: 'example.test', type: 28, klass: 255, ttl: 0, rdata: '' },
      { name: 'www.example.test', type: 28, klass: 1, ttl: 120, rdata: '20010db8000000000000000000000001' },
    ]);
  });

  it('splits only between names when a message would exceed the size limit', () => {
    const changes: Change[] = ['a', 'b', 'c', 'd', 'e'].flatMap((label): Change[] => [
      { action: 'create', name: `${label}.example.test`, family: 'A', before: null, after: { ttl: 60, values: ['192.0.2.1', '192.0.2.2'] } },
      { action: 'create', name: `${label}.example.test`, family: 'AAAA', before: null, after: { ttl: 60, values: ['2001:db8::1'] } },
    ]);
    const whole = buildUpdateMessages('example.test', changes, ids());
    expect(whole).toHaveLength(1);
    const limit = Math.ceil(whole[0]!.wire.length / 2);
    const split = buildUpdateMessages('example.test', changes, ids(), limit);
    expect(split.map((m) => m.names)).toEqual([['a.example.test', 'b.example.test'], ['c.example.test', 'd.example.test'], ['e.example.test']]);
    for (const message of split) {
      expect(message.wire.length).toBeLessThanOrEqual(limit);
      const { prerequisites, updates } = parse(message.wire);
      expect(prerequisites).toHaveLength(2 * message.names.length);
      expect(updates).toHaveLength(3 * message.names.length);
    }
    expect(new Set(split.map((m) => m.wire.readUInt16BE(0))).size).toBe(3);
  });
});
