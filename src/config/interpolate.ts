import { formatPath } from './errors.js';

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML document (`$$` is a
 * literal `$`). An unset variable without a default is a problem naming the variable and the
 * field; the value of a variable is never part of a message.
 */
export function interpolate(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
  path: PropertyKey[] = [],
  ancestors: ReadonlySet<object> = new Set(),
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const found = env[name!];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (value !== null && typeof value === 'object') {
    // A YAML alias inside its own anchor (`loop: &x [*x]`) makes a cycle; no config needs one.
    if (ancestors.has(value)) {
      problems.push(`${formatPath(path)}: refers to itself (a YAML alias inside its own anchor)`);
      return null;
    }
    const within = new Set(ancestors).add(value);
    if (Array.isArray(value)) return value.map((item, index) => interpolate(item, env, problems, [...path, index], within));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, env, problems, [...path, key], within);
    return out;
  }
  return value;
}
