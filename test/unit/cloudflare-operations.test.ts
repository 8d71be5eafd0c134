import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/model.js';
import { chunkOperations, managedComment, planOperations, type Operation } from '../../providers/cloudflare/operations.js';
import { groupByName, toRecordSets, type ExistingAtName, type ExistingRecord, type ListedRecord } from '../../providers/cloudflare/records.js';

const rec = (id: string, family: 'A' | 'AAAA', content: string, extra: Partial<ExistingRecord> = {}): ExistingRecord => ({
  id,
  family,
  content,
  ttl: 300,
  proxied: false,
  comment: null,
  tags: [],
  ...extra,
});

const at = (A: readonly ExistingRecord[], AAAA: readonly ExistingRecord[] = []): ExistingAtName => ({ A, AAAA, HTTPS: [] });

function plan(changes: Change[], existing: Record<string, ExistingAtName>): Map<string, Operation[]> {
  return planOperations(changes, (name) => existing[name]);
}

describe('planOperations', () => {
  it('recycles the existing id with PATCH when two addresses become one different one', () => {
    const existing = { 'example.com': at([rec('a1', 'A', '198.51.100.1'), rec('a2', 'A', '198.51.100.2')]) };
    const ops = plan(
      [{ action: 'update', name: 'example.com', family: 'A', before: { ttl: 300, values: ['198.51.100.1', '198.51.100.2'] }, after: { ttl: 300, values: ['198.51.100.9'] } }],
      existing,
    );
    expect(ops.get('example.com')).toEqual([
      { kind: 'patch', name: 'example.com', family: 'A', id: 'a1', content: '198.51.100.9', ttl: 300 },
      { kind: 'delete', name: 'example.com', family: 'A', id: 'a2' },
    ]);
  });

  it('keeps records whose address stays, patches the rest and creates only what is left, in send order', () => {
    const existing = { 'example.com': at([rec('a1', 'A', '198.51.100.1'), rec('a2', 'A', '198.51.100.2')]) };
    const ops = plan(
      [
        {
          action: 'update',
          name: 'example.com',
          family: 'A',
          before: { ttl: 300, values: ['198.51.100.1', '198.51.100.2'] },
          after: { ttl: 300, values: ['198.51.100.2', '198.51.100.3', '198.51.100.4'] },
        },
      ],
      existing,
    );
    expect(ops.get('example.com')!.map((o) => [o.kind, 'id' in o ? o.id : null, 'content' in o ? o.content : null])).toEqual([
      ['patch', 'a1', '198.51.100.3'],
      ['post', null, '198.51.100.4'],
    ]);
  });

  it('patches the TTL alone of records that keep their address, but never a proxied record (automatic TTL)', () => {
    const existing = { 'example.com': at([rec('a1', 'A', '198.51.100.1'), rec('a2', 'A', '198.51.100.2', { proxied: true, ttl: 1 })]) };
    const ops = plan(
      [
        {
          action: 'update',
          name: 'example.com',
          family: 'A',
          before: { ttl: 300, values: ['198.51.100.1', '198.51.100.2'] },
          after: { ttl: 60, values: ['198.51.100.1', '198.51.100.2'] },
        },
      ],
      existing,
    );
    expect(ops.get('example.com')).toEqual([{ kind: 'patch', name: 'example.com', family: 'A', id: 'a1', content: '198.51.100.1', ttl: 60 }]);
  });

  it('recycles a proxied record with the automatic TTL, and new records inherit proxied and tags from their siblings', () => {
    const existing = { 'example.com': at([rec('a1', 'A', '198.51.100.1', { proxied: true, ttl: 1, tags: ['team:web'], comment: 'by hand' })]) };
    const ops = plan(
      [{ action: 'update', name: 'example.com', family: 'A', before: { ttl: 300, values: ['198.51.100.1'] }, after: { ttl: 120, values: ['198.51.100.7', '198.51.100.8'] } }],
      existing,
    );
    expect(ops.get('example.com')).toEqual([
      { kind: 'patch', name: 'example.com', family: 'A', id: 'a1', content: '198.51.100.7', ttl: 1 },
      { kind: 'post', name: 'example.com', family: 'A', content: '198.51.100.8', ttl: 1, proxied: true, tags: ['team:web'], comment: 'managed by apexsync: example.com' },
    ]);
  });

  it('creates a missing family like the other family at the name (proxied), and deletes a family that goes', () => {
    const existing = { 'example.com': at([rec('a1', 'A', '198.51.100.1', { proxied: true, ttl: 1 })], [rec('q1', 'AAAA', '2001:db8::1')]) };
    const created = plan([{ action: 'create', name: 'example.com', family: 'AAAA', before: null, after: { ttl: 300, values: ['2001:db8::2'] } }], {
      'example.com': at(existing['example.com'].A),
    });
    expect(created.get('example.com')).toEqual([
      { kind: 'post', name: 'example.com', family: 'AAAA', content: '2001:db8::2', ttl: 1, proxied: true, tags: [], comment: 'managed by apexsync: example.com' },
    ]);
    const deleted = plan([{ action: 'delete', name: 'example.com', family: 'AAAA', before: { ttl: 300, values: ['2001:db8::1'] }, after: null }], existing);
    expect(deleted.get('example.com')).toEqual([{ kind: 'delete', name: 'example.com', family: 'AAAA', id: 'q1' }]);
  });

  it("orders a name's operations patch → post → delete across both families", () => {
    const existing = { 'example.com': at([rec('a1', 'A', '198.51.100.1')], [rec('q1', 'AAAA', '2001:db8::1'), rec('q2', 'AAAA', '2001:db8::2')]) };
    const ops = plan(
      [
        { action: 'update', name: 'example.com', family: 'AAAA', before: { ttl: 300, values: ['2001:db8::1', '2001:db8::2'] }, after: { ttl: 300, values: ['2001:db8::9'] } },
        { action: 'update', name: 'example.com', family: 'A', before: { ttl: 300, values: ['198.51.100.1'] }, after: { ttl: 300, values: ['198.51.100.1', '198.51.100.2'] } },
      ],
      existing,
    );
    expect(ops.get('example.com')!.map((o) => o.kind)).toEqual(['patch', 'post', 'delete']);
  });

  it('truncates the managed-by comment to the Free plan limit', () => {
    expect(managedComment(`${'a'.repeat(120)}.example.com`)).toHaveLength(100);
  });
});

