import { execFile } from 'node:child_process';
import { firstLine } from '../../src/lib/errors.js';

/**
 * Runs the configured reload command (e.g. `rndc reload example.com`) as an argv array: no shell,
 * so `;`, `$(…)` and quotes in an argument reach the program literally. Bounded by a timeout;
 * the result says what went wrong in one line, for the operator.
 */

export type ReloadResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const MAX_OUTPUT = 64 * 1024;

export function runReloadCommand(argv: readonly string[], timeoutMs: number): Promise<ReloadResult> {
  const [command, ...args] = argv;
  if (command === undefined) return Promise.resolve({ ok: false, reason: 'the reload command is empty' });
  return new Promise((resolve) => {
    execFile(command, args, { shell: false, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, windowsHide: true }, (error, _stdout, stderr) => {
      if (error === null) return resolve({ ok: true });
      const errno = (error as NodeJS.ErrnoException).code;
      if (errno === 'ENOENT') return resolve({ ok: false, reason: `${command}: command not found` });
      if (errno === 'EACCES') return resolve({ ok: false, reason: `${command}: permission denied` });
      if (error.killed && error.signal === 'SIGKILL') return resolve({ ok: false, reason: `${command} did not finish within ${timeoutMs} ms` });
      const how = typeof error.code === 'number' ? `exited with ${error.code}` : `ended by ${error.signal ?? 'an error'}`;
      const said = firstLine(String(stderr), 200);
      resolve({ ok: false, reason: `${command} ${how}${said ? `: ${said}` : ''}` });
    });
  });
}
