import { describe, expect, it } from 'vitest';
import { planRecord, chooseAddresses } from '../../src/plan/index.js';
import type { PlanInput } from '../../src/plan/index.js';
import type { Family, RecordSets } from '../../src/model.js';
import type { FamilyResolution } from '../../src/resolve/types.js';

const addresses = (family: Family, values: string[], ttl = 300): FamilyResolution => ({ kind: 'addresses', family, addresses: values, ttl, chain: [] });
const empty = (family: Family, reason: 'NXDOMAIN' | 'NODATA' = 'NODATA'): FamilyResolution => ({ kind: 'empty', family, reason, chain: [] });
const failure = (family: Family, reason = 'SERVFAIL from 127.0.0.1:53'): FamilyResolution => ({ kind: 'failure', family, reason, cause: 'servfail', chain: [] });

const record = (over: Partial<PlanInput['record']> = {}): PlanInput['record'] => ({
  name: 'example.com',
  families: ['A', 'AAAA'],
  ttl: { kind: 'range', min: 60, max: 3600 },
  maxAddresses: 8,
  allowSpecialAddresses: false,
  allowEmpty: false,
  ...over,
});

interface Row {
  readonly rule: string;
  readonly record?: Partial<PlanInput['record']>;
  readonly resolved: Partial<Record<Family, FamilyResolution>>;
  readonly current: RecordSets;
  /** Expected per family: 'unchanged' | 'failed' | '<action> <ttl> <values,comma>' | 'delete'. */
  readonly expect: Partial<Record<Family, string>>;
  readonly failed: boolean;
}

