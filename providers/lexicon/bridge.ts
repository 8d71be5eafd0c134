import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Secret } from '../../src/lib/secret.js';
import { BRIDGE_SCRIPT } from './bridge-script.js';

/** Why a helper call failed; `lost` and `timeout` mean a write may or may not have happened. */
export type BridgeFailureKind = 'missing-python' | 'missing-lexicon' | 'missing-provider' | 'auth' | 'not-found' | 'http' | 'error' | 'lost' | 'timeout';

export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  constructor(
    readonly kind: BridgeFailureKind,
    message: string,
  ) {
    super(message);
  }
}

export interface BridgeOptions {
  /** The Python to run the helper with. */
  readonly python: string;
  readonly provider: string;
  readonly options: ReadonlyMap<string, Secret | string>;
  readonly timeoutMs: number;
  /** The helper ends this long after its last answer (the end of a round). */
  readonly idleMs: number;
}

interface Pending {
  readonly resolve: (answer: Record<string, unknown>) => void;
  readonly reject: (error: BridgeError) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * One Python process with lexicon, started when a round first needs it and ended when the round
 * is over (idle for `idleMs`) or on close(). Requests are JSON lines on its stdin, one at a time
 * in order; the provider options travel on stdin in the first request, never on a command line
 * or in the environment. Every text that comes back has the option values blanked out.
 */
export class LexiconBridge {
  #child: ChildProcessWithoutNullStreams | undefined;
  #ready: Promise<void> | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #idle: NodeJS.Timeout | undefined;
  #stderr = '';
  /** Processes started so far (for the cost figures in the docs and the tests). */
  started = 0;

  constructor(private readonly settings: BridgeOptions) {}

  async call(op: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    this.#ready ??= this.#start();
    const ready = this.#ready;
    await ready;
    return this.#send(op, fields);
  }

  async close(): Promise<void> {
    clearTimeout(this.#idle);
    const child = this.#child;
    this.#child = undefined;
    this.#ready = undefined;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin.end(); // the helper's loop ends with its input
      setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
    });
  }

  #start(): Promise<void> {
    this.started++;
    this.#stderr = '';
    const child = spawn(this.settings.python, ['-c', BRIDGE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    this.#child = child;
    child.stderr.on('data', (chunk: Buffer) => (this.#stderr = (this.#stderr + chunk.toString()).slice(-2_000)));
    createInterface({ input: child.stdout }).on('line', (line) => this.#receive(line));
    const exited = new Promise<BridgeError>((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) =>
        resolve(
          error.code === 'ENOENT'
            ? new BridgeError('missing-python', `cannot run ${this.settings.python} (not found): install python3 and lexicon (apt-get install lexicon), or set command`)
            : new BridgeError('lost', `cannot run ${this.settings.python}: ${error.message}`),
        ),
      );
      child.once('exit', (code, signal) =>
        resolve(new BridgeError('lost', `the lexicon helper (${this.settings.python}) exited (${signal ?? `code ${code}`})${this.#lastError()}`)),
      );
    });
    void exited.then((error) => {
      if (this.#child === child) {
        this.#child = undefined;
        this.#ready = undefined;
      }
      for (const [id, pending] of this.#pending) {
        clearTimeout(pending.timer);
        this.#pending.delete(id);
        pending.reject(error);
      }
    });
    child.stdin.on('error', () => undefined); // a dead helper is reported through 'exit'
    const options = Object.fromEntries([...this.settings.options].map(([name, value]) => [name, typeof value === 'string' ? value : value.reveal()]));
    return Promise.race([this.#send('configure', { provider: this.settings.provider, options }).then(() => undefined), exited.then((error) => Promise.reject(error))]);
  }

  #send(op: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const child = this.#child;
    if (child === undefined) return Promise.reject(new BridgeError('lost', 'the lexicon helper is not running'));
    clearTimeout(this.#idle);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new BridgeError('timeout', `lexicon did not answer ${op} within ${this.settings.timeoutMs} ms`));
        // Its state is unknown now: the next call starts a fresh helper.
        child.kill('SIGKILL');
      }, this.settings.timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      child.stdin.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    });
  }

  #receive(line: string): void {
    let answer: { id?: unknown; ok?: unknown; kind?: unknown; error?: unknown };
    try {
      answer = JSON.parse(line) as typeof answer;
    } catch {
      return; // not ours (a provider printing to stdout)
    }
    const pending = typeof answer.id === 'number' ? this.#pending.get(answer.id) : undefined;
    if (pending === undefined) return;
    this.#pending.delete(answer.id as number);
    clearTimeout(pending.timer);
    if (this.#pending.size === 0) {
      this.#idle = setTimeout(() => void this.close(), this.settings.idleMs);
      this.#idle.unref();
    }
    if (answer.ok === true) pending.resolve(answer as Record<string, unknown>);
    else pending.reject(new BridgeError(bridgeKind(answer.kind), this.redact(String(answer.error ?? 'no reason given'))));
  }

  #lastError(): string {
    const last = this.#stderr.trim().split('\n').at(-1);
    return last ? `: ${this.redact(last)}` : '';
  }

  /** `text` with every option value blanked out (a provider may echo a URL with its token). */
  redact(text: string): string {
    let clean = text;
    for (const value of this.settings.options.values()) {
      if (typeof value !== 'string' && value.reveal().length >= 4) clean = clean.split(value.reveal()).join('[redacted]');
    }
    // eslint-disable-next-line no-control-regex
    return clean.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 500);
  }
}

const KINDS: readonly BridgeFailureKind[] = ['missing-lexicon', 'missing-provider', 'auth', 'not-found', 'http', 'error'];

function bridgeKind(kind: unknown): BridgeFailureKind {
  return KINDS.find((known) => known === kind) ?? 'error';
}
