import { COVERAGE_LABELS, type Catalog, type Coverage } from './schema.js';

export type CoverageCounts = Record<Coverage, number> & { total: number };

export interface CoverageRow {
  /** Top-level principal: `1`..`12`, `A1`..`A3` for PCI DSS; `164.308`..`164.316` for HIPAA. */
  principal: string;
  title: string;
  counts: CoverageCounts;
}

export interface CoverageTable {
  framework: string;
  rows: CoverageRow[];
  totals: CoverageCounts;
}

function emptyCounts(): CoverageCounts {
  const counts = { total: 0 } as CoverageCounts;
  for (const label of COVERAGE_LABELS) counts[label] = 0;
  return counts;
}

/** Top-level principal of a principal id when the catalog does not list its parents. */
function fallbackTopLevel(principal: string): string {
  if (/^164\.\d{3}/.test(principal)) return principal.slice(0, 7);
  return principal.split('.')[0];
}

/** Follows `parent` links from a requirement's principal to the top of the catalog's hierarchy. */
export function topLevelPrincipal(catalog: Catalog, principal: string): string {
  const byId = new Map(catalog.principals.map((p) => [p.id, p]));
  let current = principal;
  const seen = new Set<string>();
  while (!seen.has(current)) {
    seen.add(current);
    const entry = byId.get(current);
    if (entry === undefined) return fallbackTopLevel(current);
    if (entry.parent === undefined) return current;
    current = entry.parent;
  }
  return current;
}

/** Requirement counts per coverage label for each top-level principal, in catalog order, plus totals. */
export function coverageTable(catalog: Catalog): CoverageTable {
  const rows = new Map<string, CoverageRow>();
  const titleOf = new Map(catalog.principals.map((p) => [p.id, p.title]));
  for (const p of catalog.principals) {
    if (p.parent === undefined) rows.set(p.id, { principal: p.id, title: p.title, counts: emptyCounts() });
  }
  const totals = emptyCounts();
  for (const r of catalog.requirements) {
    const top = topLevelPrincipal(catalog, r.principal);
    let row = rows.get(top);
    if (row === undefined) {
      row = { principal: top, title: titleOf.get(top) ?? top, counts: emptyCounts() };
      rows.set(top, row);
    }
    row.counts[r.coverage] += 1;
    row.counts.total += 1;
    totals[r.coverage] += 1;
    totals.total += 1;
  }
  return { framework: catalog.framework, rows: [...rows.values()].filter((r) => r.counts.total > 0), totals };
}
