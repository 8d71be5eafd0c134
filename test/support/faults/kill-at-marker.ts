import { spawn } from 'node:child_process';
import { CLI } from '../cli.js';
import { ledger } from './ledger.js';
import { cliEnvironment } from './recorded-cli.js';

export interface KillPlan {
  /** The kill is armed when stderr (debug logs) first matches this. */
  readonly marker: RegExp;
  /** Milliseconds after the marker; SIGKILL then, unless the process is gone. */
  readonly delayMs: number;
  /** Safety net: killed this long after start even if the marker never shows. */
  readonly deadlineMs?: number;
}

export interface KillOutcome {
  /** SIGKILL ended the process (false: it finished first). */
  readonly killed: boolean;
  readonly markerSeen: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds from the marker to the end of the process. */
  readonly afterMarkerMs: number | undefined;
}

/**
 * Runs the built CLI and SIGKILLs it `delayMs` after a log line of its own shows it reached a
 * point of interest (e.g. the provider read done, the apply about to start): a kill -9 at a
 * chosen distance into the apply, with no chance to clean up — an OOM kill, a node drain, a power
 * cut of the container. Everything it printed is filed in the ledger.
 */
export function runCliKilledAfterMarker(
  label: string,
  args: readonly string[],
  plan: KillPlan,
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<KillOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? process.cwd(), env: cliEnvironment(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let markerAt: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => child.kill('SIGKILL'), plan.deadlineMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (markerAt === undefined && plan.marker.test(stderr)) {
        markerAt = performance.now();
        killTimer = setTimeout(() => child.kill('SIGKILL'), plan.delayMs);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      ledger.record(`${label} stdout`, stdout);
      ledger.record(`${label} stderr`, stderr);
      resolve({
        killed: signal === 'SIGKILL',
        markerSeen: markerAt !== undefined,
        code,
        stdout,
        stderr,
        afterMarkerMs: markerAt === undefined ? undefined : performance.now() - markerAt,
      });
    });
  });
}

/** A small seeded generator (mulberry32), so a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
