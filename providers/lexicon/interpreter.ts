import { accessSync, constants, openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';

/**
 * The Python to run the helper with. `command` is a Python, or an executable script such as
 * Debian's `/usr/bin/lexicon` whose `#!` line names the Python that has lexicon (another
 * `python3` earlier on PATH may not see it). A bare name is looked up on PATH.
 */
export function interpreterFor(command: string, searchPath = process.env.PATH ?? ''): string {
  const found = command.includes('/')
    ? command
    : searchPath
        .split(':')
        .filter(Boolean)
        .map((dir) => path.join(dir, command))
        .find(isExecutable);
  if (found === undefined) return command; // spawn reports it missing, in words, later
  if (/^python[0-9.]*$/.test(path.basename(found))) return found;
  const shebang = firstLine(found);
  const match = shebang?.match(/^#!\s*(\S+)(?:\s+(\S+))?/);
  if (match === null || match === undefined) return found;
  // `#!/usr/bin/env python3` names the Python through env.
  if (path.basename(match[1]!) === 'env' && match[2] !== undefined) return interpreterFor(match[2], searchPath);
  return match[1]!;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function firstLine(file: string): string | undefined {
  try {
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(256);
      const bytes = readSync(fd, buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytes).toString('utf8').split('\n')[0];
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
