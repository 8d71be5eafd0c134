import { spawn } from 'node:child_process';

/**
 * Runs the configured reload command (e.g. `rndc reload example.com`) as an argv array: no shell,
 * so `;`, `$(…)` and quotes in an argument reach the program literally. Bounded by a timeout, and
 * only by it: the command may print as much as it likes (its output is drained as it comes, and
 * only the last TAIL_BYTES of stderr are kept, for the message), so a chatty reload is never
 * killed part-way. The result says what went wrong in one line, for the operator.
 */

export type ReloadResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Of stderr, what is kept for the message: a reload's last words say why it failed. */
const TAIL_BYTES = 4096;

export function runReloadCommand(argv: readonly string[], timeoutMs: number): Promise<ReloadResult> {
  const [command, ...args] = argv;
  if (command === undefined) return Promise.resolve({ ok: false, reason: 'the reload command is empty' });
  return new Promise((resolve) => {
    const child = spawn(command, args, { shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let tail = Buffer.alloc(0);
    let timedOut = false;
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > TAIL_BYTES) tail = tail.subarray(tail.length - TAIL_BYTES);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') resolve({ ok: false, reason: `${command}: command not found` });
      else if (error.code === 'EACCES') resolve({ ok: false, reason: `${command}: permission denied` });
      else resolve({ ok: false, reason: `${command}: ${error.message}` });
    });
    // 'close': the process ended and its output streams are drained.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return resolve({ ok: false, reason: `${command} did not finish within ${timeoutMs} ms` });
      if (code === 0) return resolve({ ok: true });
      const how = code !== null ? `exited with ${code}` : `ended by ${signal ?? 'an error'}`;
      const said = lastLine(tail.toString('utf8'));
      resolve({ ok: false, reason: `${command} ${how}${said ? `: ${said}` : ''}` });
    });
  });
}

/** The last non-empty line (the tail may start mid-line), at most 200 characters. */
function lastLine(text: string): string {
  const line =
    text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .at(-1)
      ?.trim() ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
