import type { ServedReport } from './types.js';

/**
 * One line for the text output, under the record: `served by 4/4 in 3.1 s`, or what is wrong.
 * Server names come from the wire (an NS set): control characters are escaped here.
 */
export function describeServed(report: ServedReport): string {
  return printable(describe(report));
}

function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function describe(report: ServedReport): string {
  const total = report.servers.length;
  const serving = report.servers.filter((s) => s.status === 'served').length;
  const seconds = `${report.seconds.toFixed(1)} s`;
  switch (report.status) {
    case 'served':
      return `served by ${serving}/${total} in ${seconds}`;
    case 'unknown':
      return `served: unknown (${report.reason ?? 'no server could be asked'})`;
    case 'propagating':
    case 'diverged': {
      const others = report.servers
        .filter((s) => s.status !== 'served')
        .map((s) => {
          if (s.status === 'unknown') return `${s.server} ${s.reason ?? 'did not answer'}`;
          const values = Object.entries(s.values).map(([family, list]) => `${family} ${list.length > 0 ? list.join(' ') : 'none'}`);
          return `${s.server} answers ${values.join(', ')}${s.reason !== undefined ? ` (${s.reason})` : ''}`;
        });
      return `${report.status}: served by ${serving}/${total} after ${seconds}; ${others.join('; ')}`;
    }
  }
}
