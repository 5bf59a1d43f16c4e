/**
 * Evidence reference numbers (`E-0042`): one per evidence record of a package, numbered in the order of
 * evidence-index.csv (runs in package order, records in manifest order), so the same runs and options always
 * give the same numbers and a Report on Compliance can cite them.
 */
export class EvidenceReferences {
  private readonly byRecord = new Map<string, number>();
  /** Attestations are cited by their body's hash (the engine does not carry their record id). */
  private readonly bySha = new Map<string, number>();

  /** Numbers the next record; a record already numbered keeps its number. */
  assign(runId: string, recordId: string, sha256?: string): string {
    const k = `${runId}\u0000${recordId}`;
    let n = this.byRecord.get(k);
    if (n === undefined) {
      n = this.byRecord.size + 1;
      this.byRecord.set(k, n);
    }
    if (sha256 && !this.bySha.has(`${runId}\u0000${sha256}`)) this.bySha.set(`${runId}\u0000${sha256}`, n);
    return formatRef(n);
  }

  /** The reference of a record by its run and body hash (the first record of the run with that body). */
  ofBody(runId: string, sha256: string): string | undefined {
    const n = this.bySha.get(`${runId}\u0000${sha256}`);
    return n === undefined ? undefined : formatRef(n);
  }

  /** The reference of a record, or undefined when the record is not in the package. */
  of(runId: string, recordId: string | undefined): string | undefined {
    if (recordId === undefined) return undefined;
    const n = this.byRecord.get(`${runId}\u0000${recordId}`);
    return n === undefined ? undefined : formatRef(n);
  }

  /** The number of a record's reference (42 for `E-0042`), or undefined when the record is not in the package. */
  numberOf(runId: string, recordId: string): number | undefined {
    return this.byRecord.get(`${runId}\u0000${recordId}`);
  }

  get count(): number {
    return this.byRecord.size;
  }
}

/** `E-0001` ... `E-9999`, then as many digits as needed. */
export function formatRef(n: number): string {
  return `E-${String(n).padStart(4, '0')}`;
}

/** Reference numbers as ranges in numeric order: `E-0002 to E-0013, E-0020`. */
export function refRanges(numbers: Iterable<number>): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? formatRef(sorted[i]) : `${formatRef(sorted[i])} to ${formatRef(sorted[j])}`);
    i = j;
  }
  return parts.join(', ');
}

/** Distinct references in numeric order. */
export function sortRefs(refs: Iterable<string | undefined>): string[] {
  return [...new Set([...refs].filter((r): r is string => r !== undefined))].sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
}
