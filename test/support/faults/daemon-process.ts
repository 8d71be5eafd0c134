import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { CLI } from '../cli.js';
import { ledger } from './ledger.js';
import { cliEnvironment } from './recorded-cli.js';

/**
 * `apexsync run` as a real process, for the daemon parts of the reliability suite: it must keep running through
 * provider faults and converge once they clear, and hold 5 000 records with memory that stops
 * growing. Its stdout and stderr go to the ledger when it stops (the secret sweep reads them).
 */
export class DaemonProcess {
  stdout = '';
  stderr = '';
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly label: string,
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.#exit = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** `heapProbe`: load heap-probe.cjs, so that heapUsedAfterGc() can ask the process. */
  static start(label: string, args: readonly string[], options: { env?: Record<string, string>; cwd?: string; port: number; heapProbe?: boolean }): DaemonProcess {
    const probe = options.heapProbe ? ['--expose-gc', '--require', HEAP_PROBE] : [];
    const child = spawn(process.execPath, [...probe, CLI, 'run', ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: cliEnvironment(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new DaemonProcess(label, child, `http://127.0.0.1:${options.port}`);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** HTTP status of an endpoint (/healthz, /readyz, /metrics), or 0 when nothing answers. */
  async status(endpoint: string): Promise<number> {
    try {
      const response = await fetch(`${this.url}${endpoint}`, { signal: AbortSignal.timeout(2000) });
      await response.text();
      return response.status;
    } catch {
      return 0;
    }
  }

  async text(endpoint: string): Promise<string> {
    const response = await fetch(`${this.url}${endpoint}`, { signal: AbortSignal.timeout(5000) });
    return response.text();
  }

  /** Resident set size in bytes, from /proc (Linux). */
  rss(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  }

  /**
   * The V8 heap in use right after a forced full collection, in bytes (needs `heapProbe`): what
   * the process holds on to, independent of when V8 would have collected.
   */
  async heapUsedAfterGc(timeoutMs = 10_000): Promise<number> {
    const seen = this.stderr.length;
    this.child.kill('SIGUSR2');
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const line = /^apexsync-test-heap-used (\d+)$/m.exec(this.stderr.slice(seen));
      if (line) return Number(line[1]);
      if (!this.alive || performance.now() > deadline) throw new Error(`${this.label}: no heap figure after SIGUSR2 (alive: ${this.alive})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). Files the output in the ledger. */
  async stop(graceMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.#exit;
    clearTimeout(timer);
    ledger.record(`${this.label} stdout`, this.stdout);
    ledger.record(`${this.label} stderr`, this.stderr);
    return exit;
  }
}

const HEAP_PROBE = fileURLToPath(new URL('./heap-probe.cjs', import.meta.url));

/** A free loopback TCP port (for `server.listen`). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `condition` every `everyMs` until it holds (true) or `withinMs` passes (false). */
export async function eventually(condition: () => Promise<boolean> | boolean, withinMs: number, everyMs = 250): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    if (await condition()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
