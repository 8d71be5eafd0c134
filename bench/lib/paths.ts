import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout the benchmark belongs to: the first folder above the compiled benchmark that holds
 * both package.json and bench/sync-loop.sh (the compiled files live in a build cache folder, see
 * bench/tsconfig.json, whose depth is not this module's business).
 */
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'bench', 'sync-loop.sh'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('bench: cannot find the apexsync checkout above the compiled benchmark');
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot();
