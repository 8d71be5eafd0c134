import { expect } from 'vitest';
import type { RoundResult } from './in-process-round.js';
import { ledger } from './ledger.js';
import { canonical, expectExactly, expectOldOrNew, type Published } from './published.js';

/**
 * The provider fault matrix, provider-neutral: a "world" is one provider's
 * backend with a fault injector in front of it and two managed names in one zone; a case injects
 * one fault, runs one `sync` round, and checks what the reliability suite asks of every case:
 * - the exit code `sync` gives (1, or 0 where a retry absorbed a transient fault);
 * - what the output says: "✓ applied", "not applied (kind)", "could not confirm", or the read
 *   failure, whichever is true;
 * - what is published at every name: exactly the old state or exactly the new one (never empty,
 *   never one name old and the other new: the changes of a zone go in one atomic write), or, for
 *   a concurrent edit, exactly the other writer's state;
 * then clears the fault and checks that the next `sync` converges (exit 0, new state everywhere).
 */

export type Outcome = 'applied' | 'not-applied' | 'unconfirmed' | 'read-failed';

export interface FaultExpectation {
  readonly code: 0 | 1;
  readonly outcome: Outcome;
  /** After the faulty round: the old or the new state at every name, or a state per name. */
  readonly state: 'old' | 'new' | ((name: string) => Published);
  /** The output must also say this (e.g. the failure kind). */
  readonly message?: RegExp;
  /** "✓ applied" lines expected (default: every name for `applied`, none otherwise). */
  readonly appliedNames?: number;
}

export interface FaultWorld {
  readonly area: string;
  readonly names: readonly string[];
  readonly oldState: Published;
  readonly newState: Published;
  /** Publishes the old state at every name, points the target at the new one, clears faults and counters. */
  prepare(): Promise<void>;
  clearFaults(): Promise<void>;
  /** What the backend publishes at each managed name (read by the test, not the adapter). */
  read(): Promise<Map<string, Published>>;
  /** One round; `extraArgs` go to the CLI (e.g. --log-level trace), the in-process round ignores them. */
  sync(label: string, via: Via, extraArgs?: readonly string[]): Promise<RoundResult>;
}

export type Via = 'cli' | 'in-process';

export interface FaultCase<W extends FaultWorld> {
  readonly id: string;
  readonly what: string;
  /** How the faulty round runs: through the built CLI, or the same round in process. */
  readonly via: Via;
  inject(world: W): void | Promise<void>;
  readonly expect: FaultExpectation;
  /** Extra checks after the faulty round (e.g. requests counted at the fake). */
  readonly check?: (world: W, result: RoundResult) => void | Promise<void>;
  /** Undoes what the fault left behind besides the injector (e.g. a file it broke). */
  readonly recover?: (world: W) => void | Promise<void>;
}

const OUTCOME_TEXT: Record<Outcome, RegExp> = {
  applied: /✓ applied/,
  'not-applied': /! apply: not applied \(/,
  unconfirmed: /! apply: could not confirm: /,
  'read-failed': /! (read|zone|provider): /,
};

export async function runFaultCase<W extends FaultWorld>(world: W, c: FaultCase<W>): Promise<void> {
  const label = `${world.area} ${c.id} (${c.via})`;
  await ledger.fault(
    world.area,
    async () => {
      await world.prepare();
      await c.inject(world);
      const result = await world.sync(label, c.via);
      const context = `${label}\n${result.stdout}`;

      // First what is published (the invariant that counts lost records), then what was said.
      const now = await world.read();
      const which = new Set<string>();
      for (const name of world.names) {
        const actual = now.get(name) ?? {};
        const state = c.expect.state;
        if (typeof state === 'function') {
          expectExactly(`${label} ${name}`, actual, state(name));
          continue;
        }
        which.add(expectOldOrNew(`${label} ${name}\n${result.stdout}`, actual, world.oldState, world.newState));
      }
      if (typeof c.expect.state === 'string') expect([...which], `${label}: expected the ${c.expect.state} state at every name`).toEqual([c.expect.state]);
      expect(result.code, context).toBe(c.expect.code);
      expect(result.stdout, context).toMatch(OUTCOME_TEXT[c.expect.outcome]);
      const applied = c.expect.appliedNames ?? (c.expect.outcome === 'applied' ? world.names.length : 0);
      expect(result.stdout.match(/✓ applied/g)?.length ?? 0, context).toBe(applied);
      if (c.expect.message) expect(result.stdout, context).toMatch(c.expect.message);
      await c.check?.(world, result);

      await world.clearFaults();
      await c.recover?.(world);
      const next = await world.sync(`${label} recovery`, c.via);
      expect(next.code, `${label} recovery\n${next.stdout}`).toBe(0);
      const converged = await world.read();
      for (const name of world.names) expectExactly(`${label} recovery ${name}`, converged.get(name) ?? {}, world.newState);
    },
    { label },
  );
}

/** Runs every case, then fails with the list of those that did not hold (each is counted either way). */
export async function runFaultCases<W extends FaultWorld>(world: W, cases: readonly FaultCase<W>[]): Promise<void> {
  const failures: string[] = [];
  for (const c of cases) {
    try {
      await runFaultCase(world, c);
    } catch (error) {
      failures.push(`${c.id} (${c.what}, ${c.via}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  await world.clearFaults();
  expect(failures).toEqual([]);
}

/**
 * Output for the secret sweep where a leak is most likely: the built CLI at `--log-level trace`
 * (every SDK request, every adapter debug line), in JSON and in text, a converging round and an
 * in-sync one, then a round under `authFault` (the error paths quote the most request detail).
 */
export async function traceLevelRuns<W extends FaultWorld>(world: W, authFault: (world: W) => void | Promise<void>): Promise<void> {
  await world.prepare();
  const json = await world.sync(`${world.area} trace json`, 'cli', ['--log-level', 'trace', '--output', 'json']);
  expect(json.code, json.stdout).toBe(0);
  expect((JSON.parse(json.stdout) as { summary: { updated: number } }).summary.updated).toBe(world.names.length);
  const text = await world.sync(`${world.area} trace text`, 'cli', ['--log-level', 'trace']);
  expect(text.code, text.stdout).toBe(0);
  expect(text.stdout).toContain(`Summary: 0 updated, ${world.names.length} in sync, 0 failed`);
  await world.prepare();
  await authFault(world);
  const denied = await world.sync(`${world.area} trace auth failure json`, 'cli', ['--log-level', 'trace', '--output', 'json']);
  expect(denied.code, denied.stdout).toBe(1);
  await world.clearFaults();
}

export { canonical };
