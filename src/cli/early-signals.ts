/**
 * `apexsync run` must not die of a signal while it starts: until handlers exist, SIGHUP and
 * SIGTERM take their default action and kill the process (a supervisor that reloads or stops it
 * right after launching it lost it, or restarted it in a loop). Imported first by main.ts, so it
 * is in place before the rest of the CLI is even loaded; for `run` only, because the one-shot
 * commands should keep the default action. Signals caught here are handed to the daemon once it
 * can act on them.
 */
const CAUGHT: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

const received: NodeJS.Signals[] = [];
const hold = (signal: NodeJS.Signals): void => {
  received.push(signal);
};

/** The command is the first argument that is not an option (the CLI takes options after it). */
if (process.argv.slice(2).find((arg) => !arg.startsWith('-')) === 'run') for (const signal of CAUGHT) process.on(signal, hold);

/** Removes the start-up handlers (call it once the real ones are installed): the signals caught so far, in order. */
export function takeEarlySignals(): NodeJS.Signals[] {
  for (const signal of CAUGHT) process.off(signal, hold);
  return received.splice(0);
}
