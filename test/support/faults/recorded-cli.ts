import { spawn } from 'node:child_process';
import { CLI, runCli, type CliResult } from '../cli.js';
import { ledger } from './ledger.js';

export interface RecordedCliOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/**
 * The built CLI as a real process (test/support/cli.ts), with everything it printed filed in
 * the ledger under `label` so the secret sweep sees it.
 */
export async function recordedCli(label: string, args: readonly string[], options: RecordedCliOptions = {}): Promise<CliResult> {
  const result = await runCli(args, options);
  ledger.record(`${label} stdout`, result.stdout);
  ledger.record(`${label} stderr`, result.stderr);
  return result;
}

/**
 * The built CLI run as another user (`runuser -u USER`), e.g. `nobody`, for whom a root-owned
 * zone directory is read-only: a real permission failure, which root itself never meets.
 */
export function recordedCliAs(user: string, label: string, args: readonly string[], options: RecordedCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('runuser', ['-u', user, '--', process.execPath, CLI, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: cliEnvironment({ HOME: '/tmp', ...options.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ledger.record(`${label} stdout`, stdout);
      ledger.record(`${label} stderr`, stderr);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

/** The same environment runCli builds (minimal and explicit), for processes we spawn ourselves. */
export function cliEnvironment(env: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`,
    HOME: process.env.HOME ?? '/tmp',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
  };
}

export interface KilledRun {
  /** True when SIGKILL ended the process; false when it finished before the kill. */
  readonly killed: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Starts the CLI and sends SIGKILL after `killAfterMs` (no chance to clean up, as with an OOM
 * kill or a power cut of the container), unless it exits first.
 */
export function runCliAndKill(label: string, args: readonly string[], killAfterMs: number, options: RecordedCliOptions = {}): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? process.cwd(), env: cliEnvironment(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ledger.record(`${label} stdout`, stdout);
      ledger.record(`${label} stderr`, stderr);
      resolve({ killed: signal === 'SIGKILL', code, stdout, stderr });
    });
  });
}
