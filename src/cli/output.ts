/** The CLI's stdout (plan, summary, JSON) and its one-line error messages on stderr. */
export function print(text: string): void {
  process.stdout.write(text);
}

export function printError(line: string): void {
  process.stderr.write(`apexsync: ${line}\n`);
}

/** Exit codes (README.md, Exit codes). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A usage mistake found after parsing (e.g. --record naming no configured record): exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
