import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderVerify } from '../../src/config/verify.js';
import type { ApplyOutcome, Change, RecordSets } from '../../src/model.js';
import type { RecordPlan } from '../../src/plan/types.js';
import { createResolver } from '../../src/resolve/index.js';
import type { ReadState } from '../../src/sync/round.js';
import { servedStep } from '../../src/sync/served-step.js';
import { startDnsFace, type DnsFace } from '../support/dns-face.js';
import { record } from './run-fakes.js';

/** What the round's verify step expects each record's servers to answer, and what fails the run. */
const faces: DnsFace[] = [];
afterEach(async () => {
  await Promise.all(faces.splice(0).map((face) => face.close()));
});

const OLD = { ttl: 300, values: ['192.0.2.1'] };
const NEW = { ttl: 300, values: ['192.0.2.2'] };
const change: Change = { action: 'update', name: 'example.com', family: 'A', before: OLD, after: NEW };

async function step(served: RecordSets, outcome: ApplyOutcome | undefined, options: { reread?: RecordSets; mode?: ProviderVerify['mode'] } = {}) {
  const face = await startDnsFace({ zone: 'example.com', state: () => new Map([['example.com', served]]) });
  faces.push(face);
  const read: ReadState = { ok: true, zone: 'example.com', current: { A: OLD }, snapshot: { zone: 'example.com', records: new Map(), state: undefined } };
  const plan: RecordPlan = { name: 'example.com', decisions: [], changes: [change], failed: false };
  const result = await servedStep(
    {
      settings: { mem: { mode: options.mode ?? 'require', timeoutMs: 1_000, servers: [face.address], always: [] } },
      discovery: { resolver: createResolver({ servers: [], timeoutMs: 500, attempts: 1 }), resolverServers: [], timeoutMs: 500 },
      wait: true,
    },
    {
      records: [record({ name: 'example.com', target: 'lb.example.net' })],
      reads: [read],
      plans: [plan],
      outcomes: new Map(outcome ? [[0, outcome]] : []),
      reread: new Map(options.reread ? [[0, options.reread]] : []),
    },
    undefined,
    Date.now(),
  );
  return { served: result.served[0], failure: result.failures[0], queries: face.queries.get('example.com A') ?? 0 };
}

describe('the round verify step', () => {
  it('expects the written set once applied, and what was read when the write was refused', async () => {
    expect((await step({ A: NEW }, { status: 'applied' })).served?.status).toBe('served');
    expect((await step({ A: OLD }, { status: 'not-applied', kind: 'auth', message: 'no' })).served?.status).toBe('served');
  });

  it('expects what is there now when someone else made the same change (the reread)', async () => {
    const result = await step({ A: NEW }, { status: 'not-applied', kind: 'conflict', message: 'changed' }, { reread: { A: NEW } });
    expect(result).toMatchObject({ served: { status: 'served' }, failure: undefined });
  });

  it('checks an unconfirmed write once, without waiting: a server on the old set is diverged at once', async () => {
    const result = await step({ A: OLD }, { status: 'unconfirmed', kind: 'timeout', message: 'timeout' });
    expect(result.served?.status).toBe('diverged');
    expect(result.queries).toBe(1);
  });

  it('fails a diverged record with mode require (stage verify), only reports it with mode report', async () => {
    const required = await step({ A: OLD }, { status: 'applied' });
    expect(required.served?.status).toBe('diverged');
    expect(required.failure).toMatchObject({
      stage: 'verify',
      kind: 'unconfirmed',
      maybeApplied: false,
      message: expect.stringMatching(/^diverged: served by 0\/1 .* answers A 192\.0\.2\.1/),
    });
    const reported = await step({ A: OLD }, { status: 'applied' }, { mode: 'report' });
    expect(reported).toMatchObject({ served: { status: 'diverged' }, failure: undefined });
  });
});
