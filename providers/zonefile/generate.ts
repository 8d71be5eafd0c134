/**
 * The owner names a BIND `$GENERATE start-stop[/step] lhs …` directive creates, so that apexsync
 * can tell when a managed name is generated (and must not be edited). Only the left-hand side is
 * expanded: `$` is the iterator, `${offset[,width[,base]]}` formats it (bases d o x X n N), `\$`
 * is a literal dollar (kept escaped, as BIND does, for the name parser).
 */

/**
 * BIND's bounds, so that a file BIND loads is read and a hostile one cannot exhaust memory: at
 * most 65 536 iterations, range values that fit BIND's unsigned 32 bits, and each expanded side
 * within BIND's 2 048-character buffer (checked before a `${offset,width}` is padded, so a width
 * of 300 000 000 is refused without being built).
 */
const MAX_ITERATIONS = 65536;
const MAX_RANGE_VALUE = 4_294_967_295;
export const MAX_EXPANDED_LENGTH = 2048;

export class GenerateSyntaxError extends Error {}

export function expandGenerateOwners(range: string, lhs: string): string[] {
  const match = /^(\d+)-(\d+)(?:\/(\d+))?$/.exec(range);
  if (!match) throw new GenerateSyntaxError(`bad $GENERATE range '${range}'`);
  const start = Number(match[1]);
  const stop = Number(match[2]);
  const step = match[3] === undefined ? 1 : Number(match[3]);
  if (stop < start || step < 1 || stop > MAX_RANGE_VALUE || step > MAX_RANGE_VALUE) throw new GenerateSyntaxError(`bad $GENERATE range '${range}'`);
  if ((stop - start) / step >= MAX_ITERATIONS) throw new GenerateSyntaxError(`$GENERATE range '${range}' is too large`);
  const owners: string[] = [];
  for (let value = start; value <= stop; value += step) owners.push(substitute(lhs, value));
  return owners;
}

function substitute(template: string, value: number): string {
  let out = '';
  for (let i = 0; i < template.length; i += 1) {
    const c = template[i] as string;
    if (c === '\\' && i + 1 < template.length) {
      out += template.slice(i, i + 2);
      i += 1;
    } else if (c === '$' && template[i + 1] === '{') {
      const close = template.indexOf('}', i);
      if (close === -1) throw new GenerateSyntaxError(`unterminated '\${' in '${template}'`);
      out += formatModifier(template.slice(i + 2, close), value);
      i = close;
    } else if (c === '$') {
      out += String(value);
    } else {
      out += c;
    }
    if (out.length > MAX_EXPANDED_LENGTH) throw new GenerateSyntaxError(`$GENERATE expands '${template.slice(0, 64)}' past ${MAX_EXPANDED_LENGTH} characters`);
  }
  return out;
}

function formatModifier(spec: string, value: number): string {
  const [offsetText = '0', widthText = '0', base = 'd'] = spec.split(',');
  const offset = Number(offsetText);
  const width = Number(widthText);
  if (!Number.isInteger(offset) || !Number.isInteger(width) || width < 0 || Math.abs(offset) > MAX_RANGE_VALUE) {
    throw new GenerateSyntaxError(`bad $GENERATE modifier '\${${spec}}'`);
  }
  if (width > MAX_EXPANDED_LENGTH) throw new GenerateSyntaxError(`$GENERATE width ${width} in '\${${spec}}' is larger than ${MAX_EXPANDED_LENGTH}`);
  const n = value + offset;
  switch (base) {
    case 'd':
      return String(n).padStart(width, '0');
    case 'o':
      return n.toString(8).padStart(width, '0');
    case 'x':
      return n.toString(16).padStart(width, '0');
    case 'X':
      return n.toString(16).toUpperCase().padStart(width, '0');
    case 'n':
    case 'N':
      return nibbles(n, width, base === 'N');
    default:
      throw new GenerateSyntaxError(`bad $GENERATE base '${base}'`);
  }
}

/** Reverse-nibble form (`10` width 4 → `a.0.`), as used for ip6.arpa names. */
function nibbles(n: number, width: number, upper: boolean): string {
  let out = '';
  let rest = n;
  do {
    const digit = (rest % 16).toString(16);
    out += `${upper ? digit.toUpperCase() : digit}.`;
    rest = Math.floor(rest / 16);
  } while (rest > 0 || out.length < width);
  return out;
}
