/**
 * A configuration or usage problem: one line per problem, each starting with the path of the
 * field it concerns (`records[2].target: not a hostname`). The CLI prints the lines and exits 2,
 * without a stack trace. Messages never contain a secret's value.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

/** `records[2].target` from ['records', 2, 'target']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}
