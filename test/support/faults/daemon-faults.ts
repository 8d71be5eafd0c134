import { expect } from 'vitest';
import { DaemonProcess, eventually, freePort } from './daemon-process.js';
import type { FaultWorld } from './fault-matrix.js';
import { ledger } from './ledger.js';
import { canonical, expectOldOrNew, type Published } from './published.js';

/**
 * The daemon half of the fault matrix: "the daemon keeps running and converges once the fault
 * clears". One `apexsync run` process lives through a sequence of faults; for each, the target
 * moves to the other state while the fault is on, and the test watches: the process stays up,
 * /healthz answers 200, every name holds the previous or the next state at every look (never
 * empty, never a mix); then the fault clears and every name must reach the next state.
 */

export interface DaemonWorld extends FaultWorld {
  /** A config for `apexsync run` (short intervals, default damping) listening on `port`. */
  daemonConfig(port: number): { readonly configFile: string; readonly env: Record<string, string>; readonly cwd: string };
  setTargetState(state: Published): void;
}

export interface DaemonFault<W extends DaemonWorld> {
  readonly id: string;
  inject(world: W): void | Promise<void>;
  /** True once the fault has actually hit a request (so a passing case is not a fault never met). */
  wasHit(world: W): boolean;
}

/**
 * The `interval`/`damping` lines every daemon config of the suite uses. Damping is left at its
 * default hold-down: a target that moves (here between two disjoint states, back and forth) must
 * be mirrored at once, never held.
 */
export const DAEMON_TIMING = 'interval: { min: 1s, max: 2s }\ndamping: { samples: 1 }\n';

export async function daemonThroughFaults<W extends DaemonWorld>(world: W, faults: readonly DaemonFault<W>[], observeMs = 3000): Promise<void> {
  await world.prepare();
  const port = await freePort();
  const { configFile, env, cwd } = world.daemonConfig(port);
  const daemon = DaemonProcess.start(`${world.area} daemon`, ['-c', configFile, '--log-level', 'info'], { env, cwd, port });
  const sameEverywhere = async (state: Published): Promise<boolean> => [...(await world.read()).values()].every((now) => canonical(now) === canonical(state));
  try {
    expect(await eventually(() => sameEverywhere(world.newState), 30_000), `${world.area} daemon: first convergence\n${daemon.stderr.slice(-2000)}`).toBe(true);
    let current = world.newState;
    for (const [i, fault] of faults.entries()) {
      const next = i % 2 === 0 ? world.oldState : world.newState;
      await ledger.fault(
        `daemon ${world.area}`,
        async () => {
          await fault.inject(world);
          world.setTargetState(next);
          const until = performance.now() + observeMs;
          while (performance.now() < until) {
            expect(daemon.alive, `${world.area} daemon died during ${fault.id}\n${daemon.stderr.slice(-2000)}`).toBe(true);
            for (const [name, state] of await world.read()) expectOldOrNew(`${world.area} daemon ${fault.id} ${name}`, state, current, next);
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
          expect(await daemon.status('/healthz'), `${world.area} daemon /healthz during ${fault.id}`).toBe(200);
          expect(fault.wasHit(world), `${world.area} daemon: fault ${fault.id} never hit a request`).toBe(true);
          await world.clearFaults();
          const converged = await eventually(() => sameEverywhere(next), 30_000);
          expect(converged, `${world.area} daemon did not converge after ${fault.id}\n${daemon.stderr.slice(-2000)}`).toBe(true);
          current = next;
        },
        { label: `daemon ${world.area} ${fault.id}` },
      );
    }
  } finally {
    const exit = await daemon.stop();
    expect(exit.code, `${world.area} daemon exit\n${daemon.stderr.slice(-2000)}`).toBe(0);
    expect(daemon.stderr).not.toMatch(/unhandled rejection/i);
  }
}
