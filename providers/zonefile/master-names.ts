/**
 * Domain names as written in a master file: `@`, relative names (completed with the current
 * origin), absolute names (trailing dot), `\X` and `\DDD` escapes. Every name is turned into one
 * canonical text — labels lower-cased, special characters escaped the same way every time, no
 * trailing dot — so `WWW`, `www.example.com.` and `\119ww` compare equal, and a plain hostname's
 * canonical text is exactly its normalised form from src/names.ts.
 */

/** Characters that stay as they are in a canonical label (anything else is escaped). */
const PLAIN = /^[a-z0-9_*\-/]$/;

export class NameSyntaxError extends Error {}

/** Canonical absolute name for `text`; `origin` is the canonical current origin, or undefined when not known. */
export function resolveName(text: string, origin: string | undefined): string {
  if (text === '@') return requireOrigin(origin, text);
  if (text === '.') return '';
  const { labels, absolute } = splitLabels(text);
  const canonical = labels.map(encodeLabel).join('.');
  if (absolute) return canonical;
  const base = requireOrigin(origin, text);
  return base === '' ? canonical : `${canonical}.${base}`;
}

/** Fully qualified presentation form (trailing dot) of a canonical name, always valid in a master file. */
export function absoluteText(name: string): string {
  return `${name}.`;
}

function requireOrigin(origin: string | undefined, text: string): string {
  if (origin === undefined) {
    throw new NameSyntaxError(`'${text}' is relative but the origin is unknown (add $ORIGIN, or set \`origin\` in the provider settings)`);
  }
  return origin;
}

/** Decoded labels (character codes 0–255 as one-char strings) and whether the name ended with a dot. */
function splitLabels(text: string): { labels: string[]; absolute: boolean } {
  const labels: string[] = [];
  let label = '';
  let absolute = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (c === '\\') {
      const digits = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        const code = Number(digits);
        if (code > 255) throw new NameSyntaxError(`bad escape '\\${digits}' in name '${text}'`);
        label += String.fromCharCode(code);
        i += 3;
      } else if (i + 1 < text.length) {
        label += text[i + 1];
        i += 1;
      } else {
        throw new NameSyntaxError(`name '${text}' ends with a backslash`);
      }
    } else if (c === '.') {
      if (label.length === 0) throw new NameSyntaxError(`empty label in name '${text}'`);
      labels.push(label);
      label = '';
      if (i === text.length - 1) absolute = true;
    } else {
      label += c;
    }
  }
  if (label.length > 0) labels.push(label);
  if (labels.length === 0) throw new NameSyntaxError(`empty name '${text}'`);
  for (const l of labels) {
    if (l.length > 63) throw new NameSyntaxError(`label longer than 63 characters in name '${text}'`);
  }
  return { labels, absolute };
}

function encodeLabel(label: string): string {
  let out = '';
  for (const raw of label) {
    const c = raw >= 'A' && raw <= 'Z' ? raw.toLowerCase() : raw;
    if (PLAIN.test(c)) out += c;
    else if (c.charCodeAt(0) > 32 && c.charCodeAt(0) < 127) out += `\\${c}`;
    else out += `\\${String(c.charCodeAt(0)).padStart(3, '0')}`;
  }
  return out;
}
