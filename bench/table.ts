/** One line of the bench table: every figure measured in the same run. */
export interface BenchRow {
  metric: string;
  measured: string;
  /** What the measurement is compared with (a lower bound, the plain SDK, sha256sum, bare Node). */
  baseline: string;
  ratio: string;
  target: string;
  /** Undefined: nothing to pass (no target, or skipped). */
  pass?: boolean;
  /** Printed under the table: how the baseline was derived. */
  note?: string;
}

export function resultOf(row: BenchRow): string {
  if (row.measured.startsWith('skipped')) return 'skipped';
  if (row.pass === undefined) return '-';
  return row.pass ? 'pass' : 'FAIL';
}

const HEAD = ['metric', 'measured', 'baseline', 'ratio', 'target', 'result'];
const cells = (r: BenchRow) => [r.metric, r.measured, r.baseline || '-', r.ratio || '-', r.target || '-', resultOf(r)];

/** A plain-text table for the terminal, notes numbered underneath. */
export function formatRows(rows: readonly BenchRow[]): string {
  const body = rows.map((r, i) => {
    const c = cells(r);
    if (r.note) c[0] = `${c[0]} [${notesBefore(rows, i) + 1}]`;
    return c;
  });
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 3 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ').trimEnd();
  const notes = rows.filter((r) => r.note).map((r, i) => `[${i + 1}] ${r.note}`);
  return [line(HEAD), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

function notesBefore(rows: readonly BenchRow[], index: number): number {
  return rows.slice(0, index).filter((r) => r.note).length;
}

/** The same table in Markdown (for bench/RESULTS.md and the README). */
export function markdownTable(rows: readonly BenchRow[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const body = rows.map((r, i) => {
    const c = cells(r).map(esc);
    if (r.note) c[0] = `${c[0]} [${notesBefore(rows, i) + 1}]`;
    return `| ${c.join(' | ')} |`;
  });
  const notes = rows.filter((r) => r.note).map((r, i) => `[${i + 1}] ${esc(r.note as string)}`);
  return [`| ${HEAD.join(' | ')} |`, '| --- | --- | --- | ---: | --- | --- |', ...body, ...(notes.length ? ['', ...notes.map((n) => `${n}  `)] : [])].join('\n');
}
