import { ZoneSyntaxError } from './errors.js';

/**
 * The lexical layer of an RFC 1035 master file, as BIND 9 reads it: whitespace-separated tokens;
 * `;` starts a comment outside quotes; `"…"` is one token and may not cross a line end; `(`…`)`
 * let one entry continue over several lines; a backslash escapes the next character (or `\DDD`).
 *
 * Every token keeps its physical position so the editor can rewrite exactly the bytes it means to
 * (the SOA serial) and every entry keeps its line range so whole entries can be replaced.
 */

/** One physical line: `content` without its terminator, `eol` the terminator ("\n", "\r\n" or ""). */
export interface PhysicalLine {
  readonly content: string;
  readonly eol: string;
}

export interface Token {
  /** The text as written (quotes and escapes included). */
  readonly text: string;
  readonly quoted: boolean;
  /** 0-based physical line, and the character range in that line's content. */
  readonly line: number;
  readonly start: number;
  readonly end: number;
}

/** One logical entry (a record or a directive), covering whole physical lines. */
export interface Entry {
  /** 0-based first and last physical line of the entry. */
  readonly firstLine: number;
  readonly lastLine: number;
  /** The entry's first line starts with whitespace: the owner is inherited from the previous record. */
  readonly blankOwner: boolean;
  readonly tokens: readonly Token[];
}

/** Splits text into physical lines, keeping each terminator so the file can be rebuilt byte-for-byte. */
export function splitLines(text: string): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let from = 0;
  while (from < text.length) {
    const newline = text.indexOf('\n', from);
    if (newline === -1) {
      lines.push({ content: text.slice(from), eol: '' });
      break;
    }
    const crlf = newline > from && text[newline - 1] === '\r';
    lines.push({ content: text.slice(from, crlf ? newline - 1 : newline), eol: crlf ? '\r\n' : '\n' });
    from = newline + 1;
  }
  return lines;
}

const isBlank = (c: string): boolean => c === ' ' || c === '\t' || c === '\r';
const ENDS_TOKEN = new Set([' ', '\t', '\r', ';', '(', ')', '"']);

/** Groups the lines of `file` into entries. Throws ZoneSyntaxError (file:line) on bad lexical syntax. */
export function lexEntries(lines: readonly PhysicalLine[], file: string): Entry[] {
  const entries: Entry[] = [];
  let tokens: Token[] = [];
  let firstLine = -1;
  let blankOwner = false;
  let depth = 0;

  lines.forEach((physical, lineIndex) => {
    const s = physical.content;
    let i = 0;
    while (i < s.length) {
      const c = s[i] as string;
      if (isBlank(c)) {
        i += 1;
      } else if (c === ';') {
        break;
      } else if (c === '(') {
        if (firstLine === -1) throw new ZoneSyntaxError(file, lineIndex + 1, "an entry cannot start with '('");
        depth += 1;
        i += 1;
      } else if (c === ')') {
        if (depth === 0) throw new ZoneSyntaxError(file, lineIndex + 1, "unbalanced parentheses: ')' without '('");
        depth -= 1;
        i += 1;
      } else {
        if (firstLine === -1) {
          firstLine = lineIndex;
          blankOwner = i > 0;
        }
        const end = c === '"' ? scanQuoted(s, i, file, lineIndex) : scanUnquoted(s, i, file, lineIndex);
        tokens.push({ text: s.slice(i, end), quoted: c === '"', line: lineIndex, start: i, end });
        i = end;
      }
    }
    if (depth === 0 && firstLine !== -1) {
      entries.push({ firstLine, lastLine: lineIndex, blankOwner, tokens });
      tokens = [];
      firstLine = -1;
    }
  });
  if (depth > 0) throw new ZoneSyntaxError(file, firstLine + 1, "unbalanced parentheses: '(' never closed");
  return entries;
}

/** End (exclusive) of the quoted string starting at `from`. */
function scanQuoted(s: string, from: number, file: string, lineIndex: number): number {
  let i = from + 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i += 1;
  }
  throw new ZoneSyntaxError(file, lineIndex + 1, 'unbalanced quotes (a quoted string cannot continue on the next line)');
}

/** End (exclusive) of the unquoted token starting at `from`. */
function scanUnquoted(s: string, from: number, file: string, lineIndex: number): number {
  let i = from;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === '\\') {
      if (i + 1 >= s.length) throw new ZoneSyntaxError(file, lineIndex + 1, 'a backslash cannot end a line');
      i += 2;
    } else if (ENDS_TOKEN.has(c)) {
      break;
    } else {
      i += 1;
    }
  }
  return i;
}
