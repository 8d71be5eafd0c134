import type { BigIntStats } from 'node:fs';

/**
 * What tells one version of a file from another without reading it: the inode (a writer that
 * replaces the file by rename brings a new one) and its size and modification time (one that
 * rewrites it in place changes those; nanoseconds, where the file system keeps them).
 */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

export function identityOf(stats: BigIntStats): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}
