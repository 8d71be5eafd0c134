import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

/**
 * The built CLI, as `npm run bench` builds it (the same file `npm test` runs), or another build
 * named by $APEXSYNC_BENCH_CLI (to measure a change against the same lab, before and after).
 */
export const CLI = process.env.APEXSYNC_BENCH_CLI ?? path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** GNU time reports the peak RSS of the process it ran (getrusage ru_maxrss), exactly and at no cost. */
const GNU_TIME = '/usr/bin/time';

export interface MeasuredRun {
  readonly code: number;
  /** From spawn to exit, as the caller (cron, a shell) would see it. */
  readonly wallMs: number;
  /** Peak resident set size of the process (and of the children it waited for), MB. */
  readonly peakRssMb: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly stdin?: string;
  readonly timeoutMs?: number;
}

/**
 * The environment every measured process gets: minimal and explicit (no inherited credentials,
 * no AWS metadata probing, BIND's tools on PATH) plus `extra`.
 */
export function baseEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`,
    HOME: process.env.HOME ?? '/tmp',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

/** `node dist/src/cli/main.js …args`, measured. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<MeasuredRun> {
  return runMeasured(process.execPath, [CLI, ...args], options);
}

/**
 * Runs a command to completion and measures its wall time and peak RSS. Under GNU time when it is
 * installed (exact); otherwise by polling /proc/<pid>/status VmHWM every 10 ms (the kernel's own
 * high-water mark, so only the last few milliseconds before exit can be missed).
 */
export async function runMeasured(command: string, args: readonly string[], options: RunOptions = {}): Promise<MeasuredRun> {
  const useTime = existsSync(GNU_TIME);
  const dir = useTime ? await mkdtemp(path.join(os.tmpdir(), 'apexsync-bench-time-')) : undefined;
  const timeFile = dir ? path.join(dir, 'rusage') : undefined;
  const [file, argv] = timeFile ? [GNU_TIME, ['-f', '%M', '-o', timeFile, command, ...args]] : [command, [...args]];
  try {
    const started = performance.now();
    const result = await new Promise<{ code: number; stdout: string; stderr: string; polledKb: number | undefined }>((resolve, reject) => {
      const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? baseEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let polledKb: number | undefined;
      child.stdout.on('data', (d: Buffer) => stdout.push(d));
      child.stderr.on('data', (d: Buffer) => stderr.push(d));
      const poller = timeFile
        ? undefined
        : setInterval(() => {
            void readFile(`/proc/${child.pid}/status`, 'utf8')
              .then((status) => {
                const kb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]);
                if (Number.isFinite(kb)) polledKb = Math.max(polledKb ?? 0, kb);
              })
              .catch(() => undefined);
          }, 10);
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (poller) clearInterval(poller);
        resolve({ code: code ?? (signal ? 128 : -1), stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), polledKb });
      });
      child.stdin.end(options.stdin ?? '');
    });
    const wallMs = performance.now() - started;
    let peakKb = result.polledKb;
    if (timeFile) {
      // GNU time writes "Command exited with non-zero status N" before the figure on failure.
      const lines = (await readFile(timeFile, 'utf8').catch(() => '')).trim().split('\n');
      const kb = Number(lines[lines.length - 1]);
      peakKb = Number.isFinite(kb) && kb > 0 ? kb : undefined;
    }
    return { code: result.code, wallMs, peakRssMb: peakKb === undefined ? undefined : peakKb / 1024, stdout: result.stdout, stderr: result.stderr };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** The summary line of `sync --output json`, or undefined when stdout is not that document. */
export interface SyncSummary {
  readonly records: number;
  readonly inSync: number;
  readonly updated: number;
  readonly wouldUpdate: number;
  readonly failed: number;
}

export function syncSummary(stdout: string): SyncSummary | undefined {
  try {
    const document = JSON.parse(stdout) as { summary?: SyncSummary };
    return document.summary;
  } catch {
    return undefined;
  }
}

/** The first failed record's error in `sync --output json`, to explain a failed row. */
export function firstFailure(stdout: string): string | undefined {
  try {
    const document = JSON.parse(stdout) as { records?: Array<{ name: string; error: { stage: string; message: string } | null }> };
    const failed = document.records?.find((r) => r.error !== null);
    return failed?.error ? `${failed.name}: ${failed.error.stage}: ${failed.error.message}` : undefined;
  } catch {
    return undefined;
  }
}
