/**
 * The one table the benchmark prints at the end: a row per measured case, with the figure, what
 * it is compared with (a peer measured in the same run, or the floor), and the target verdict.
 */
export type Verdict = 'met' | 'MISSED' | 'info' | 'n/a' | 'ERROR';

export interface Row {
  readonly scenario: string;
  readonly case: string;
  readonly measured: string;
  /** The peer's figure, the floor, or the ratio to them. */
  readonly reference: string;
  /** The issue's target for this row, when it has one. */
  readonly target: string;
  readonly verdict: Verdict;
}

export class Table {
  readonly rows: Row[] = [];

  add(row: Row): void {
    this.rows.push(row);
    // Progress on stderr while the benchmark runs; the table itself goes to stdout at the end.
    process.stderr.write(`bench: ${row.scenario} · ${row.case}: ${row.measured}${row.reference ? ` (${row.reference})` : ''} [${row.verdict}]\n`);
  }

  render(): string {
    const header: Row = { scenario: 'scenario', case: 'case', measured: 'measured', reference: 'peer / floor / ratio', target: 'target', verdict: 'info' };
    const cells = (row: Row): string[] => [row.scenario, row.case, row.measured, row.reference, row.target, row === header ? 'verdict' : row.verdict];
    // By scenario number (a stable sort keeps each scenario's rows in the order they ran).
    const rows = [...this.rows].sort((a, b) => parseInt(a.scenario, 10) - parseInt(b.scenario, 10));
    const all = [header, ...rows].map(cells);
    const widths = all[0]!.map((_, column) => Math.max(...all.map((line) => line[column]!.length)));
    const format = (line: string[]): string =>
      line
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd();
    const rule = widths.map((w) => '-'.repeat(w)).join('  ');
    return [format(all[0]!), rule, ...all.slice(1).map(format)].join('\n');
  }
}

export function seconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
}

export function milliseconds(ms: number): string {
  return `${Math.round(ms)} ms`;
}

export function megabytes(mb: number | undefined): string {
  return mb === undefined ? 'RSS n/a' : `${Math.round(mb)} MB`;
}

export function perSecond(count: number, ms: number): string {
  return `${Math.round((count * 1000) / ms).toLocaleString('en-US')}/s`;
}

export function ratio(value: number): string {
  return value >= 10 ? `${value.toFixed(0)}×` : `${value.toFixed(1)}×`;
}