const rows: Row[] = [
  // Rule 2 + 4: a new name gets the resolved set with the observed TTL clamped.
  {
    rule: 'create both families, TTL in range',
    resolved: { A: addresses('A', ['8.8.4.4', '1.1.1.1'], 300), AAAA: addresses('AAAA', ['2606:4700::1'], 300) },
    current: {},
    expect: { A: 'create 300 1.1.1.1,8.8.4.4', AAAA: 'create 300 2606:4700::1' },
    failed: false,
  },
  {
    rule: 'observed TTL below min is raised to min',
    resolved: { A: addresses('A', ['1.1.1.1'], 5), AAAA: addresses('AAAA', ['2606:4700::1'], 5) },
    current: {},
    expect: { A: 'create 60 1.1.1.1', AAAA: 'create 60 2606:4700::1' },
    failed: false,
  },
  {
    rule: 'observed TTL above max is lowered to max',
    resolved: { A: addresses('A', ['1.1.1.1'], 86400) },
    record: { families: ['A'] },
    current: {},
    expect: { A: 'create 3600 1.1.1.1' },
    failed: false,
  },
  {
    rule: 'fixed TTL wins over the observed one',
    record: { ttl: { kind: 'fixed', ttl: 120 }, families: ['A'] },
    resolved: { A: addresses('A', ['1.1.1.1'], 30) },
    current: {},
    expect: { A: 'create 120 1.1.1.1' },
    failed: false,
  },
  {
    rule: 'zero observed TTL is clamped to min',
    record: { families: ['A'] },
    resolved: { A: addresses('A', ['1.1.1.1'], 0) },
    current: {},
    expect: { A: 'create 60 1.1.1.1' },
    failed: false,
  },
  // Rule 5: in sync → nothing.
  {
    rule: 'identical sets (any order) and in-range TTL → no change',
    resolved: { A: addresses('A', ['1.1.1.1', '8.8.4.4'], 300), AAAA: addresses('AAAA', ['2606:4700::1'], 300) },
    current: { A: { ttl: 300, values: ['8.8.4.4', '1.1.1.1'] }, AAAA: { ttl: 300, values: ['2606:4700::1'] } },
    expect: { A: 'unchanged', AAAA: 'unchanged' },
    failed: false,
  },
  // Rule 4: decaying TTLs do not churn.
  {
    rule: 'decayed observed TTL, same set, current TTL in range → no change',
    resolved: { A: addresses('A', ['1.1.1.1'], 17) },
    record: { families: ['A'] },
    current: { A: { ttl: 300, values: ['1.1.1.1'] } },
    expect: { A: 'unchanged' },
    failed: false,
  },
  {
    rule: 'current TTL below min, same set → TTL rewritten',
    resolved: { A: addresses('A', ['1.1.1.1'], 300) },
    record: { families: ['A'] },
    current: { A: { ttl: 30, values: ['1.1.1.1'] } },
    expect: { A: 'update 300 1.1.1.1' },
    failed: false,
  },
  {
    rule: 'current TTL above max, same set → TTL rewritten (clamped)',
    resolved: { A: addresses('A', ['1.1.1.1'], 7200) },
    record: { families: ['A'] },
    current: { A: { ttl: 86400, values: ['1.1.1.1'] } },
    expect: { A: 'update 3600 1.1.1.1' },
    failed: false,
  },
  {
    rule: 'fixed TTL differs, same set → TTL rewritten',
    record: { ttl: { kind: 'fixed', ttl: 120 }, families: ['A'] },
    resolved: { A: addresses('A', ['1.1.1.1'], 300) },
    current: { A: { ttl: 300, values: ['1.1.1.1'] } },
    expect: { A: 'update 120 1.1.1.1' },
    failed: false,
  },
  {
    rule: 'fixed TTL equal, same set → no change',
    record: { ttl: { kind: 'fixed', ttl: 120 }, families: ['A'] },
    resolved: { A: addresses('A', ['1.1.1.1'], 3) },
    current: { A: { ttl: 120, values: ['1.1.1.1'] } },
    expect: { A: 'unchanged' },
    failed: false,
  },
  {
    rule: 'set changed → new TTL from the observed one',
    resolved: { A: addresses('A', ['1.1.1.2'], 45) },
    record: { families: ['A'] },
    current: { A: { ttl: 300, values: ['1.1.1.1'] } },
    expect: { A: 'update 60 1.1.1.2' },
    failed: false,
  },
  // Family independence and rule 1.
  {
    rule: 'A changes while AAAA is unchanged',
    resolved: { A: addresses('A', ['1.1.1.2']), AAAA: addresses('AAAA', ['2606:4700::1']) },
    current: { A: { ttl: 300, values: ['1.1.1.1'] }, AAAA: { ttl: 300, values: ['2606:4700::1'] } },
    expect: { A: 'update 300 1.1.1.2', AAAA: 'unchanged' },
    failed: false,
  },
  {
    rule: 'failure of one family leaves it alone; the other still changes',
    resolved: { A: addresses('A', ['1.1.1.2']), AAAA: failure('AAAA') },
    current: { A: { ttl: 300, values: ['1.1.1.1'] }, AAAA: { ttl: 300, values: ['2606:4700::1'] } },
    expect: { A: 'update 300 1.1.1.2', AAAA: 'failed' },
    failed: true,
  },
  {
    rule: 'failure of both → nothing written, record failed',
    resolved: { A: failure('A'), AAAA: failure('AAAA') },
    current: { A: { ttl: 300, values: ['1.1.1.1'] } },
    expect: { A: 'failed', AAAA: 'failed' },
    failed: true,
  },
  // Rule 2: special-purpose addresses.
  {
    rule: 'special IPv4 address refused (failure, not a silent drop)',
    resolved: { A: addresses('A', ['1.1.1.1', '10.0.0.1']), AAAA: addresses('AAAA', ['2606:4700::1']) },
    current: { A: { ttl: 300, values: ['1.1.1.1'] } },
    expect: { A: 'failed', AAAA: 'create 300 2606:4700::1' },
    failed: true,
  },
  {
    rule: 'special IPv6 (documentation) refused',
    record: { families: ['AAAA'] },
    resolved: { AAAA: addresses('AAAA', ['2001:db8::1']) },
    current: {},
    expect: { AAAA: 'failed' },
    failed: true,
  },
  {
    rule: 'IPv4-mapped AAAA refused',
    record: { families: ['AAAA'] },
    resolved: { AAAA: addresses('AAAA', ['::ffff:1.2.3.4']) },
    current: {},
    expect: { AAAA: 'failed' },
    failed: true,
  },
  {
    rule: 'special addresses published when allowed',
    record: { allowSpecialAddresses: true, families: ['A'] },
    resolved: { A: addresses('A', ['10.0.0.1', '192.168.1.1']) },
    current: {},
    expect: { A: 'create 300 10.0.0.1,192.168.1.1' },
    failed: false,
  },
  // Rule 3: empty.
  {
    rule: 'AAAA empty beside published A → AAAA deleted',
    resolved: { A: addresses('A', ['1.1.1.1']), AAAA: empty('AAAA') },
    current: { A: { ttl: 300, values: ['1.1.1.1'] }, AAAA: { ttl: 300, values: ['2606:4700::1'] } },
    expect: { A: 'unchanged', AAAA: 'delete' },
    failed: false,
  },
  {
    rule: 'AAAA empty beside published A, nothing published → nothing to do',
    resolved: { A: addresses('A', ['1.1.1.1']), AAAA: empty('AAAA') },
    current: { A: { ttl: 300, values: ['1.1.1.1'] } },
    expect: { A: 'unchanged', AAAA: 'unchanged' },
    failed: false,
  },
  {
    rule: 'both empty (NXDOMAIN) → failure, nothing deleted',
    resolved: { A: empty('A', 'NXDOMAIN'), AAAA: empty('AAAA', 'NXDOMAIN') },
    current: { A: { ttl: 300, values: ['1.1.1.1'] } },
    expect: { A: 'failed', AAAA: 'failed' },
    failed: true,
  },
  {
    rule: 'only configured family empty → failure',
    record: { families: ['A'] },
    resolved: { A: empty('A') },
    current: { A: { ttl: 300, values: ['1.1.1.1'] } },
    expect: { A: 'failed' },
    failed: true,
  },
  {
    rule: 'empty beside a failed family → failure, nothing deleted',
    resolved: { A: failure('A'), AAAA: empty('AAAA') },
    current: { A: { ttl: 300, values: ['1.1.1.1'] }, AAAA: { ttl: 300, values: ['2606:4700::1'] } },
    expect: { A: 'failed', AAAA: 'failed' },
    failed: true,
  },
  {
    rule: 'empty beside a refused family → failure, nothing deleted',
    resolved: { A: addresses('A', ['127.0.0.1']), AAAA: empty('AAAA') },
    current: { AAAA: { ttl: 300, values: ['2606:4700::1'] } },
    expect: { A: 'failed', AAAA: 'failed' },
    failed: true,
  },
  {
    rule: 'both empty with allowEmpty → both deleted',
    record: { allowEmpty: true },
    resolved: { A: empty('A'), AAAA: empty('AAAA') },
    current: { A: { ttl: 300, values: ['1.1.1.1'] }, AAAA: { ttl: 300, values: ['2606:4700::1'] } },
    expect: { A: 'delete', AAAA: 'delete' },
    failed: false,
  },
  // Rule 6: conflicts.
  {
    rule: 'CNAME at the name → conflict, nothing written',
    resolved: { A: addresses('A', ['1.1.1.1']) },
    record: { families: ['A'] },
    current: { conflict: 'CNAME at the name (other.example.net)' },
    expect: { A: 'failed' },
    failed: true,
  },
  // maxAddresses.
  {
    rule: 'maxAddresses caps the set',
    record: { maxAddresses: 2, families: ['A'] },
    resolved: { A: addresses('A', ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4']) },
    current: {},
    expect: { A: 'create 300 1.1.1.1,1.1.1.2' },
    failed: false,
  },
  {
    rule: 'maxAddresses keeps already-published addresses (no rotation)',
    record: { maxAddresses: 2, families: ['A'] },
    resolved: { A: addresses('A', ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4']) },
    current: { A: { ttl: 300, values: ['1.1.1.3', '1.1.1.4'] } },
    expect: { A: 'unchanged' },
    failed: false,
  },
];

function describeDecision(plan: ReturnType<typeof planRecord>, family: Family): string {
  const d = plan.decisions.find((x) => x.family === family);
  if (!d) return 'missing';
  if (d.kind !== 'change') return d.kind;
  const c = d.change;
  return c.action === 'delete' ? 'delete' : `${c.action} ${c.after.ttl} ${c.after.values.join(',')}`;
}

describe('planRecord (docs/design/planning.md)', () => {
  it.each(rows.map((row) => [row.rule, row] as const))('%s', (_rule, row) => {
    const plan = planRecord({ record: record(row.record), resolved: row.resolved, current: row.current });
    const got = Object.fromEntries(Object.keys(row.expect).map((f) => [f, describeDecision(plan, f as Family)]));
    expect(got).toEqual(row.expect);
    expect(plan.failed).toBe(row.failed);
    // Only changes of decided families are sent, and `before` is always what was read.
    expect(plan.changes.length).toBe(Object.values(row.expect).filter((e) => /^(create|update|delete)/.test(e)).length);
    for (const c of plan.changes) expect(c.before ?? undefined).toEqual(row.current[c.family]);
  });

  it('is pure: the same input gives the same plan', () => {
    const input: PlanInput = {
      record: record(),
      resolved: { A: addresses('A', ['9.9.9.9', '1.1.1.1']), AAAA: empty('AAAA') },
      current: { AAAA: { ttl: 60, values: ['2606:4700::1'] } },
    };
    expect(planRecord(input)).toEqual(planRecord(input));
  });

  it('refusal names the refused addresses and the setting that allows them', () => {
    const plan = planRecord({ record: record({ families: ['A'] }), resolved: { A: addresses('A', ['1.1.1.1', '10.1.2.3', '192.168.0.1']) }, current: {} });
    const d = plan.decisions[0]!;
    expect(d.kind).toBe('failed');
    expect(d.kind === 'failed' && d.reason).toBe(
      'refused special-purpose addresses 10.1.2.3 (Private-Use, RFC 1918), 192.168.0.1 (Private-Use, RFC 1918); set allowSpecialAddresses: true to publish them',
    );
  });
});

describe('empty-family reasons', () => {
  const reasonOf = (resolved: PlanInput['resolved'], family: Family): string | false => {
    const d = planRecord({ record: record(), resolved, current: {} }).decisions.find((x) => x.family === family)!;
    return d.kind === 'failed' && d.reason;
  };
  it('says what the other family did', () => {
    expect(reasonOf({ A: empty('A', 'NXDOMAIN'), AAAA: empty('AAAA', 'NXDOMAIN') }, 'AAAA')).toBe(
      'target has no AAAA address (NXDOMAIN) and no A address either; records left as they are (set allowEmpty: true to allow removing them)',
    );
    expect(reasonOf({ A: failure('A'), AAAA: empty('AAAA') }, 'AAAA')).toContain('(NODATA) and A failed;');
    expect(reasonOf({ A: addresses('A', ['192.168.1.1']), AAAA: empty('AAAA') }, 'AAAA')).toContain('(NODATA) and A was refused;');
  });
});

describe('chooseAddresses', () => {
  it('is deterministic and prefers published addresses', () => {
    expect(chooseAddresses(['5.5.5.5', '1.1.1.1', '3.3.3.3'], ['5.5.5.5'], 2)).toEqual(['1.1.1.1', '5.5.5.5']);
    expect(chooseAddresses(['5.5.5.5', '1.1.1.1', '3.3.3.3'], [], 2)).toEqual(['1.1.1.1', '3.3.3.3']);
    expect(chooseAddresses(['10.0.0.2', '9.0.0.1'], [], 8)).toEqual(['9.0.0.1', '10.0.0.2']);
  });
});
