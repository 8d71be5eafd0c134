import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { identityOf, sameIdentity, type FileIdentity } from './file-identity.js';

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
  /**
   * Compare-and-swap: the version the new content was made from. Re-checked (content, then
   * identity) immediately before the rename; a difference aborts the write (ChangedMeanwhileError).
   */
  readonly expected?: { readonly bytes: Buffer; readonly identity: FileIdentity };
}

/** The target no longer holds the expected version: nothing was written. */
export class ChangedMeanwhileError extends Error {}

/**
 * Another writer touched the target between the last check and the rename: the new content IS in
 * place, and what that writer put there in that instant was replaced by it.
 */
export class ReplacedMeanwhileError extends Error {}

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
  let replacedMeanwhile = false;
  try {
    await handle.writeFile(data);
    await handle.chmod(options.mode);
    await keepOwner(handle, options);
    await handle.sync();
    await handle.close();
    const watcher = options.expected === undefined ? undefined : watchDirectory(directory);
    try {
      if (options.expected !== undefined) await checkUnchanged(target, options.expected);
      await rename(temp, target);
      renamed = true;
      replacedMeanwhile = watcher !== undefined && (await watcher.otherWriterSeen(path.basename(temp), path.basename(target)));
    } finally {
      watcher?.close();
    }
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
  }
  const directorySynced = await syncDirectory(directory);
  if (replacedMeanwhile) throw new ReplacedMeanwhileError(`${target} was replaced by another writer while apexsync was replacing it`);
  return { directorySynced };
}

/** Content first (the slow part), identity last: the rename follows the identity check at once. */
async function checkUnchanged(target: string, expected: { readonly bytes: Buffer; readonly identity: FileIdentity }): Promise<void> {
  if (!(await readFile(target)).equals(expected.bytes)) throw new ChangedMeanwhileError(`${target} changed since it was read`);
  if (!sameIdentity(identityOf(await stat(target, { bigint: true })), expected.identity)) throw new ChangedMeanwhileError(`${target} was replaced since it was read`);
}

/** How long to wait for the directory event of our own rename before giving up on the check. */
const OWN_EVENT_WAIT_MS = 1000;

/**
 * Watches the directory (inotify on Linux) from before the last check until our own rename shows
 * up: an event for the target's name queued before ours means another writer renamed or wrote
 * the target in between. Where the directory cannot be watched, only the checks before the
 * rename remain.
 */
function watchDirectory(directory: string): { otherWriterSeen(tempName: string, targetName: string): Promise<boolean>; close(): void } | undefined {
  let watcher: FSWatcher;
  const events: string[] = [];
  let notify: (() => void) | undefined;
  try {
    watcher = watch(directory, { persistent: false }, (_event, name) => {
      events.push(String(name ?? ''));
      notify?.();
    });
    watcher.on('error', () => undefined);
  } catch {
    return undefined;
  }
  return {
    async otherWriterSeen(tempName, targetName) {
      const deadline = Date.now() + OWN_EVENT_WAIT_MS;
      while (!events.includes(tempName) && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 20);
        });
      }
      const ours = events.indexOf(tempName);
      // Our own event never came: no verdict (the checks before the rename still held).
      if (ours < 0) return false;
      return events.slice(0, ours).includes(targetName);
    },
    close: () => watcher.close(),
  };
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
