import { randomBytes } from 'node:crypto';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Replaces `target` so that a reader (named, a crash, a second apexsync) sees either the old or
 * the new content, never a mix: write a temp file in the same directory (same filesystem, so the
 * rename is atomic), give it the original's mode and owner, fsync it, rename it over the target,
 * then fsync the directory so the rename itself survives a power loss. On any failure before the
 * rename the temp file is removed and the target is untouched.
 */

export interface AtomicWriteOptions {
  /** Permission bits of the file being replaced. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Last check before the rename (e.g. "nobody changed the file meanwhile"); a throw aborts the write. */
  readonly beforeRename?: () => Promise<void>;
}

export interface AtomicWriteResult {
  /** False when the directory could not be fsynced (the file is replaced; durability is up to the OS). */
  readonly directorySynced: boolean;
}

/** A writer finishes in milliseconds; a temp file this old was left by one that was killed. */
const STALE_TEMP_MS = 10 * 60 * 1000;

function tempPrefix(target: string): string {
  // Short and hidden: a long zone file name must not push the temp name past NAME_MAX, and
  // named's `directory` listing should not show it as a zone.
  return `.${path.basename(target).slice(0, 64)}.apexsync-`;
}

export async function writeFileAtomically(target: string, data: Buffer, options: AtomicWriteOptions): Promise<AtomicWriteResult> {
  const directory = path.dirname(target);
  await removeStaleTempFiles(target, Date.now());
  const temp = path.join(directory, `${tempPrefix(target)}${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  let renamed = false;
  try {
    await handle.writeFile(data);
    await handle.chmod(options.mode);
    await keepOwner(handle, options);
    await handle.sync();
    await handle.close();
    await options.beforeRename?.();
    await rename(temp, target);
    renamed = true;
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
  }
  return { directorySynced: await syncDirectory(directory) };
}

/**
 * Removes temp files of `target` left by writers killed before their rename (kill -9, power
 * loss). Only our own naming pattern, and only when older than any write could take.
 */
export async function removeStaleTempFiles(target: string, now: number): Promise<string[]> {
  const directory = path.dirname(target);
  const prefix = tempPrefix(target);
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const file = path.join(directory, name);
    try {
      if (now - (await stat(file)).mtimeMs < STALE_TEMP_MS) continue;
      await unlink(file);
      removed.push(file);
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
  return removed;
}

/** Running as root (or another user), the new file would belong to us: give it back to its owner. */
async function keepOwner(handle: Awaited<ReturnType<typeof open>>, options: AtomicWriteOptions): Promise<void> {
  const stat = await handle.stat();
  if (stat.uid === options.uid && stat.gid === options.gid) return;
  try {
    await handle.chown(options.uid, options.gid);
  } catch (error) {
    // Without the privilege to chown, the file simply belongs to the writer (as with any editor).
    if (!isErrno(error, 'EPERM')) throw error;
  }
}

async function syncDirectory(directory: string): Promise<boolean> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch {
    return false;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
