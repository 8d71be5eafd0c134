import { formatPath } from './errors.js';

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML document (`$$` is a
 * literal `$`). An unset variable without a default is a problem naming the variable and the
 * field; the value of a variable is never part of a message. Returns a copy; the document is
 * left as it was.
 */
export function interpolate(value: unknown, env: Readonly<Record<string, string | undefined>>, problems: string[]): unknown {
  return interpolateAt(value, env, problems, [], new Set());
}

/**
 * `path` and `ancestors` are one stack each, pushed and popped on the way down and up: a copy
 * per node made a 10 000-record config allocate a path array for every field and a set for
 * every record.
 */
function interpolateAt(value: unknown, env: Readonly<Record<string, string | undefined>>, problems: string[], path: PropertyKey[], ancestors: Set<object>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$')) return value;
    return value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const found = env[name!];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (value === null || typeof value !== 'object') return value;
  // A YAML alias inside its own anchor (`loop: &x [*x]`) makes a cycle; no config needs one.
  if (ancestors.has(value)) {
    problems.push(`${formatPath(path)}: refers to itself (a YAML alias inside its own anchor)`);
    return null;
  }
  ancestors.add(value);
  const visit = (key: PropertyKey, item: unknown): unknown => {
    path.push(key);
    const out = interpolateAt(item, env, problems, path, ancestors);
    path.pop();
    return out;
  };
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((item: unknown, index) => visit(index, item));
  } else {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = visit(key, item);
    out = copy;
  }
  ancestors.delete(value);
  return out;
}
