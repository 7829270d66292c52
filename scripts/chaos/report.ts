// The chaos run's two tables, as plain text: the faults it made and the counts it checked.
import type { Count } from './checks';
import type { FaultRecord } from './faults';

function table(headers: string[], rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function faultTable(faults: FaultRecord[]): string {
  return table(
    ['#', 'fault', 'at', 'took', 'closed', 'what happened'],
    faults.map((f, i) => [String(i + 1), f.fault, `${f.at.toFixed(0)} s`, `${f.seconds.toFixed(1)} s`, String(f.closed), f.failed ? `FAILED ${f.detail}` : f.detail]),
    new Set([0, 2, 3, 4]),
  );
}

export function countTable(counts: Count[]): string {
  return table(
    ['', 'count', ''],
    counts.map((c) => [`${c.group}: ${c.what}`, String(c.value), c.violation ? (c.value === 0 ? 'ok' : 'VIOLATION') : '']),
    new Set([1]),
  );
}