describe('chunkOperations', () => {
  const op = (name: string, kind: 'patch' | 'post' | 'delete'): Operation =>
    kind === 'post'
      ? { kind, name, family: 'A', content: '198.51.100.1', ttl: 60, proxied: false, tags: [], comment: '' }
      : kind === 'patch'
        ? { kind, name, family: 'A', id: 'x', content: '198.51.100.1', ttl: 60 }
        : { kind, name, family: 'A', id: 'x' };

  it('packs whole names into chunks of at most `size` operations', () => {
    const byName = new Map([
      ['a', [op('a', 'patch'), op('a', 'delete')]],
      ['b', [op('b', 'post')]],
      ['c', [op('c', 'patch'), op('c', 'post')]],
      ['d', []],
    ]);
    const chunks = chunkOperations(byName, 3);
    expect(chunks.map((c) => [c.entries.map((e) => e.name), c.size])).toEqual([
      [['a', 'b'], 3],
      [['c'], 2],
    ]);
  });

  it('splits a name only when it alone exceeds the size, its deletes last', () => {
    const byName = new Map([['a', [op('a', 'patch'), op('a', 'post'), op('a', 'post'), op('a', 'delete')]]]);
    const chunks = chunkOperations(byName, 3);
    expect(chunks.map((c) => c.entries.flatMap((e) => e.ops.map((o) => o.kind)))).toEqual([['patch', 'post', 'post'], ['delete']]);
  });
});

describe('reading records', () => {
  const listed = (name: string, type: string, content: string, extra: Partial<ListedRecord> = {}): ListedRecord => ({
    id: `${type}-${content}`,
    name,
    type,
    content,
    ttl: 300,
    ...extra,
  });

  it('keeps A/AAAA at the wanted names, normalised, and reports the lowest TTL, automatic (1) as stored', () => {
    const grouped = groupByName(
      [
        listed('Example.com', 'A', '198.51.100.2', { ttl: 1 }),
        listed('example.com', 'A', '198.51.100.1', { ttl: 600 }),
        listed('example.com', 'AAAA', '2001:0db8:0:0::1'),
        listed('example.com', 'TXT', 'hello'),
        listed('other.example.com', 'A', '198.51.100.3'),
      ],
      ['example.com', 'www.example.com'],
      'example.com',
      () => undefined,
    );
    expect(toRecordSets(grouped.get('example.com')!)).toEqual({ A: { ttl: 1, values: ['198.51.100.1', '198.51.100.2'] }, AAAA: { ttl: 300, values: ['2001:db8::1'] } });
    expect(toRecordSets(grouped.get('www.example.com')!)).toEqual({});
    expect([...grouped.keys()]).toEqual(['example.com', 'www.example.com']);
  });

  it('reports a CNAME, or a delegation below the apex, as a conflict', () => {
    const invalid: ListedRecord[] = [];
    const grouped = groupByName(
      [
        listed('www.example.com', 'CNAME', 'lb.example.net'),
        listed('sub.example.com', 'NS', 'ns1.elsewhere.net'),
        listed('example.com', 'NS', 'ns1.example.com'),
        listed('example.com', 'A', 'not-an-address'),
      ],
      ['www.example.com', 'sub.example.com', 'example.com'],
      'example.com',
      (r) => invalid.push(r),
    );
    expect(grouped.get('www.example.com')!.conflict).toBe('a CNAME record (to lb.example.net)');
    expect(grouped.get('sub.example.com')!.conflict).toMatch(/delegated to ns1\.elsewhere\.net/);
    expect(grouped.get('example.com')!.conflict).toBeUndefined();
    expect(invalid.map((r) => r.content)).toEqual(['not-an-address']);
  });
});

describe('managedComment', () => {
  it('names apexsync, the name and, when the core passes it, the target', () => {
    expect(managedComment('example.com', 'lb.target.test')).toBe('managed by apexsync: example.com ← lb.target.test');
    expect(managedComment('example.com')).toBe('managed by apexsync: example.com');
  });
});
