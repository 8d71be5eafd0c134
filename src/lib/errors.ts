/** The message of anything thrown, for an operator (no stack). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The first non-blank line of `text`, trimmed, cut to `maxLength` characters (with "…") when
 * given. SDKs append advice on further lines, and a subprocess may print pages: an operator's
 * message is one line.
 */
export function firstLine(text: string, maxLength = Number.POSITIVE_INFINITY): string {
  const line =
    text
      .split(/\r?\n/)
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  return line.length > maxLength ? `${line.slice(0, maxLength)}…` : line;
}

/** File-system error codes an operator may meet, in words. */
const FS_ERROR_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/**
 * A file-system error in a few words, without the path (the caller's message names the file):
 * the common codes in plain words, others as Node says them ("ELOOP: too many symbolic links
 * encountered").
 */
export function describeFsError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const words = code === undefined ? undefined : Object.hasOwn(FS_ERROR_WORDS, code) ? FS_ERROR_WORDS[code] : undefined;
  if (words !== undefined) return words;
  // Node's own text ends with the system call and the path: ", open '/etc/x'".
  if (error instanceof Error) return firstLine(error.message).replace(/, \w+ '.*'$/, '');
  return code ?? String(error);
}
